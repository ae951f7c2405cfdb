"""YouTube Data API v3 responses, saved as they came from the API.

Reads these response kinds (formats.md §4.2):

- `youtube#commentThreadListResponse` (commentThreads.list): each thread's top-level comment, and
  the replies the API put inline in `replies.comments` (a subset only: page the rest with
  comments.list). Each inline reply is an Item of its own (its exact span inside the thread).
  `snippet.totalReplyCount` becomes a "replies" observation of the top-level comment.
- `youtube#commentListResponse` (comments.list?parentId=<thread id>): replies, parent =
  `snippet.parentId`. These responses carry no video id: it is taken from the thread of the same
  id when the same file also holds the commentThreads page, else from a video id at the end of
  the file name (`replies_<videoId>.json`, see youtube_comment_downloader.video_id_in_name).
  Otherwise the reply's post is left to the store, which takes the post of its parent comment
  (imported from a commentThreads page in the same run or earlier; an error names it if not).
- `youtube#videoListResponse` (videos.list): a PostRec per video (title and description as text,
  the channel as source and author) and its `statistics` as observations (views, likes, comments).
- `youtube#channelListResponse` (channels.list): a SourceRec (kind "channel") with subscribers,
  views and videos observations; no subscribers observation when `hiddenSubscriberCount` is true.
- a single `youtube#commentThread`, `youtube#comment`, `youtube#video` or `youtube#channel` object.

A file holds one response, a JSON list of responses, or JSONL with one response per line (a
line that is not JSON is a Skip; a last line cut short, with no newline after it, is BadInput).

Quirks: statistics counts are JSON strings ("10700000"). Comment text is `textOriginal`; when the
API withholds it (it is only guaranteed to the comment's author) `textDisplay` is used, with its
HTML turned into plain text. Author id = `authorChannelId.value`; without it, "@" + display name
(display names are not stable ids, but there is nothing else). Comments on a channel's discussion
tab have no `videoId`: they belong to the post "channel:<channelId>".

Not read: etags, page tokens and pageInfo, `updatedAt` (edit time), `viewerRating`, thumbnails,
dislike and favourite counts, brandingSettings and contentDetails. Comment likes go into both
CommentRec.likes and a "likes" observation. The API records no capture time. No Complete is
given: API pages hold part of a video's comments and a file may hold any subset of pages.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Iterator

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, JSONError, Options, guarded, iso_utc, iter_lines, json_spans, load_document,
                   loads, need, parse_count, parse_line, read_bytes, loose_sid, register, sid, comments_in, reload)
from .youtube_comment_downloader import raise_if_truncated, video_id_in_name

P = "youtube"

# the kind of the items of each list response (items lose their own "kind" under `fields=`)
LIST_KINDS = {
    "youtube#commentThreadListResponse": "youtube#commentThread",
    "youtube#commentListResponse": "youtube#comment",
    "youtube#videoListResponse": "youtube#video",
    "youtube#channelListResponse": "youtube#channel",
}
ITEM_KINDS = set(LIST_KINDS.values())
_KIND = re.compile(rb'"kind"\s*:\s*"(youtube#\w+)"')


@register
class YouTubeApiImporter(Importer):
    name = "youtube-api"
    version = "1"
    description = ("YouTube Data API v3 responses: commentThreads.list, comments.list (reply pages), "
                   "videos.list and channels.list; one response, a JSON list of them, or JSONL of pages")
    example = "otklik import --case mycase commentThreads_dQw4w9WgXcQ.json"

    def sniff(self, head: bytes, path: Path) -> float:
        m = _KIND.search(head)  # the response's own "kind" comes first
        return 0.95 if m and m.group(1).decode() in LIST_KINDS.keys() | ITEM_KINDS else 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        # a JSONL line that is one item, else a span of a page; a thread (its top-level comment),
        # or a comment: a reply inline in its thread, or of a reply page
        obj = reload(raw, line=where.endswith(", $"))
        snip = obj.get("snippet") if isinstance(obj, dict) else None
        thread = isinstance(snip, dict) and "topLevelComment" in snip
        return comments_in(_thread(obj) if thread else _comment(obj, None))

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        pages = list(_pages(path))
        thread_posts = _thread_posts(p[3] for p in pages if not isinstance(p, Skip))
        file_video = video_id_in_name(path)
        for page in pages:
            if isinstance(page, Skip):
                yield page
                continue
            loc, root, text, value = page
            kind = value.get("kind") if isinstance(value, dict) else None
            if kind in LIST_KINDS:
                for (i,), raw, obj in json_spans(text, ("items", "*")):
                    yield from self._record(LIST_KINDS[kind], raw, obj, loc, f"{root}.items[{i}]",
                                            thread_posts, file_video)
            elif kind in ITEM_KINDS:
                yield from self._record(kind, text, value, loc, root, thread_posts, file_video)
            else:
                raise BadInput(path, f"{loc}{root}", f"not a YouTube Data API response this importer reads "
                               f"(kind {kind!r}; expected one of {', '.join(sorted(LIST_KINDS))})")

    def _record(self, kind: str, raw: str, obj: Any, loc: str, where: str,
                thread_posts: dict, file_video: str | None) -> Iterator[Item | Skip]:
        kind = (obj.get("kind") or kind) if isinstance(obj, dict) else kind
        here = loc + where
        if kind == "youtube#commentThread":
            yield guarded(here, lambda: Item(raw.encode(), here, _thread(obj)))
            post = thread_posts.get(loose_sid(obj.get("id"))) if isinstance(obj, dict) else None
            for (i,), rraw, reply in json_spans(raw, ("replies", "comments", "*")):
                rwhere = f"{here}.replies.comments[{i}]"
                yield guarded(rwhere, lambda: Item(rraw.encode(), rwhere, _comment(reply, post)))
        elif kind == "youtube#comment":
            snip = obj.get("snippet") if isinstance(obj, dict) else None
            parent = loose_sid(snip.get("parentId")) if isinstance(snip, dict) else None
            thread_post = thread_posts.get(parent) or (file_video if parent else None)
            # A reply page that names no video: the store takes the video of the parent comment.
            yield guarded(here, lambda: Item(raw.encode(), here, _comment(obj, thread_post)))
        elif kind == "youtube#video":
            yield guarded(here, lambda: Item(raw.encode(), here, _video(obj)))
        elif kind == "youtube#channel":
            yield guarded(here, lambda: Item(raw.encode(), here, _channel(obj)))
        else:
            yield Skip(here, f"not a comment, thread, video or channel (kind {kind!r})")


def _pages(path: Path) -> Iterator[tuple[str, str, str, Any] | Skip]:
    """(location prefix, JSON path of the response, its exact text, its value) per response."""
    data = read_bytes(path)
    first, _, rest = data.lstrip().partition(b"\n")
    if rest.strip() and _is_json(first):  # JSONL: one response per line
        raise_if_truncated(path, data)
        for n, line in iter_lines(path):
            value = parse_line(path, n, line)
            yield value if isinstance(value, Skip) else (f"line {n}, ", "$", line.decode(), value)
        return
    text, value = load_document(path, data)
    if isinstance(value, list):
        for (i,), raw, page in json_spans(text, ("*",)):
            yield "", f"$[{i}]", raw, page
    else:
        yield "", "$", text.strip(), value


def _thread_posts(pages: Iterator[Any]) -> dict[str, str | None]:
    """Thread id -> post, for the replies of comments.list pages (they name their thread, not its video)."""
    out = {}
    for page in pages:
        kind = page.get("kind") if isinstance(page, dict) else None
        if kind == "youtube#commentThreadListResponse":
            threads = page.get("items")
        elif kind == "youtube#commentThread":
            threads = [page]
        else:
            continue
        for t in threads if isinstance(threads, list) else []:
            if isinstance(t, dict) and isinstance(t.get("snippet"), dict) and loose_sid(t.get("id")):
                try:
                    out[sid(t["id"])] = _post_of(t["snippet"])
                except ValueError:
                    continue  # the thread's own record fails, naming it
    return out


def _is_json(line: bytes) -> bool:
    try:
        loads(line)
        return True
    except JSONError:
        return False


def _post_of(snippet: dict, thread_post: str | None = None) -> str | None:
    """The post of a thread or comment: its video; for a reply, its thread's post; for a
    top-level comment without a video, the channel's discussion tab it was written on."""
    if snippet.get("videoId"):
        return sid(snippet["videoId"])
    if snippet.get("parentId") or thread_post:
        return thread_post
    return f"channel:{snippet['channelId']}" if snippet.get("channelId") else None


