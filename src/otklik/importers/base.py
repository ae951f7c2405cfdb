"""The importer interface, the registry, format detection and helpers every importer shares.

An importer is a class with a `name`, a `version`, a `sniff()` that scores how well a file's
first bytes fit its format, and a `read()` that yields `Item`s (one per raw record, with the
records read from it), `Skip`s (a record it could not read) and `Complete`s (a post whose
comment listing is complete). It raises `BadInput` for problems that make the whole file
unreadable. Importers never touch the store: the ingest service does that, in one transaction.
"""

from __future__ import annotations

import json
import lzma
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from ..model import CommentRec, Complete, Item, Skip

try:  # orjson is several times faster on the hot path; json is the fallback
    import orjson

    def loads(data: bytes | str) -> Any:
        return orjson.loads(data)

    JSONError: tuple = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover
    def loads(data: bytes | str) -> Any:
        return json.loads(data)

    JSONError = (ValueError,)


class BadInput(Exception):
    """The file cannot be imported. The message names the file, the place and the problem."""

    def __init__(self, path: str | Path, where: str | None, problem: str):
        self.path, self.where, self.problem = str(path), where, problem
        loc = f", {where}" if where else ""
        super().__init__(f"{self.path}{loc}: {problem}")


@dataclass
class Options:
    """What the user passed that importers may need."""

    mapping: dict[str, str] | None = None  # generic CSV/JSONL: field=column
    platform: str | None = None  # generic importer: which platform the rows come from
    # Time zone of the computer that made the export, for formats that write local times with
    # no offset (old Telegram Desktop exports without date_unixtime). None: read them as UTC.
    local_tz: str | None = None


class Importer:
    name: str = ""
    version: str = "1"
    description: str = ""
    example: str = ""  # a command line that imports a file of this format

    def sniff(self, head: bytes, path: Path) -> float:
        """Return 0..1: how sure we are that a file starting with `head` is in this format."""
        return 0.0

    def file_captured_at(self, path: Path) -> str | None:
        """A capture time for the whole file, if the export records one."""
        return None

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        raise NotImplementedError

    # The formats whose records can be read one by one, without their file, say so here and
    # implement `record_comments`; `otklik verify` then checks the stored comments against them.
    rereads_records: bool = False

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        """The comments the record parser of `read` makes from one raw record alone (`raw`, read at
        `where`): their text, author, time and likes must come out as `read` gave them; their post
        and parent may not (they can depend on the rest of the file). `platform_id` is the stored
        id of a comment of the record, for formats whose ids name what the record does not (a
        Telegram chat). Raises what the record parser raises."""
        raise NotImplementedError


REGISTRY: dict[str, Importer] = {}


def register(cls: type[Importer]) -> type[Importer]:
    inst = cls()
    if inst.name in REGISTRY:
        raise ValueError(f"importer {inst.name!r} registered twice")
    REGISTRY[inst.name] = inst
    return cls


HEAD_BYTES = 64 * 1024
SCAN_BYTES = 16 * 1024 * 1024  # how far detection looks for the structure past long values
LONG_STRING = 512  # a JSON string this long is a value (a text), not structure


def read_head(path: Path) -> bytes:
    """First bytes of a file, decompressed when it is .xz (Instaloader writes .json.xz)."""
    with open_binary(path) as f:
        return f.read(HEAD_BYTES)


def structure_head(path: Path) -> bytes:
    """The first HEAD_BYTES of the file's structure: its first bytes with every long JSON string
    (a tweet's 80 KB text) shortened to "...", read up to SCAN_BYTES far; without a UTF-8 BOM.
    Sniffers look at keys and kinds, which long values would push out of a fixed window."""
    with open_binary(path) as f:
        data = f.read(SCAN_BYTES)
    data = data.removeprefix(b"\xef\xbb\xbf")
    if len(data) <= HEAD_BYTES:
        return data
    return _STRING.sub(lambda m: m[0] if len(m[0]) < LONG_STRING else b'"..."', data)[:HEAD_BYTES]


_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')


def open_binary(path: Path):
    if path.suffix == ".xz":
        return lzma.open(path, "rb")
    return open(path, "rb")


def read_bytes(path: Path) -> bytes:
    with open_binary(path) as f:
        try:
            return f.read()
        except lzma.LZMAError as e:
            raise BadInput(path, None, f"corrupt .xz file: {e}") from None


