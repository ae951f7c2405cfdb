"""youtube-comment-downloader (egbertbouman) output: the comments of one YouTube video.

The tool writes one JSON object per line (the default) or, with `--pretty`, one document
`{"comments": [...]}` (formats.md §4.1). Each object is a comment: `cid`, `text`, `time`,
`time_parsed`, `author`, `channel`, `votes`, `replies`, `photo`, `heart`, `reply`, `paid`.

Quirks handled:
- replies have `cid` "<parent cid>.<reply id>": the parent is the part before the ".".
- `votes` is abbreviated text ("1.2K") -> CommentRec.likes and a "likes" observation.
- `time_parsed` was computed at download time from the relative `time` ("2 years ago"), so it
  is only as precise as that text: published_at is flagged `published_approx=True`.
- The records do not name the video (it was the command-line argument). The video id is taken
  from the file name when it is the whole stem or its end after a separator
  (`dQw4w9WgXcQ.jsonl`, `comments_dQw4w9WgXcQ.json`); otherwise the post id is "file:<file stem>",
  so that the comments of one file stay together (rename the file to fix it before importing).
- `channel` (the author's channel id) is the author id; without it, "@" + `author` (the
  display name/handle, not a stable id, but all there is).
- `replies` (reply count) becomes a "replies" observation of the comment.
- A line that is not JSON is a Skip; a last line cut short with no newline after it means an
  interrupted download: BadInput naming the line and column.

Not read: `time` (only as `time_parsed`), `photo`, `heart` (creator heart), `paid` (Super
Thanks amount). No PostRec is made (the file says nothing about the video) and no Complete:
a run with `--limit` stops early and the file does not say so. No capture time is recorded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, Skip
from .base import (BadInput, Importer, JSONError, MissingField, Options, guarded, iso_utc, iter_lines, json_spans,
                   load_document, loads, need, parse_count, parse_line, read_bytes, register, sid, comments_in, reload)

P = "youtube"
# YouTube video ids: 11 base64url characters encoding 64 bits, so the last one carries 4 bits
_ID = r"[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]"
_NAME_ID = re.compile(rf"(?:.*[_ -])?({_ID})")
_HEAD = re.compile(rb'\{\s*"cid"\s*:')


def video_id_in_name(path: Path) -> str | None:
    """A YouTube video id that is the file name (before the first "."), or its end after "_", "-" or " "."""
    m = _NAME_ID.fullmatch(path.name.split(".")[0])
    # a real id nearly always mixes in capitals or digits; "of_the_case" is not one
    return m.group(1) if m and re.search(r"[A-Z0-9]", m.group(1)) else None


def raise_if_truncated(path: Path, data: bytes) -> None:
    """BadInput when a line-per-record file ends inside its last record (an interrupted download).

    A bad line elsewhere is only that record's problem (a Skip); a last line that is cut short
    and has no newline after it means the file is incomplete.
    """
    if data.endswith(b"\n"):
        return
    n = data.count(b"\n") + 1
    text = data[data.rfind(b"\n") + 1:].decode("utf-8", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        if e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string"):
            raise BadInput(path, f"line {n}, column {e.colno}",
                           f"the file ends in the middle of a record (truncated download?): {e.msg}") from None


@register
class YouTubeCommentDownloaderImporter(Importer):
    name = "youtube-comment-downloader"
    version = "1"
    description = ("youtube-comment-downloader output (JSON lines, or --pretty {\"comments\": [...]}); "
                   "the video id comes from the file name")
    example = "otklik import --case mycase dQw4w9WgXcQ.jsonl"

    def sniff(self, head: bytes, path: Path) -> float:
        if _HEAD.search(head) and b'"votes"' in head and b'"text"' in head:
            return 0.9
        return 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        # (the post is named by the file's name)
        return comments_in(_comment(reload(raw, line=where.startswith("line ")), ""))

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        post = video_id_in_name(path) or f"file:{path.name.split('.')[0]}"
        data = read_bytes(path)
        try:
            first = loads(data.lstrip().split(b"\n", 1)[0])
        except JSONError:
            first = None
        if isinstance(first, dict) and "cid" in first:  # one comment per line
            raise_if_truncated(path, data)
            for n, line in iter_lines(path):
                value = parse_line(path, n, line)
                where = f"line {n}"
                yield value if isinstance(value, Skip) else guarded(
                    where, lambda: Item(line, where, _comment(value, post)))
            return
        text, doc = load_document(path, data)
        if not isinstance(doc, dict) or not isinstance(doc.get("comments"), list):
            raise BadInput(path, "$", 'not youtube-comment-downloader output: expected one comment per line '
                           'or {"comments": [...]}')
        for (i,), raw, value in json_spans(text, ("comments", "*")):
            where = f"$.comments[{i}]"
            yield guarded(where, lambda: Item(raw.encode(), where, _comment(value, post)))


def _comment(c: dict, post: str) -> list:
    cid = sid(need(c, "cid", "comment"))
    if not isinstance(c.get("text"), str):  # "" is a comment of emoji images only
        raise MissingField("comment", "text")
    parent = cid.split(".")[0] if "." in cid else None
    name = c.get("author") or None
    channel = c.get("channel") or None
    author = None
    if channel or name:
        handle = name[1:] if name and name.startswith("@") else None  # since 2023 names are "@handle"
        author = AuthorRec(P, channel or "@" + name.lstrip("@"), handle=handle, display_name=name)
    likes = parse_count(c.get("votes"))
    published = iso_utc(c.get("time_parsed"))
    out: list = [CommentRec(P, cid, post, c["text"], author=author, parent_id=parent,
                            published_at=published, published_approx=published is not None, likes=likes)]
    if likes is not None:
        out.append(ObservationRec("comment", P, cid, "likes", likes))
    if c.get("replies") not in (None, ""):
        out.append(ObservationRec("comment", P, cid, "replies", parse_count(c["replies"])))
    return out