def _thread(t: dict) -> list:
    snip = need(t, "snippet", "thread")
    top = need(snip, "topLevelComment", "thread")
    out = _comment(top, _post_of(snip))
    if snip.get("totalReplyCount") is not None:
        out.append(ObservationRec("comment", P, out[0].platform_id, "replies",
                                  parse_count(snip["totalReplyCount"])))
    return out


def _comment(c: dict, thread_post: str | None) -> list:
    cid = sid(need(c, "id", "comment"))
    s = need(c, "snippet", "comment")
    post = _post_of(s, thread_post)
    if post is None and not s.get("parentId"):
        raise ValueError(f"comment {cid} names no videoId or channelId")
    text = s.get("textOriginal")
    if text is None:
        text = _html_text(need(s, "textDisplay", "comment"))
    likes = parse_count(s.get("likeCount"))
    out: list = [CommentRec(P, cid, post, text, author=_author(s), parent_id=sid(s.get("parentId")),
                            published_at=iso_utc(s.get("publishedAt")), likes=likes)]
    if likes is not None:
        out.append(ObservationRec("comment", P, cid, "likes", likes))
    return out


def _author(s: dict) -> AuthorRec | None:
    name = s.get("authorDisplayName") or None
    channel = (s.get("authorChannelId") or {}).get("value")
    if not channel and not name:
        return None
    # since 2023 display names are "@handle"
    handle = name[1:] if name and name.startswith("@") else None
    return AuthorRec(P, channel or "@" + name.lstrip("@"), handle=handle, display_name=name)


