"""Zeeschuimer NDJSON: what the Zeeschuimer browser extension captured, one item per line.

Zeeschuimer (digitalmethodsinitiative/zeeschuimer) records the JSON that platform pages load
while a researcher scrolls. Each line is an envelope
`{id, nav_index, item_id, timestamp_collected, last_updated, source_platform, source_platform_url,
source_url, user_agent, data}` where `data` is the platform's own object. A 4CAT download of a
Zeeschuimer dataset is flattened instead: the platform fields stand at the top level and the
envelope keys sit in `__import_meta`. Both shapes are read, line by line.

Platforms read (by `source_platform`):
- "instagram.com" -> posts (platform "instagram"). Three shapes: the item list of the current
  feeds (`code`, `taken_at`, `caption.text`, `user`, `like_count`, `comment_count`,
  `play_count`/`view_count`), the "Polaris" grid shape (`__typename` contains "Polaris": text and
  author only, its counts and times are not read, as 4CAT does) and the legacy Graph shape
  (`shortcode`, `taken_at_timestamp`, `edge_media_to_caption`, `edge_media_preview_like`,
  `edge_media_preview_comment`, `owner`). The post id is the shortcode, which every shape has
  (the numeric `pk` is missing from Polaris items). Source = the posting account.
- "tiktok.com" -> posts (platform "tiktok"): `id`, `desc`, `createTime`, `author` (a dict, or the
  handle as a string with `nickname`/`authorId` beside it), `authorStats.followerCount` as the
  source's followers, `stats` (or `statsV2`) as post likes/comments/shares/views/saves.
- "tiktok-comments" -> comments (platform "tiktok"): `cid`, `aweme_id` (the post id), `reply_id`
  ("0" = top-level, else the parent's cid), `text`, `create_time`, `digg_count` (likes: both
  CommentRec.likes and an observation), `user{uid, unique_id, nickname}`, `share_info{url,
  title}` (the post's URL, query removed, and caption: a PostRec is emitted once per post per
  file, from the first line that has it). Not read: `reply_to_reply_id` (the parent is
  `reply_id`, the thread TikTok shows), `comment_language` (otklik detects languages itself),
  `reply_comment_total` (kept out of this hot path; the raw line keeps it).
- "twitter.com" (X) -> GraphQL Tweet results (platform "x"). A tweet whose `rest_id` equals
  `legacy.conversation_id_str` is a PostRec (source = its author, followers as a source
  observation); any other tweet is a CommentRec of the conversation's root post, with
  parent_id = `legacy.in_reply_to_status_id_str` (None when it answers the root itself) and its
  author's followers as an author observation. `note_tweet` (long posts) is preferred over
  `legacy.full_text`. A `TweetWithVisibilityResults` wrapper is opened; a retweet is read as the
  tweet it retweets (the retweet has no text of its own); a quoted tweet inside a quote tweet is
  not read. Author fields come from `core.user_results.result.legacy` or its newer `.core`.

Authors travel inside the PostRec/CommentRec they wrote; when an account has no stable id
the handle stands in, prefixed "@". Quirks: the same platform item captured several times (several lines with the same item_id) gives
one Item per line with the same records; the ingest service merges them into one record with
several sightings. Each Item's captured_at is that line's `timestamp_collected` (ms).
Other `source_platform`s (threads, linkedin, 9gag, ...) are not supported: a Skip per line.
Not content, so not yielded: Instagram ads (`product_type` "ad"; 4CAT drops them too).
Not read: media URLs, hashtags, mentions, locations, music, the Dexie row `id`, `nav_index`,
`source_url`, `user_agent` (the raw line keeps them all).
"""

from __future__ import annotations

import json
from pathlib import Path
from time import gmtime, strftime
from typing import Any, Iterator

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, MissingField, Options, guarded, iso_utc, iter_lines, loads, need, parse_count,
                   parse_line, register, sid, comments_in, reload)