def detect(path: Path) -> Importer:
    """Pick the importer whose sniff() scores highest; BadInput when none fits."""
    try:
        head = read_head(path)
    except lzma.LZMAError as e:
        raise BadInput(path, None, f"corrupt .xz file: {e}") from None
    if not head.strip():
        raise BadInput(path, None, "the file is empty")
    _check_encoding(path, head)
    best, name = _best(head.removeprefix(b"\xef\xbb\xbf"), path)
    if best <= 0.0 and len(head) == HEAD_BYTES:  # long values may hide the structure: look past them
        try:
            best, name = _best(structure_head(path), path)
        except lzma.LZMAError as e:
            raise BadInput(path, None, f"corrupt .xz file: {e}") from None
    if best <= 0.0:
        _diagnose_json(path, head)
        known = ", ".join(sorted(REGISTRY))
        raise BadInput(path, None, f"unknown format (none of the importers recognises it: {known}); "
                       "name one with --format, or use --format generic with --map")
    return REGISTRY[name]


def _best(head: bytes, path: Path) -> tuple[float, str]:
    scored = sorted(((_sniff(imp, head, path), name) for name, imp in REGISTRY.items()), reverse=True)
    return scored[0] if scored else (0.0, "")


def _sniff(imp: Importer, head: bytes, path: Path) -> float:
    """A sniffer that trips over a malformed head (10,000 nested brackets) does not recognise it."""
    try:
        return imp.sniff(head, path)
    except (RecursionError, ValueError, TypeError, KeyError, AttributeError, IndexError):
        return 0.0


# ---------------------------------------------------------------- text and JSON helpers


def _diagnose_json(path: Path, head: bytes) -> None:
    """A JSON file no importer recognises is most often a broken one: say where it breaks."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        load_document(path)  # raises BadInput naming line and column when the JSON is broken
        return
    first = head.split(b"\n", 1)[0].strip()
    if first[:1] == b"{":  # line-delimited JSON whose first line is broken
        try:
            json.loads(first)
        except ValueError as e:
            raise BadInput(path, "line 1", f"invalid JSON: {e}") from None


def _check_encoding(path: Path, head: bytes) -> None:
    """Every format we import is UTF-8 text; say so plainly when a file is not."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInput(path, "byte 0", "the file is UTF-16, not UTF-8 (wrong encoding? export again as UTF-8)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a character cut by the 64 KB head
            line = head.count(b"\n", 0, e.start) + 1
            raise BadInput(path, f"line {line}, byte {e.start}",
                           "not valid UTF-8 (wrong encoding? export again as UTF-8)") from None