def _html_text(s: str) -> str:
    s = re.sub(r"<br\s*/?>", "\n", s)
    return html.unescape(re.sub(r"<[^>]+>", "", s))


def _video(v: dict) -> list:
    vid = sid(need(v, "id", "video"))
    s = need(v, "snippet", "video")
    channel = sid(s.get("channelId"))
    text = "\n\n".join(x for x in (s.get("title"), s.get("description")) if x)
    out: list = []
    if channel:
        out.append(SourceRec(P, channel, kind="channel", title=s.get("channelTitle"), url=_channel_url(channel)))
    out.append(PostRec(P, vid, source_id=channel, text=text,
                       author=AuthorRec(P, channel, display_name=s.get("channelTitle")) if channel else None,
                       published_at=iso_utc(s.get("publishedAt")), url=f"https://www.youtube.com/watch?v={vid}"))
    return out + _stats("post", vid, v.get("statistics"),
                        {"viewCount": "views", "likeCount": "likes", "commentCount": "comments"})


def _channel(c: dict) -> list:
    cid = sid(need(c, "id", "channel"))
    s = c.get("snippet") or {}
    handle = (s.get("customUrl") or "").lstrip("@") or None
    stats = dict(c.get("statistics") or {})
    if stats.get("hiddenSubscriberCount"):
        stats.pop("subscriberCount", None)  # then the count is absent or "0", not a count
    return [SourceRec(P, cid, kind="channel", handle=handle, title=s.get("title"), url=_channel_url(cid))] + \
        _stats("source", cid, stats, {"subscriberCount": "subscribers", "viewCount": "views",
                                      "videoCount": "videos"})


def _stats(entity: str, pid: str, stats: dict | None, metrics: dict) -> list:
    stats = stats or {}
    return [ObservationRec(entity, P, pid, metric, parse_count(stats[key]))
            for key, metric in metrics.items() if stats.get(key) not in (None, "")]


def _channel_url(channel_id: str) -> str:
    return f"https://www.youtube.com/channel/{channel_id}"
