"""X (Twitter) API v2 responses as twarc2 writes them: JSONL, one response page per line.

A page is `{"data": [tweets], "includes": {"users", "tweets", ...}, "meta", "__twarc": {"url",
"version", "retrieved_at"}}`; `retrieved_at` is the capture time of everything on the page. The
line is the raw record: ONE Item per line carries all the records of that page. A tweet of the page
that cannot be read is a Skip naming it ("line 3, data[7]") next to the page's Item.
twarc2's flattened output (`twarc2 flatten`: one tweet per line with its `author` and referenced
tweets embedded and the page's `__twarc` copied in) is read too; the line is then the raw record.

- A tweet whose `referenced_tweets` has a "replied_to" is a comment: its post is the conversation
  root (`conversation_id`), its parent the replied-to tweet, or none when that is the root.
  Every other tweet (roots, quotes, retweets) is a post of its author's account (a source of kind
  "account"). A retweet is a copy of the retweeted post (`copy_of`); its text is X's "RT @…" form.
- `includes.tweets` (the replied-to, quoted and retweeted tweets) and the expanded referenced
  tweets of flattened lines are read as well: they give the posts that replies belong to. A tweet
  that appears both in `data` and `includes.tweets` is read once.
- Authors come from `includes.users` (or the embedded `author`): username, name, and
  `public_metrics.followers_count` as a followers observation — of the source for a post's author,
  of the author for a commenter.
- The tweet's `public_metrics` become observations: likes, comments (reply_count), retweets,
  quotes, bookmarks, impressions. impression_count 0 is not read: X reports 0 for tweets whose
  impressions it did not count (before December 2022).
- `note_tweet.text` (the full text of long posts) is preferred over the truncated `text`; X's
  HTML escapes (&amp; &lt; &gt;) are undone.
- A page with no tweets (only `errors`, e.g. every requested tweet deleted) is an Item without
  records, so its raw page is kept.
Deliberately not read: media, polls, places, entities, context annotations, `meta`; twarc2's
pages are search or lookup results, never a complete listing of a conversation (no Complete).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..model import AuthorRec, CommentRec, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, Options, guarded, iso_utc, iter_lines, need, parse_count, parse_line, loose_sid,
                   register, sid, comments_in, reload)

METRICS = {"like_count": "likes", "reply_count": "comments", "retweet_count": "retweets",
           "quote_count": "quotes", "bookmark_count": "bookmarks", "impression_count": "impressions"}


def _is_page(obj: Any) -> bool:
    return isinstance(obj, dict) and ("data" in obj or "errors" in obj)


def _is_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and ("text" in obj or "note_tweet" in obj)


def _by_id(rec: PostRec | CommentRec) -> tuple[int, str]:
    """Tweet ids grow with time: in id order, parents come before their replies."""
    return len(rec.platform_id), rec.platform_id


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class _Page:
    """The records read from one line; each account's source and followers count once."""

    def __init__(self, users: dict[str, dict]):
        self.users = users
        self.sources: list[SourceRec] = []
        self.posts: list[PostRec] = []
        self.comments: list[CommentRec] = []
        self.counts: list[ObservationRec] = []
        self.seen: set[tuple[str, str]] = set()

    def add(self, tweet: dict, where: str) -> None:
        tid = sid(need(tweet, "id", where))
        text = _unescape((tweet.get("note_tweet") or {}).get("text") or need(tweet, "text", where))
        user = tweet.get("author") or self.users.get(sid(tweet.get("author_id"))) or {}
        author_id = sid(user.get("id") or tweet.get("author_id"))
        username = user.get("username")
        author = AuthorRec("x", author_id, username, user.get("name")) if author_id else None
        published = iso_utc(tweet.get("created_at"))
        refs = {r.get("type"): sid(r.get("id")) for r in tweet.get("referenced_tweets") or []}
        metrics = tweet.get("public_metrics") or {}
        counts = [(metric, parse_count(metrics[key])) for key, metric in METRICS.items()
                  if metrics.get(key) is not None and not (key == "impression_count" and metrics[key] == 0)]
        followers = parse_count((user.get("public_metrics") or {}).get("followers_count"))
        if "replied_to" in refs:
            root = sid(need(tweet, "conversation_id", where))
            parent = None if refs["replied_to"] == root else refs["replied_to"]
            self.comments.append(CommentRec("x", tid, root, text, author, parent, published))
            entity, follower_entity = "comment", "author"
        else:
            url = f"https://x.com/{username or 'i/web'}/status/{tid}"
            self.posts.append(PostRec("x", tid, author_id, author, text, published, url, copy_of=refs.get("retweeted")))
            entity, follower_entity = "post", "source"
        self.counts += [ObservationRec(entity, "x", tid, metric, value) for metric, value in counts]
        if author_id and (follower_entity, author_id) not in self.seen:
            self.seen.add((follower_entity, author_id))
            if follower_entity == "source":
                profile = f"https://x.com/{username}" if username else None
                self.sources.append(SourceRec("x", author_id, "account", username, user.get("name"), profile))
            if followers is not None:
                self.counts.append(ObservationRec(follower_entity, "x", author_id, "followers", followers))

    def entities(self) -> list:
        order = [*self.sources, *sorted(self.posts, key=_by_id), *sorted(self.comments, key=_by_id)]
        return order + self.counts


