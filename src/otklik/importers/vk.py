"""VK API responses: `wall.get` and `wall.getComments`, called with extended=1 (formats.md §5).

A file holds one response as the API returned it, `{"response": {...}}`, or its inner object
alone (what most API clients return). The two methods are told apart by the getComments
response's own fields (`current_level_count`, `show_reply_button`), else per item: comments
carry `post_id`, wall posts do not.

- wall.get items -> PostRec, platform id "<owner_id>_<id>", url https://vk.com/wall<owner_id>_<id>,
  source = the wall's owner, author = `from_id`; `likes`, `comments`, `reposts` (as "shares") and
  `views` counts -> observations of the post.
- wall.getComments items -> CommentRec, platform id "<owner_id>_<id>" (comment ids are numbered
  per wall, not per post), post "<owner_id>_<post_id>" (from each item: the response does not
  always name the post), parent = `reply_to_comment`, else the last of `parents_stack`, else the
  comment whose `thread.items` hold it. Replies inline in `thread.items` are Items of their own
  (their exact span); `thread.count` becomes a "replies" observation, `likes.count` CommentRec.likes
  and a "likes" observation.
- `groups[]` -> SourceRec (kind "page" for public pages, else "group") with a "members"
  observation when `members_count` was requested. `profiles[]` and `groups[]` give authors'
  names and screen names; they are not records of their own otherwise.

Ids follow VK's signs: users are positive, communities negative ("-1000"), for owners, authors
and sources alike.

Deleted comments (`deleted: true`, no text, `from_id` 0) are kept as comments with empty text
and no author: their replies still point to them, and the thread's shape is evidence too.

Not read: attachments, `copy_history` (the reposted original), `signer_id`, `geo`, `post_source`,
`edited`, `donut`, `is_pinned`, `marked_as_ads`, the response's top-level `count`s, and the
rest of profiles (photos, is_closed ...). VK records no capture time; no Complete is given
(wall.getComments pages by `count`/`offset` and a file may hold one page).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, MissingField, Options, guarded, iso_utc, json_spans, load_document, need,
                   parse_count, loose_sid, register, sid)

P = "vk"
_SNIFF = [re.compile(rb'"owner_id"\s*:\s*-?\d'), re.compile(rb'"from_id"\s*:\s*-?\d'),
          re.compile(rb'"date"\s*:\s*\d'), re.compile(rb'"items"\s*:')]


@register
class VkImporter(Importer):
    name = "vk"
    version = "1"
    description = "VK API wall.get / wall.getComments responses (extended=1), with or without the \"response\" wrapper"
    example = "otklik import --case mycase wall.getComments_-1000_101.json"

    def sniff(self, head: bytes, path: Path) -> float:
        return 0.9 if all(r.search(head) for r in _SNIFF) else 0.0

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        text, doc = load_document(path)
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            raise BadInput(path, "$.error", f"the file is a VK API error: {doc['error'].get('error_msg')!r}")
        prefix: tuple = ("response",) if isinstance(doc, dict) and "response" in doc else ()
        body = doc["response"] if prefix else doc
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise BadInput(path, "$", 'not a VK API wall.get/wall.getComments response (no "items" list)')
        root = "$" + "".join(f".{k}" for k in prefix)
        names = _Names(body)
        # getComments answers say so at the top; a comment missing post_id is then still a comment
        comments = "current_level_count" in body or "show_reply_button" in body
        for (i,), raw, g in json_spans(text, prefix + ("groups", "*")):
            where = f"{root}.groups[{i}]"
            yield guarded(where, lambda: Item(raw.encode(), where, _group(g)))
        for (i,), raw, obj in json_spans(text, prefix + ("items", "*")):
            where = f"{root}.items[{i}]"
            if comments or isinstance(obj, dict) and "post_id" in obj:
                yield from _comment_items(raw, obj, where, names, None)
            else:
                yield guarded(where, lambda: Item(raw.encode(), where, _post(obj, names)))


class _Names:
    """Authors by signed VK id, from the response's profiles[] and groups[]."""

    def __init__(self, body: dict):
        self.by_id: dict[str, AuthorRec] = {}
        for p in body.get("profiles") or []:
            if isinstance(p, dict) and loose_sid(p.get("id")) is not None:
                name = " ".join(x for x in (p.get("first_name"), p.get("last_name")) if x) or None
                self.by_id[sid(p["id"])] = AuthorRec(P, sid(p["id"]), p.get("screen_name") or None, name)
        for g in body.get("groups") or []:
            if isinstance(g, dict) and isinstance(g.get("id"), (int, str)) and str(g["id"]).strip("-").isdigit():
                gid = _group_id(g["id"])
                self.by_id[gid] = AuthorRec(P, gid, g.get("screen_name") or None, g.get("name"))

    def author(self, from_id: Any) -> AuthorRec | None:
        if from_id in (None, 0, "0", ""):
            return None
        return self.by_id.get(sid(from_id)) or AuthorRec(P, sid(from_id))