# Whole unix seconds -> iso_utc()'s text by table look-ups, four times faster than strftime: the
# tiktok-comments hot path converts one time per line.
_DAYS: dict[int, str] = {}
_HOUR_MINUTE = [f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECOND = [f"{s:02d}Z" for s in range(60)]


def _epoch(value: Any) -> str | None:
    """iso_utc() of unix seconds, fast for whole seconds."""
    if type(value) is not int or not 0 <= value < 100_000_000_000:
        return iso_utc(value)
    day, second = divmod(value, 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = strftime("%Y-%m-%d", gmtime(day * 86400))
    return date + _HOUR_MINUTE[second // 60] + _SECOND[second % 60]


def _account(platform: str, aid: str | None, handle: str | None, name: str | None,
             url: str | None) -> tuple[AuthorRec | None, list]:
    """A post's author, as an author and as the account (source) the post is on; none without an id."""
    if not aid:
        return None, []
    return AuthorRec(platform, aid, handle, name), [SourceRec(platform, aid, "account", handle, name, url)]


def _counts(entity: str, platform: str, pid: str, values: dict[str, Any]) -> list[ObservationRec]:
    """Observations (metric -> count as the export writes it) of the counts that are present."""
    out = []
    for metric, raw in values.items():
        value = parse_count(raw)
        if value is not None:
            out.append(ObservationRec(entity, platform, pid, metric, value))
    return out


class _Read:
    """Reading one file: the posts already emitted from tiktok-comments lines."""

    def __init__(self) -> None:
        self.tiktok_posts: set[str] = set()

    # ------------------------------------------------------------ tiktok-comments (hot path)

    def tiktok_comment(self, d: dict, where: str) -> list:
        cid, post_id, text, created = d.get("cid"), d.get("aweme_id"), d.get("text"), d.get("create_time")
        if not cid or not post_id or text is None or created is None:  # name the missing field
            for key in ("cid", "aweme_id", "create_time"):
                need(d, key, where)
            raise MissingField(where, "text")  # an empty text is fine (a sticker-only comment)
        reply_id = d.get("reply_id")
        parent = reply_id if reply_id and reply_id != "0" else None
        if type(cid) is not str or type(post_id) is not str or type(parent) is int:
            cid, post_id, parent = sid(cid), sid(post_id), sid(parent)
        likes = d.get("digg_count")
        if type(likes) is not int:
            likes = parse_count(likes)
        user = d.get("user")
        author = None
        if user:
            handle = user.get("unique_id") or None
            # uid is TikTok's stable user id; without it the handle stands in, prefixed "@"
            uid = user.get("uid") or (handle and "@" + handle)
            if type(uid) is not str:
                uid = sid(uid)
            if uid:
                author = AuthorRec("tiktok", uid, handle, user.get("nickname") or None)
        comment = CommentRec("tiktok", cid, post_id, text, author, parent, _epoch(created), False, likes)
        out: list = [comment]
        if likes is not None:
            out.append(ObservationRec("comment", "tiktok", cid, "likes", likes))
        if post_id not in self.tiktok_posts:
            share = d.get("share_info")
            if share and share.get("url"):
                self.tiktok_posts.add(post_id)
                out.append(PostRec("tiktok", post_id, text=share.get("title") or None,
                                   url=share["url"].split("?", 1)[0]))
        return out

    # ------------------------------------------------------------ tiktok.com posts

    def tiktok_post(self, d: dict, where: str) -> list:
        pid = sid(need(d, "id", where))
        a = d.get("author")
        if isinstance(a, dict):  # API items
            aid, handle, nick = sid(a.get("id")), a.get("uniqueId"), a.get("nickname")
        else:  # items embedded in the page's JSON carry the handle as a string
            aid, handle, nick = sid(d.get("authorId")), a, d.get("nickname")
        handle, nick = handle or None, nick or None
        aid = aid or (handle and "@" + handle)  # no stable id: the handle, prefixed "@"
        author, out = _account("tiktok", aid, handle, nick, f"https://www.tiktok.com/@{handle}" if handle else None)
        if author:
            followers = (d.get("authorStats") or {}).get("followerCount")
            out += _counts("source", "tiktok", aid, {"followers": followers})
        out.append(PostRec("tiktok", pid, aid, author, d.get("desc") or None, iso_utc(d.get("createTime")),
                           f"https://www.tiktok.com/@{handle}/video/{pid}" if handle else None))
        stats = d.get("stats") or d.get("statsV2") or {}
        out += _counts("post", "tiktok", pid, {
            "likes": stats.get("diggCount"), "comments": stats.get("commentCount"),
            "shares": stats.get("shareCount"), "views": stats.get("playCount"), "saves": stats.get("collectCount")})
        return out

    # ------------------------------------------------------------ instagram.com posts

    def instagram_post(self, d: dict, where: str) -> list | None:
        if d.get("product_type") == "ad":
            return None
        if d.get("shortcode"):  # legacy Graph shape
            code = d["shortcode"]
            user = d.get("owner") or {}
            edges = (d.get("edge_media_to_caption") or {}).get("edges") or []
            text = edges[0]["node"]["text"] if edges else None
            published = iso_utc(d.get("taken_at_timestamp"))
            counts = {"likes": (d.get("edge_media_preview_like") or {}).get("count"),
                      "comments": (d.get("edge_media_preview_comment") or {}).get("count")}
        else:  # item list (XDTMediaDict) or Polaris
            code = need(d, "code", where)
            user = d.get("user") or d.get("owner") or {}
            text = (d.get("caption") or {}).get("text")
            if "Polaris" in (d.get("__typename") or ""):  # grid items: no time or counts to trust
                published, counts = None, {}
            else:
                hidden = d.get("like_and_view_counts_disabled")
                published = iso_utc(d.get("taken_at"))
                counts = {"likes": None if hidden else d.get("like_count"),
                          "comments": d.get("comment_count"),
                          "views": None if hidden else d.get("play_count") or d.get("view_count")}
        handle = user.get("username") or None
        name = user.get("full_name") or None
        uid = sid(user.get("pk") or user.get("id")) or (handle and "@" + handle)  # no id: "@handle"
        author, out = _account("instagram", uid, handle, name, f"https://www.instagram.com/{handle}/" if handle else None)
        out.append(PostRec("instagram", code, uid, author, text or None, published,
                           f"https://www.instagram.com/p/{code}/"))
        out += _counts("post", "instagram", code, counts)
        return out

    # ------------------------------------------------------------ twitter.com (X)

    def tweet(self, d: dict, where: str) -> list:
        if d.get("__typename") == "TweetWithVisibilityResults":
            d = need(d, "tweet", where)
        legacy = need(d, "legacy", where)
        retweeted = legacy.get("retweeted_status_result")
        if retweeted:
            return self.tweet(need(retweeted, "result", where), where)
        tid = sid(need(d, "rest_id", where))
        user = ((d.get("core") or {}).get("user_results") or {}).get("result") or {}
        ul, uc = user.get("legacy") or {}, user.get("core") or {}
        handle = uc.get("screen_name") or ul.get("screen_name") or None
        uid = sid(user.get("rest_id")) or (handle and "@" + handle)  # no id: "@handle"
        note = (((d.get("note_tweet") or {}).get("note_tweet_results") or {}).get("result") or {}).get("text")
        text = note or legacy.get("full_text")
        if text is None:
            raise MissingField(where, "legacy.full_text")
        published = iso_utc(legacy.get("created_at"))
        root = sid(legacy.get("conversation_id_str")) or tid
        followers = ul.get("followers_count", uc.get("followers_count"))
        out: list = []
        author = None
        if uid:
            author = AuthorRec("x", uid, handle, uc.get("name") or ul.get("name") or None)
        if tid == root:
            if author:
                out.append(SourceRec("x", uid, "account", handle, author.display_name,
                                     f"https://x.com/{handle}" if handle else None))
                out += _counts("source", "x", uid, {"followers": followers})
            out.append(PostRec("x", tid, uid, author, text, published,
                               f"https://x.com/{handle or 'i/web'}/status/{tid}"))
            out += _counts("post", "x", tid, {
                "likes": legacy.get("favorite_count"), "comments": legacy.get("reply_count"),
                "shares": legacy.get("retweet_count"), "quotes": legacy.get("quote_count"),
                "views": (d.get("views") or {}).get("count")})
        else:
            parent = sid(legacy.get("in_reply_to_status_id_str"))
            likes = parse_count(legacy.get("favorite_count"))
            out.append(CommentRec("x", tid, root, text, author, None if parent == root else parent,
                                  published, False, likes))
            if author:
                out += _counts("author", "x", uid, {"followers": followers})
            out += _counts("comment", "x", tid, {"likes": likes})
        return out


def _raise_if_truncated(path: Path, n: int, line: bytes) -> None:
    """BadInput when the unparsable last line is cut short: the file is incomplete."""
    text = line.decode("utf-8", "replace")
    try:
        loads(text)  # orjson, like json, raises json.JSONDecodeError; orjson points at the end when cut
    except json.JSONDecodeError as e:
        if e.pos >= len(text.rstrip()):
            raise BadInput(path, f"line {n}, column {e.colno}",
                           f"the file ends in the middle of a record (truncated download?): {e.msg}") from None


def _envelope(obj: dict) -> tuple[Any, Any, Any]:
    """(envelope, platform object, source platform) of a line: Zeeschuimer's own, or 4CAT's
    download that moves the envelope into __import_meta."""
    env = obj.get("__import_meta")
    data = obj if env is not None else obj.get("data")
    env = env if env is not None else obj
    return env, data, env.get("source_platform") if type(env) is dict else None


_READERS = {"tiktok-comments": _Read.tiktok_comment, "tiktok.com": _Read.tiktok_post,
            "instagram.com": _Read.instagram_post, "twitter.com": _Read.tweet}


@register
class Zeeschuimer(Importer):
    name = "zeeschuimer"
    version = "1"
    description = ("Zeeschuimer NDJSON (browser capture, or 4CAT's download of it): Instagram and TikTok "
                   "posts, TikTok comments, X posts and replies")
    example = "otklik import --case mycase zeeschuimer-export-tiktok-comments-2024-05-01T120000.ndjson"

    def sniff(self, head: bytes, path: Path) -> float:
        start = head.lstrip()[:1]
        if start != b"{":
            return 0.0
        if b'"source_platform"' in head and b'"timestamp_collected"' in head:
            return 0.95
        # a 4CAT download puts __import_meta after the platform fields, past 64 KB for big items
        return 0.5 if path.name.startswith("zeeschuimer-export-") else 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        _, data, platform = _envelope(reload(raw, line=True))
        return comments_in(_READERS[platform](_Read(), data, where))

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        state = _Read()
        last_ts, last_cap = None, None
        bad = None  # the Skip of an unparsable line, held back: it may be a truncated last line
        first, n = True, 0
        for n, line in iter_lines(path):
            if bad:
                yield bad
                bad = None
            obj = parse_line(path, n, line)
            where = f"line {n}"
            if type(obj) is Skip:
                bad = obj
                continue
            if type(obj) is not dict:
                yield Skip(where, "not a JSON object")
                continue
            env, data, platform = _envelope(obj)
            if first and platform is None:
                raise BadInput(path, where, "not a Zeeschuimer export (no source_platform, "
                               "neither in the line nor in __import_meta)")
            first = False
            reader = _READERS.get(platform)
            if reader is None:
                yield Skip(where, f"source_platform {platform!r} is not supported "
                           f"(supported: {', '.join(_READERS)})")
                continue
            if type(data) is not dict:
                yield Skip(where, "no platform object ('data' is missing or not an object)")
                continue
            ts = env.get("timestamp_collected")
            if ts != last_ts:
                cap = guarded(where, lambda: iso_utc(ts))
                if type(cap) is Skip:
                    yield Skip(where, f"unreadable timestamp_collected {ts!r}")
                    continue
                last_ts, last_cap = ts, cap
            entities = guarded(where, lambda: reader(state, data, where))
            if type(entities) is Skip:
                yield entities
            elif entities is not None:
                yield Item(line, where, entities, last_cap)
        if bad:
            _raise_if_truncated(path, n, line)
            yield bad
        if n == 0:
            raise BadInput(path, None, "the file is empty")