@register
class Twarc2(Importer):
    name = "twarc2"
    version = "1"
    description = "X API v2 response pages as written by twarc2 (JSONL), also twarc2's flattened tweets"
    example = "otklik import --case mycase tweets.jsonl"

    def sniff(self, head: bytes, path: Path) -> float:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{" or b'"source_platform"' in head:
            return 0.0  # not JSON lines, or a Zeeschuimer capture (which holds X's web API, not v2)
        if b'"__twarc"' in head:
            return 0.95
        # A page's __twarc comes last and can lie past the head: recognise the v2 tweet fields.
        if re.search(rb'"conversation_id"\s*:', head) and b'"public_metrics"' in head:
            return 0.9
        return 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        # a record is a whole line: a page of tweets with their users, or one tweet
        items = [i for i in self._line(0, raw, reload(raw, line=True)) if isinstance(i, Item)]
        return comments_in(items[0].entities if items else None)

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip]:
        first = True
        for n, line in iter_lines(path):
            obj = parse_line(path, n, line)
            if first and not (_is_page(obj) or _is_tweet(obj)):
                problem = obj.reason if isinstance(obj, Skip) else "neither an X API v2 response page nor a tweet"
                raise BadInput(path, f"line {n}", problem)
            first = False
            if isinstance(obj, Skip):
                yield obj
            else:
                yield from self._line(n, line, obj)
        if first:
            raise BadInput(path, None, "the file is empty")

    @staticmethod
    def _line(n: int, line: bytes, obj: Any) -> Iterator[Item | Skip]:
        where = f"line {n}"
        if _is_page(obj):
            data = obj.get("data") or []
            includes = obj.get("includes") or {}
            users = {loose_sid(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
            tweets = [(f"{where}, data[{i}]", t) for i, t in enumerate(data if isinstance(data, list) else [data])]
            tweets += [(f"{where}, includes.tweets[{i}]", t) for i, t in enumerate(includes.get("tweets") or [])]
        elif _is_tweet(obj):
            users = {}
            tweets = [(where, obj)] + [(f"{where}, referenced_tweets[{i}]", t)
                                       for i, t in enumerate(obj.get("referenced_tweets") or []) if _is_tweet(t)]
        else:
            yield Skip(where, "neither an X API v2 response page nor a tweet")
            return
        try:
            captured = iso_utc((obj.get("__twarc") or {}).get("retrieved_at"))
        except ValueError as e:
            yield Skip(where, f"__twarc.retrieved_at: {e}")
            return
        page, read, skips = _Page(users), set(), []
        for tweet_where, tweet in tweets:
            tid = loose_sid(tweet.get("id")) if isinstance(tweet, dict) else None
            if tid is not None and tid in read:
                continue  # includes.tweets repeats a tweet of data
            got = guarded(tweet_where, lambda: page.add(tweet, tweet_where))
            if isinstance(got, Skip):
                skips.append(got)
            else:
                read.add(tid)
        yield Item(line, where, page.entities(), captured)
        yield from skips