def _group_id(gid: Any) -> str:
    """Communities are negative as owners and authors; groups[] lists them positive."""
    return sid(-abs(int(gid)))


def _group(g: dict) -> list:
    gid = _group_id(need(g, "id", "group"))
    screen = g.get("screen_name") or None
    out: list = [SourceRec(P, gid, kind="page" if g.get("type") == "page" else "group", handle=screen,
                           title=g.get("name"), url=f"https://vk.com/{screen or 'club' + gid[1:]}")]
    if g.get("members_count") is not None:
        out.append(ObservationRec("source", P, gid, "members", parse_count(g["members_count"])))
    return out


def _count(obj: dict, key: str) -> int | None:
    value = obj.get(key)
    return parse_count(value.get("count")) if isinstance(value, dict) else None


def _post(p: dict, names: _Names) -> list:
    owner = sid(need(p, "owner_id", "post"))
    pid = f"{owner}_{sid(need(p, 'id', 'post'))}"
    out: list = [PostRec(P, pid, source_id=owner, author=names.author(p.get("from_id")), text=p.get("text") or "",
                         published_at=iso_utc(p.get("date")), url=f"https://vk.com/wall{pid}")]
    for key, metric in (("likes", "likes"), ("comments", "comments"), ("reposts", "shares"), ("views", "views")):
        value = _count(p, key)
        if value is not None:
            out.append(ObservationRec("post", P, pid, metric, value))
    return out


def _comment_items(raw: str, c: dict, where: str, names: _Names, thread: dict | None) -> Iterator[Item | Skip]:
    """A comment and, after it, the replies inline in its `thread.items`."""
    yield guarded(where, lambda: Item(raw.encode(), where, _comment(c, names, thread)))
    for (i,), rraw, reply in json_spans(raw, ("thread", "items", "*")):
        rwhere = f"{where}.thread.items[{i}]"
        if isinstance(reply, dict):
            yield from _comment_items(rraw, reply, rwhere, names, c)
        else:
            yield Skip(rwhere, "not a comment object")


def _first(*values: Any) -> Any:
    return next((v for v in values if v not in (None, "", 0)), None)


def _comment(c: dict, names: _Names, thread: dict | None) -> list:
    ctx = thread or {}  # replies inside thread.items may leave out what their thread comment has
    owner = sid(_first(c.get("owner_id"), ctx.get("owner_id")))
    post = sid(_first(c.get("post_id"), ctx.get("post_id")))
    if owner is None or post is None:
        raise MissingField("comment", "owner_id" if owner is None else "post_id")
    cid = sid(need(c, "id", "comment"))
    stack = c.get("parents_stack") or [None]
    parent = sid(_first(c.get("reply_to_comment"), stack[-1], ctx.get("id")))
    likes = _count(c, "likes")
    out: list = [CommentRec(P, f"{owner}_{cid}", f"{owner}_{post}", c.get("text") or "",
                            author=names.author(c.get("from_id")), parent_id=parent and f"{owner}_{parent}",
                            published_at=iso_utc(c.get("date") or None), likes=likes)]
    if likes is not None:
        out.append(ObservationRec("comment", P, out[0].platform_id, "likes", likes))
    replies = _count(c, "thread")
    if replies is not None:
        out.append(ObservationRec("comment", P, out[0].platform_id, "replies", replies))
    return out