def decode_text(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or fail naming the byte offset and line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise BadInput(path, f"line {line}, byte {e.start}",
                       "not valid UTF-8 (wrong encoding? export again as UTF-8)") from None
    return text[1:] if text.startswith("\ufeff") else text


def load_document(path: Path, data: bytes | None = None) -> tuple[str, Any]:
    """Read a whole JSON document; BadInput names the line and column of a syntax error."""
    if data is None:
        data = read_bytes(path)
    if not data.strip():
        raise BadInput(path, None, "the file is empty")
    text = decode_text(path, data)
    try:
        return text, json.loads(text)
    except RecursionError:
        raise BadInput(path, None, "the JSON is nested too deeply to read") from None
    except json.JSONDecodeError as e:
        # A file cut inside a string reports the string's start; it is still a truncation.
        cut = e.pos >= len(text.rstrip()) or (e.msg.startswith("Unterminated string")
                                              and "\n" not in text[e.pos:].rstrip("\n") and '"' not in text[e.pos + 1:])
        what = "truncated JSON (the file ends too early)" if cut else "invalid JSON"
        raise BadInput(path, f"line {e.lineno}, column {e.colno}", f"{what}: {e.msg}") from None


_DEC = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


def _ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def json_spans(text: str, path: tuple) -> Iterator[tuple[tuple, str, Any]]:
    """Walk `text` (a JSON document) to the values at `path` and yield (index, raw, value).

    `path` holds object keys and "*" for every element of an array; `index` holds the array
    positions taken. `raw` is the value's exact text in the document, so that its UTF-8 bytes
    are the bytes as read. Missing keys yield nothing. Example: ("messages", "*").
    """
    yield from _walk(text, _ws(text, 0), path, ())


def _walk(text: str, i: int, path: tuple, idx: tuple) -> Iterator[tuple[tuple, str, Any]]:
    if not path:
        value, end = _DEC.raw_decode(text, i)
        yield idx, text[i:end], value
        return
    step, rest = path[0], path[1:]
    ch = text[i:i + 1]
    if step == "*":
        if ch != "[":
            return
        i = _ws(text, i + 1)
        n = 0
        if text[i:i + 1] == "]":
            return
        while True:
            if rest:
                yield from _walk(text, i, rest, idx + (n,))
                _, i = _DEC.raw_decode(text, i)
            else:
                value, end = _DEC.raw_decode(text, i)
                yield idx + (n,), text[i:end], value
                i = end
            n += 1
            i = _ws(text, i)
            if text[i:i + 1] == ",":
                i = _ws(text, i + 1)
                continue
            return
    if ch != "{":
        return
    i = _ws(text, i + 1)
    if text[i:i + 1] == "}":
        return
    while True:
        key, i = _DEC.raw_decode(text, i)
        i = _ws(text, i)
        i = _ws(text, i + 1)  # the colon
        if key == step:
            yield from _walk(text, i, rest, idx)
        _, i = _DEC.raw_decode(text, i)
        i = _ws(text, i)
        if text[i:i + 1] == ",":
            i = _ws(text, i + 1)
            continue
        return


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line bytes without the newline) of a line-delimited file, blank lines skipped."""
    with open_binary(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip(b"\r\n")
            if n == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield n, line


def parse_line(path: Path, n: int, line: bytes) -> Any | Skip:
    """Parse one JSON line; a Skip naming the line when it is not valid JSON or not UTF-8."""
    try:
        return loads(line)
    except JSONError as e:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return Skip(f"line {n}", "not valid UTF-8 (wrong encoding?)")
        return Skip(f"line {n}", f"invalid JSON: {e}")


# ---------------------------------------------------------------- values


def iso_utc(value: Any) -> str | None:
    """Unix seconds/milliseconds, or an ISO-8601 / RFC 3339 string, as 'YYYY-MM-DDTHH:MM:SSZ'.

    A string without an offset is taken as UTC; importers whose exports use local time must say
    so themselves (Telegram Desktop's `date`). ValueError for a time that is not one, or that
    lies outside years 1..9999 (1e300, Infinity, NaN, a 23-digit number).
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"unreadable time {value!r}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value)):
        v = float(value)
        if not math.isfinite(v) or abs(v) > MAX_UNIX_MS:
            raise ValueError(f"time out of range: {_short(value)}")
        if v > 1e11:  # milliseconds
            v /= 1000.0
        try:
            return datetime.fromtimestamp(v, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"time out of range: {_short(value)}") from None
    if isinstance(value, str):
        s = value.strip().replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            try:  # Twitter's legacy "Wed Oct 10 20:19:24 +0000 2018"
                dt = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
            except ValueError:
                raise ValueError(f"unreadable time {_short(value)}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        try:
            return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, ValueError):
            raise ValueError(f"time out of range: {_short(value)}") from None
    raise ValueError(f"unreadable time {_short(value)}")


MAX_UNIX_MS = 253402300799999.0  # 9999-12-31T23:59:59.999Z in milliseconds
INT64 = 2 ** 63


def _short(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "к": 1e3, "тыс": 1e3, "млн": 1e6}


def parse_count(value: Any) -> int | None:
    """Counts as exports write them: 12, "12", "1,234", "1.2K", "3 млн". None when absent.
    ValueError for a count that is not a finite number below 2**63."""
    if value is None or value == "":
        return None
    n = _count(value)
    if not -INT64 < n < INT64:
        raise ValueError(f"count out of range: {_short(value)}")
    return n


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"count is not a number: {_short(value)}")
    if isinstance(value, (int, float)):
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"unreadable count {_short(value)}")
    s = value.strip().lower().replace("\u00a0", " ")
    m = re.fullmatch(r"([\d.,\s]+?)\s*([a-zа-я]*)\.?", s)
    if not m or len(s) > 40:
        raise ValueError(f"unreadable count {_short(value)}")
    num, suf = m.group(1).replace(" ", ""), m.group(2)
    if suf:
        if suf not in _SUFFIX:
            raise ValueError(f"unreadable count {_short(value)}")
        return int(round(float(num.replace(",", ".")) * _SUFFIX[suf]))
    return int(num.replace(",", "").replace(".", "")) if re.fullmatch(r"\d{1,3}([.,]\d{3})+", num) else int(float(num))


def sid(value: Any) -> str | None:
    """A platform id as a string (exports write ids as int or str). ValueError for anything
    else (a list, an object, true, 1.5): such an id names no record."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < INT64:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"an id must be a string or an integer, not {_short(value)}")
    return str(value)


def loose_sid(value: Any) -> str | None:
    """`sid`, or None for a value that is no id: for look-ups made before a record is read (the
    record itself then fails with `sid`'s error, naming it)."""
    try:
        return sid(value)
    except ValueError:
        return None


def need(obj: dict, key: str, where: str) -> Any:
    """A required field, or KeyError-free failure naming the record."""
    if not isinstance(obj, dict) or obj.get(key) in (None, ""):
        raise MissingField(where, key)
    return obj[key]


class MissingField(Exception):
    def __init__(self, where: str, key: str):
        self.where, self.key = where, key
        super().__init__(f"{where}: required field {key!r} is missing")


def guarded(where: str, fn: Callable[[], Item | list]) -> Item | list | Skip:
    """Run a record parser; turn a missing field or bad value into a Skip naming the record."""
    try:
        return fn()
    except MissingField as e:
        return Skip(where, f"required field {e.key!r} is missing")
    except RecursionError:
        return Skip(where, "unreadable record: nested too deeply")
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError) as e:
        return Skip(where, f"unreadable record: {type(e).__name__}: {e}")


