"""Any CSV or JSONL of comments, read through a column mapping the user gives with `--map`.

For files no other importer knows: a spreadsheet a monitor kept by hand, a scraper's CSV, some
tool's JSONL. The user says which column holds what, e.g. `--map text=body,author=user,time=date`
(see FIELDS for the fields; `text` is required). Every row is one comment.

- CSV: comma, semicolon or tab, whichever the header line holds most of; UTF-8 with or without a
  BOM. A quoted cell may hold line breaks: the row is still one record, and its raw bytes are the
  row's exact text across those lines. A row whose cell count differs from the header's is a Skip;
  broken quoting (or a file that ends inside a quoted cell) makes the file unreadable.
- JSONL: one object per line; a mapped column may be a dotted path into nested objects
  ("user.screen_name"). A mapped column must appear in one of the first 1000 lines (optional keys
  are often left out of records that lack them).
- A mapped column missing from the file, or no mapping at all, is a BadInput that lists the file's
  columns and the `--map` syntax.
- The post: the `post` column's value; without a `post` column all rows are comments of one post
  per file, "file:<file stem>". `url` is the URL of that post: given it, the importer emits the
  post (a PostRec carrying the URL); otherwise the service makes a stub post.
- `parent` equal to the post id means a top-level comment (some exports write the post as parent).
- Without an `id` column the comment's id is the first 16 hex digits of SHA-256 over
  "author<U+001F>time<U+001F>text" (author id or name, time as normalised UTC, empty when not
  mapped): stable across re-imports; identical rows therefore count as one comment.
- Authors without an `author_id` column get the name prefixed with "@" as their id (the file has
  no stable id for them).
- `time`: ISO-8601, "YYYY-MM-DD HH:MM:SS" or Unix seconds/milliseconds; a time without an offset is
  read in --local-tz when given, else as UTC.
- `likes` becomes a likes observation at the capture time (the file records none, so the file's
  modification time). The platform is `--platform` (default "other").
- sniff() always returns 0: a generic file looks like anything; the user picks `--format generic`.
Deliberately not read: columns that are not mapped.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..model import PLATFORMS, AuthorRec, CommentRec, Item, ObservationRec, PostRec, Skip
from .base import (BadInput, Importer, MissingField, Options, decode_text, guarded, iso_utc, iter_lines,
                   parse_count, parse_line, read_bytes, read_head, register, sid)

FIELDS = {
    "text": "the comment's text (required)",
    "id": "the comment's id (default: a hash of author, time and text)",
    "author": "the author's name or handle",
    "author_id": "the author's stable id on the platform",
    "post": "id of the post commented on (default: one post per file, 'file:<file name>')",
    "parent": "id of the comment replied to",
    "time": "when the comment was published",
    "likes": "the comment's likes",
    "url": "URL of the post commented on",
}
MAP_SYNTAX = "--map text=COLUMN[,author=COLUMN,time=COLUMN,...]"
SCAN_RECORDS = 1000  # JSONL: a mapped column must appear in one of the first this many lines


def parse_mapping(spec: str) -> dict[str, str]:
    """'text=body,author=user' -> {'text': 'body', 'author': 'user'}; ValueError on bad syntax or fields."""
    if not spec.strip():
        raise ValueError(f"empty column mapping; write {MAP_SYNTAX}")
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        field, eq, column = (s.strip() for s in part.partition("="))
        if not (eq and field and column):
            raise ValueError(f"bad mapping item {part.strip()!r}: write FIELD=COLUMN, as in {MAP_SYNTAX}")
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r} in the mapping; the fields are: {', '.join(FIELDS)}")
        if field in mapping:
            raise ValueError(f"field {field!r} is mapped twice")
        mapping[field] = column
    return mapping


# A cell holds whatever the file holds (the csv module refuses cells over 128 KB by default).
csv.field_size_limit(2 ** 31 - 1)


def csv_records(path: Path, delimiter: str | None = None) -> Iterator[tuple[int, bytes, list[str]]]:
    """(first line number, exact raw bytes, cells) of each CSV row, the header row included.

    The raw bytes are the row's text as in the file (across quoted line breaks), without the
    line break that ends the row. `delimiter` None: the one among , ; TAB the header holds most of.
    """
    text = decode_text(path, read_bytes(path))
    if not text.strip():
        raise BadInput(path, None, "the file is empty")
    if delimiter is None:
        header = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=header.count)
    taken: list[str] = []

    def feed() -> Iterator[str]:  # remembers the physical lines csv takes for each row
        for line in io.StringIO(text, newline=""):
            taken.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    line_no = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            problem = ("the file ends inside a quoted cell (truncated?)" if "end of data" in str(e)
                       else f"malformed CSV: {e}")
            raise BadInput(path, f"line {line_no}", problem) from None
        raw = "".join(taken)
        raw = raw[:-2] if raw.endswith("\r\n") else raw[:-1] if raw.endswith(("\n", "\r")) else raw
        if row:  # a blank line is no row
            yield line_no, raw.encode("utf-8"), row
        line_no += len(taken)
        taken.clear()


def _columns(obj: Any, prefix: str = "") -> list[str]:
    """Dotted key paths of a JSON object, nested objects included."""
    out = []
    for key, value in obj.items():
        out.append(prefix + key)
        if isinstance(value, dict):
            out.extend(_columns(value, f"{prefix}{key}."))
    return out


def _dotted(obj: dict, name: str) -> Any:
    if name in obj:
        return obj[name]
    head, dot, rest = name.partition(".")
    if dot and isinstance(obj.get(head), dict):
        return _dotted(obj[head], rest)
    return None


@register
class Generic(Importer):
    name = "generic"
    version = "1"
    description = "Any CSV (comma, semicolon, tab) or JSONL of comments, with a column mapping (--map)"
    example = "otklik import --case mycase --format generic --map text=body,author=user,time=date comments.csv"

    def sniff(self, head: bytes, path: Path) -> float:
        return 0.0  # never chosen by itself: the user asks for --format generic

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip]:
        platform = opts.platform or "other"
        if platform not in PLATFORMS:
            raise BadInput(path, None, f"unknown platform {platform!r}; use one of: {', '.join(PLATFORMS)}")
        is_jsonl = read_head(path).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"
        rows = self._jsonl(path) if is_jsonl else self._csv(path)
        columns, where = next(rows)
        mapping = self._check_mapping(path, opts.mapping, columns, where)
        try:
            tz = ZoneInfo(opts.local_tz) if opts.local_tz else None
        except (ZoneInfoNotFoundError, ValueError):
            raise BadInput(path, None, f"unknown time zone {opts.local_tz!r} (use a name like Europe/Moscow)") from None
        file_post = f"file:{path.stem}"
        for row in rows:
            if isinstance(row, Skip):
                yield row
                continue
            where, raw, get = row
            got = guarded(where, lambda: self._entities(get, mapping, platform, file_post, tz, where))
            yield got if isinstance(got, Skip) else Item(raw, where, got)

    def _csv(self, path: Path) -> Iterator:
        """First the header and its place, then (where, raw, getter) per row or a Skip."""
        records = csv_records(path)
        _, _, header = next(records)
        yield header, "the header line"
        for line, raw, cells in records:
            where = f"line {line}"
            if len(cells) != len(header):
                yield Skip(where, f"the row has {len(cells)} cells, the header {len(header)}")
            else:
                yield where, raw, dict(zip(header, cells)).get

    def _jsonl(self, path: Path) -> Iterator:
        """First the columns seen in the first records and their place, then (where, raw, getter) or a Skip."""
        columns: dict[str, None] = {}  # ordered set: optional keys may be missing from the first record
        for n, line in islice(iter_lines(path), SCAN_RECORDS):
            obj = parse_line(path, n, line)
            if not columns and not isinstance(obj, dict):
                problem = obj.reason if isinstance(obj, Skip) else "not a JSON object"
                raise BadInput(path, f"line {n}", f"{problem} (JSONL needs one object per line)")
            if isinstance(obj, dict):
                columns.update(dict.fromkeys(_columns(obj)))
        if not columns:
            raise BadInput(path, None, "the file is empty")
        yield list(columns), f"the first {SCAN_RECORDS} lines"
        for n, line in iter_lines(path):
            obj = parse_line(path, n, line)
            if isinstance(obj, Skip):
                yield obj
            elif not isinstance(obj, dict):
                yield Skip(f"line {n}", "not a JSON object")
            else:
                yield f"line {n}", line, lambda name, obj=obj: _dotted(obj, name)

    @staticmethod
    def _check_mapping(path: Path, mapping: dict[str, str] | None, columns: list[str], where: str) -> dict:
        listed = ", ".join(repr(c) for c in columns)
        fields = "; ".join(f"{k}: {v}" for k, v in FIELDS.items())
        if not mapping or "text" not in mapping:
            raise BadInput(path, None, f"say which column holds what with {MAP_SYNTAX} "
                           f"(fields — {fields}). This file's columns: {listed}")
        for field, column in mapping.items():
            if field not in FIELDS:
                raise BadInput(path, None, f"unknown field {field!r} in the mapping; "
                               f"the fields are: {', '.join(FIELDS)}")
            if column not in columns:
                raise BadInput(path, where, f"column {column!r} (mapped to {field}) is not in the file; "
                               f"its columns: {listed}")
        return mapping

    @staticmethod
    def _entities(get: Callable[[str], Any], m: dict, platform: str, file_post: str,
                  tz: ZoneInfo | None, where: str) -> list:
        def cell(field: str) -> str | None:
            value = get(m[field]) if field in m else None
            return sid(value.strip() if isinstance(value, str) else value)

        text = get(m["text"])
        if isinstance(text, (dict, list)):
            raise ValueError(f"column {m['text']!r} holds a JSON {type(text).__name__}, not text")
        if text is None or not str(text).strip():
            raise MissingField(where, m["text"])
        text = str(text)
        author, author_id = cell("author"), cell("author_id")
        published = _time(cell("time"), tz)
        post = cell("post") if "post" in m else file_post
        if post is None:
            raise MissingField(where, m["post"])
        cid = cell("id")
        if cid is None and "id" in m:
            raise MissingField(where, m["id"])
        if cid is None:
            key = "\x1f".join([author_id or author or "", published or "", text])
            cid = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        parent = cell("parent")
        likes = parse_count(cell("likes"))
        url = cell("url")
        # No stable author id in the file: the name prefixed with "@" stands in for it.
        who = AuthorRec(platform, author_id or f"@{author}", author) if (author or author_id) else None
        out: list = [PostRec(platform, post, url=url)] if url else []
        out.append(CommentRec(platform, cid, post, text, who, None if parent == post else parent, published))
        if likes is not None:
            out.append(ObservationRec("comment", platform, cid, "likes", likes))
        return out


def _time(value: str | None, tz: ZoneInfo | None) -> str | None:
    """iso_utc, except that a time without an offset is local time in `tz` when one is given."""
    if tz is None or not value or value.replace(".", "", 1).isdigit():  # Unix times have no zone
        return iso_utc(value)
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return iso_utc(value)  # other forms iso_utc knows, or its error naming the value
    return iso_utc((dt if dt.tzinfo else dt.replace(tzinfo=tz)).isoformat())
