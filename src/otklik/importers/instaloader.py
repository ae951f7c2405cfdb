"""Instaloader files: post and profile metadata, and a post's `_comments.json`.

Instaloader (https://instaloader.github.io) downloads an Instagram profile into a folder, one set of
files per post named by a prefix (by default the post time, `2024-05-01_12-00-00_UTC`):

* `<prefix>.json.xz` (LZMA, compact) or `<prefix>.json` (`--no-compress-json`, indented): the
  post's metadata, `{"node": {...}, "instaloader": {"version": ..., "node_type": "Post"}}`.
  The node is Instagram's own JSON, in one of two shapes, both read here:
  - GraphQL: `shortcode`, `taken_at_timestamp`, caption in `edge_media_to_caption.edges[0]`,
    likes in `edge_media_preview_like` (or `edge_liked_by`), comment count in
    `edge_media_to_comment` (or `edge_media_to_parent_comment`), `owner{id, username, ...}`;
  - iPhone-API fallback (Instaloader >= 4.9): `shortcode`, `date`, `caption` (a string),
    `comments` (an int), and the raw API object in `iphone_struct` (`user{pk, username}`,
    `like_count`, `comment_count`, `taken_at`), used when the node itself lacks a value.
  Instaloader v3 wrote the bare node with no wrapper; such a file (an object with `shortcode`)
  is read as a post too.
  Yields one Item (raw = the whole document, decompressed for .xz): a PostRec whose platform id is
  the shortcode (the id in the post URL, https://www.instagram.com/p/<shortcode>/), the owner as
  AuthorRec and as SourceRec (kind "account"; source_id = owner id), and observations of likes,
  comments, video views and, when the owner profile was fetched, the owner's followers.
* `<username>_<userid>.json[.xz]` with node_type "Profile": a SourceRec (kind "account") and its
  followers (`edge_followed_by.count`, or `iphone_struct.follower_count`).
* `<prefix>_comments.json` (`--comments`): a JSON list of top-level comments, each with its replies
  nested in `answers` (the parent of an answer is the enclosing comment; the file has no parent
  field). One Item per comment and one per answer, raw = the exact span of that object in the file.
  `id` is an int (iPhone API) or a string (GraphQL); both become strings. `owner` is the GraphQL
  shape `{id, username, ...}` or the iPhone shape `{id, username, full_name, iphone_struct}`.
  `likes_count` becomes CommentRec.likes and a likes observation. A comment without `id` or
  `text` is a Skip naming it (`$[3]`); the answers of a top-level comment without `id` are Skips
  too, since their parent cannot be named.
  The file does not name its post. The post is taken from the sibling `<prefix>.json` or
  `<prefix>.json.xz` in the same folder (its shortcode). Without a sibling the post id is
  "file:<folder>/<prefix>" (e.g. "file:example_ngo/2024-05-01_12-00-00_UTC"); import the post's
  metadata file beside it to have the post itself (comments already stored under such a stub
  post stay there). A comments file lists all comments of the post, so it yields Complete for it.
  Note: on re-runs Instaloader merges new comments into the existing file and keeps comments
  deleted since, so "complete" means "every comment seen by any run up to the file's capture".

Capture time: Instaloader records none in these files (the file's modification time is used).
Not read, on purpose: metadata files with node_type "StoryItem" (stories have no public comment
thread), "Hashtag" (a hashtag page, not a post) and "FrozenNodeIterator" (Instaloader's resume
state): they hold no post or comment and yield nothing. Captions in `<prefix>.txt`, location
files and media are not Instaloader JSON and are not read by this importer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, MissingField, Options, guarded, iso_utc, json_spans, load_document, need,
                   parse_count, read_bytes, loose_sid, register, sid, comments_in, reload)

P = "instagram"
COMMENTS_SUFFIX = "_comments.json"
# Metadata node types that hold no post or comment (see the module docstring).
NOT_CONTENT = {"StoryItem", "Hashtag", "FrozenNodeIterator"}

_WRAPPER = re.compile(r'"instaloader"\s*:\s*\{\s*"(?:node_type|version)"\s*:')
_DEC = json.JSONDecoder()


@register
class InstaloaderImporter(Importer):
    name = "instaloader"
    version = "1"
    description = ("Instaloader: post/profile metadata (.json, .json.xz) and a post's "
                   "<prefix>_comments.json (with nested answers)")
    example = "otklik import --case mycase example_ngo/2024-05-01_12-00-00_UTC_comments.json"

    def sniff(self, head: bytes, path: Path) -> float:
        text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
        if text.startswith("{"):
            if _WRAPPER.search(text) and re.search(r'"node"\s*:\s*\{', text):
                return 1.0
            if path.name.endswith(".json.xz") and text.startswith('{"node":{'):
                return 0.9  # compact .xz: the "instaloader" key follows a node longer than the head
            doc = _first_value(text)
            if isinstance(doc, dict) and "shortcode" in doc and "owner" in doc and (
                    "taken_at_timestamp" in doc or "date" in doc):
                return 0.8  # Instaloader v3: the bare post node
            return 0.0
        if text.startswith("["):
            rest = text[1:].lstrip(" \t\r\n")
            if rest.startswith("]"):  # a post without comments
                return 0.5 if path.name.endswith(COMMENTS_SUFFIX) else 0.0
            first = _first_value(rest)
            if isinstance(first, dict) and {"owner", "created_at", "text"} <= first.keys() \
                    and isinstance(first["owner"], dict):
                return 1.0 if "answers" in first else 0.8
        return 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        return comments_in(_comment(reload(raw), "", None, where))  # (post, parent: from the file)

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        data = read_bytes(path)
        text, doc = load_document(path, data)
        if isinstance(doc, list):
            yield from _read_comments(path, text)
            return
        if not isinstance(doc, dict):
            raise BadInput(path, None, "not an Instaloader file (expected a JSON object or list)")
        meta, node = doc.get("instaloader"), doc.get("node")
        if isinstance(meta, dict) and isinstance(node, dict):
            node_type = meta.get("node_type")
            if node_type == "Post":
                yield guarded("$", lambda: Item(data, "$", _post(node, "$")))
            elif node_type == "Profile":
                yield guarded("$", lambda: Item(data, "$", _profile(node, "$")))
            elif node_type not in NOT_CONTENT:
                raise BadInput(path, "$.instaloader.node_type", f"unknown Instaloader node type {node_type!r}")
        elif "shortcode" in doc:  # Instaloader v3: the bare post node
            yield guarded("$", lambda: Item(data, "$", _post(doc, "$")))
        else:
            raise BadInput(path, None, "not an Instaloader file (no \"node\"/\"instaloader\" wrapper, "
                           "no post shortcode, not a comments list)")


def _first_value(text: str) -> Any:
    try:
        return _DEC.raw_decode(text)[0]
    except ValueError:
        return None


# ---------------------------------------------------------------- comments


def _read_comments(path: Path, text: str) -> Iterator[Item | Skip | Complete]:
    post_id = _post_id_for(path)
    for (i,), raw, c in json_spans(text, ("*",)):
        where = f"$[{i}]"
        yield guarded(where, lambda: Item(raw.encode("utf-8"), where, _comment(c, post_id, None, where)))
        parent = loose_sid(c.get("id")) if isinstance(c, dict) else None
        for (j,), araw, a in json_spans(raw, ("answers", "*")):
            awhere = f"{where}.answers[{j}]"
            if parent is None:
                yield Skip(awhere, f"its parent comment {where} has no id")
            else:
                yield guarded(awhere, lambda: Item(araw.encode("utf-8"), awhere,
                                                   _comment(a, post_id, parent, awhere)))
    yield Complete(P, post_id)


def _post_id_for(path: Path) -> str:
    """The shortcode from the sibling post metadata file, else "file:<folder>/<prefix>" (Instaloader
    names the folder after the profile, so two profiles' posts of the same second stay apart)."""
    if not path.name.endswith(COMMENTS_SUFFIX):  # renamed: no prefix to find the post by
        return f"file:{path.parent.name}/{path.name.removesuffix('.json')}"
    prefix = path.name[: -len(COMMENTS_SUFFIX)]
    for sibling in (path.with_name(prefix + ".json"), path.with_name(prefix + ".json.xz")):
        if sibling.is_file():
            _, doc = load_document(sibling)
            node = doc.get("node", doc) if isinstance(doc, dict) else None
            shortcode = sid(node.get("shortcode")) if isinstance(node, dict) else None
            if shortcode is None:
                raise BadInput(sibling, None, "the post metadata beside the comments file has no shortcode")
            return shortcode
    return f"file:{path.parent.name}/{prefix}"


def _comment(c: Any, post_id: str, parent_id: str | None, where: str) -> list:
    if not isinstance(c, dict):
        raise ValueError("not a JSON object")
    cid = sid(need(c, "id", where))
    text = c.get("text")
    if text is None:  # "" is kept: a GIF/sticker comment has empty text
        raise MissingField(where, "text")
    if not isinstance(text, str):
        raise ValueError(f"text is not a string: {text!r}")
    likes = parse_count(c.get("likes_count"))
    out: list = [CommentRec(P, cid, post_id, text, author=_author(c.get("owner")), parent_id=parent_id,
                            published_at=iso_utc(c.get("created_at")), likes=likes)]
    if likes is not None:
        out.append(ObservationRec("comment", P, cid, "likes", likes))
    return out


# ---------------------------------------------------------------- posts and profiles


def _post(node: dict, where: str) -> list:
    shortcode = sid(need(node, "shortcode", where))
    iphone = node.get("iphone_struct") or {}
    owner = node.get("owner") or iphone.get("user")
    author = _author(owner)
    out: list = _source(owner, author) if author else []
    out.append(PostRec(
        P, shortcode, source_id=author.platform_id if author else None, author=author,
        text=_caption(node),
        published_at=iso_utc(_first(node.get("taken_at_timestamp"), node.get("date"), iphone.get("taken_at"))),
        url=f"https://www.instagram.com/p/{shortcode}/"))
    counts = {
        "likes": _first(_count(node, "edge_media_preview_like"), _count(node, "edge_liked_by"),
                        _count(node, "likes"), iphone.get("like_count")),
        "comments": _first(_count(node, "edge_media_to_comment"), _count(node, "edge_media_to_parent_comment"),
                           _count(node, "comments"), iphone.get("comment_count")),
        "views": node.get("video_view_count"),
    }
    for metric, value in counts.items():
        if value is not None:
            out.append(ObservationRec("post", P, shortcode, metric, parse_count(value)))
    return out


def _profile(node: dict, where: str) -> list:
    need(node, "id", where)
    return _source(node, _author(node))


def _source(profile: dict, author: AuthorRec) -> list:
    """The account as a SourceRec, with its followers when the profile data has them."""
    url = f"https://www.instagram.com/{author.handle}/" if author.handle else None
    out: list = [SourceRec(P, author.platform_id, "account", author.handle, author.display_name, url)]
    iphone = profile.get("iphone_struct") or {}
    followers = _first(_count(profile, "edge_followed_by"), iphone.get("follower_count"))
    if followers is not None:
        out.append(ObservationRec("source", P, author.platform_id, "followers", parse_count(followers)))
    return out


def _author(owner: Any) -> AuthorRec | None:
    """GraphQL owner {id, username}, iPhone owner {id, username, full_name}, iphone_struct.user {pk, ...}."""
    if not isinstance(owner, dict):
        return None
    handle = owner.get("username") or None
    uid = sid(_first(owner.get("id"), owner.get("pk")))
    if uid is None:
        if handle is None:
            return None
        uid = "@" + handle  # no stable id in the export: the handle stands in for it
    return AuthorRec(P, uid, handle, owner.get("full_name") or None)


def _caption(node: dict) -> str | None:
    edges = (node.get("edge_media_to_caption") or {}).get("edges") or []
    if edges:
        return edges[0]["node"]["text"]
    return node.get("caption")  # iPhone fallback and v3: a plain string


def _count(obj: dict, key: str) -> Any:
    """`{key: {"count": n}}` (GraphQL edges) or `{key: n}` (iPhone fallback)."""
    value = obj.get(key)
    return value.get("count") if isinstance(value, dict) else value


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)