def reload(raw: bytes, line: bool = False) -> Any:
    """A stored raw record's JSON value, parsed as `read` parsed it: by orjson (`loads`) when it
    is a line of a line-delimited file, else by the json module, which read the document it is a
    span of. (They differ: orjson reads an integer beyond 64 bits as a float.)"""
    if line:
        try:
            return loads(raw)
        except JSONError:
            pass  # (parse_line skipped such a line; read as the json module would)
    return json.loads(raw.decode("utf-8"))


def comments_in(entities: Any) -> list[CommentRec]:
    """The comments among a record parser's entities (a list; a Skip has none)."""
    return [e for e in entities if type(e) is CommentRec] if isinstance(entities, list) else []


# ---------------------------------------------------------------- checks on what importers give


def read_checked(imp: Importer, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
    """What `imp.read` gives, with every record checked where it leaves the importer: a record
    with a value the store cannot hold (see `problem`) becomes a Skip naming it, and a document
    nested too deeply for the parser is BadInput, not a crash. All importers go through here."""
    try:
        for rec in imp.read(path, opts):
            if type(rec) is Item:
                bad = problem(rec)
                if bad:
                    rec = Skip(rec.where, f"unreadable record: {bad}")
            elif type(rec) is Skip:
                if not (_text_ok(rec.reason) and _text_ok(rec.where)):
                    rec = Skip(_clean(rec.where), _clean(rec.reason))
            elif not (isinstance(rec.post_id, str) and rec.post_id and _text_ok(rec.post_id)):
                rec = Skip(f"post {_short(rec.post_id)}", "a complete listing for an id that is not a string")
            yield rec
    except RecursionError:
        raise BadInput(path, None, "the JSON is nested too deeply to read") from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError) as e:
        # a value the importer met outside a record's parser (its pre-pass over the file)
        raise BadInput(path, None, f"{UNPLACED}: {type(e).__name__}: {_clean(str(e))}") from None


UNPLACED = "a value the importer could not place in a record"


def problem(item: Item) -> str | None:
    """Why the entities of `item` cannot be stored, or None: ids must be non-empty strings;
    texts valid Unicode (no lone surrogates such as "\\ud800"); integers below 2**63;
    numbers finite."""
    if not _text_ok(item.where) or (item.captured_at is not None and not _text_ok(item.captured_at)):
        return "a text that is not valid Unicode"
    for e in item.entities:
        bad = _entity_problem(e)
        if bad:
            return bad
    return None


def _entity_problem(e: Any) -> str | None:
    pid = getattr(e, "platform_id", None)
    if not isinstance(pid, str) or not pid:
        return f"an id that is not a string: {_short(pid)}"
    for name in e.__struct_fields__:
        v = getattr(e, name)
        t = type(v)
        if v is None or t is bool:
            continue
        if name in _STR_FIELDS and t is not str:
            return f"{name} is not a string: {_short(v)}"
        if t is str:
            if not _text_ok(v):
                return f"{name} is not valid Unicode (a lone surrogate?)"
        elif t is int:
            if not -INT64 < v < INT64:
                return f"{name} out of range: {_short(v)}"
        elif t is float:
            if not math.isfinite(v) or abs(v) >= INT64:
                return f"{name} out of range: {_short(v)}"
        elif hasattr(v, "__struct_fields__"):
            bad = _entity_problem(v)
            if bad:
                return bad
        elif t is dict:
            try:
                json.dumps(v, allow_nan=False).encode("utf-8")
            except (ValueError, TypeError, RecursionError) as err:
                return f"{name} cannot be stored: {type(err).__name__}"
        else:
            return f"{name} has an unexpected type {t.__name__}"
    return None


_STR_FIELDS = frozenset({"platform", "platform_id", "post_id", "parent_id", "source_id", "text", "handle",
                         "display_name", "title", "url", "kind", "published_at", "observed_at", "entity",
                         "metric", "copy_of"})


def _text_ok(s: str) -> bool:
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _clean(s: str) -> str:
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def all_importers() -> dict[str, Importer]:
    from . import load_all  # noqa: F401  (importing registers them)

    return REGISTRY
