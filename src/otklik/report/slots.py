"""Slots: every figure, date, name, stance word and quote of a rendered report, tied to its place
and to the digest field it came from.

A verifier that only asks "is this number some figure of the digest?" accepts 205 → 202 when
202 is another figure. The slot map records, for the report as it was rendered, each sentence
("unit") with its protected tokens in order, so a checker (`slotcheck.py`) can align an edited
draft to it and say which token moved away from its value, on which line, and what it should be.

Units are the body's lines (everything before the last `---` line, the notes block) split into
sentences; a quote line is one unit. A unit's *skeleton* is its text with each token replaced by
`⟨kind⟩`, the key the checker aligns edited sentences on. Token kinds:

- ``name``  a page handle or title, a quote's author, any digest string with digits (copied
  verbatim; its digits are never figures) — value: the string;
- ``url``, ``date`` (value ``Y-M-D`` or ``-M-D``), ``month`` (``Y-M``), ``time`` (``HH:MM``, 24h),
  ``range`` and ``percent`` (whole percent), ``number`` (an integer or a decimal);
- ``quoted``  text in «…» or “…” inside a sentence, without a [#N] (a theme's title, the post's
  words): value the text;
- ``stance``  a word that says a side (``в поддержку``/``против``, "supportive"/"hostile", ...);
  value: the side;
- ``quote``  a whole quote line; its record in the map's ``quotes`` holds the comment id, author,
  attribution, side, raw SHA-256, text SHA-256, the digest path and where it sits (the heading and
  paragraph before it).

Each figure token carries ``paths``: the digest fields holding its value (at most a few, the
most specific first), which the annotated copy prints for the editor and the lawyer.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from .english import has_cyrillic, romanise
from .grammar import parse_when, percent_value
from .verify import (DATE_EN, DATE_RU, MONTH_EN, MONTH_RU, NOTES_RULE, PAIRS, REF, SP, TIME, TRANSLATION, URL,
                     _find_closing, _find_opening, _int, _month, _number_pattern, normalise, unescape_markdown,
                     verbatim_strings)

VERSION = 1
MAX_PATHS = 4
FIGURE_KINDS = ("number", "percent", "range", "date", "month", "time")
WHEN_KINDS = ("date", "month", "time")  # what an attribution may say of when a quote was written

STANCE_WORDS = {
    "ru": [(r"в поддержку", "supportive"), (r"против", "hostile"), (r"нейтральн\w*", "neutral"),
           (r"обеспокоенност\w*", "supportive"), (r"сторонник\w*", "supportive"), (r"противник\w*", "hostile"),
           (r"поддерж\w*", "supportive"), (r"осужда\w*|осудил\w*", "hostile")],
    "en": [(r"supportive", "supportive"), (r"hostile", "hostile"), (r"neutral", "neutral"),
           (r"concern(?:ed)?", "supportive"), (r"against", "hostile"), (r"support(?:s|ed|ing|ers?)?", "supportive"),
           (r"oppos(?:ition|ed|es|ing|e)|opponents?", "hostile"), (r"without taking sides", "neutral")],
}
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«“\"(]?[A-ZА-ЯЁ0-9])")
QUOTE_START = re.compile(r"^\s*(?:[-*]\s+)?([«“])")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ names and digest paths

def names_of(digest: dict, lang: str = "ru") -> list[str]:
    """Strings the report copies from the digest whose change is a change of meaning: page
    handles and titles, quote authors, and any digest string with digits in it (longest first);
    in English also their romanised forms, as the English report shows Cyrillic names."""
    out: set[str | None] = set(verbatim_strings(digest))
    for s in digest.get("sources", []):
        out |= {s.get("handle"), s.get("title")}
    for _, q in _digest_quotes(digest):
        out.add(q.get("author"))
    if lang == "en":
        out |= {romanise(s) for s in out if s and has_cyrillic(s)}
    return sorted({s for s in out if s and len(s.strip()) >= 2}, key=len, reverse=True)


def shown_name(author: str | None, attribution: str) -> str | None:
    """The author's name as the attribution shows it: as stored, or romanised (English)."""
    if not author:
        return None
    for name in (author, romanise(author) if has_cyrillic(author) else None):
        if name and re.search(rf"(?<![\w@]){re.escape(name)}(?!\w)", attribution):
            return name
    return None


def _digest_quotes(digest: dict) -> list[tuple[str, dict]]:
    out = []
    for i, t in enumerate(digest.get("themes", [])):
        out += [(f"themes[{i}].quotes[{j}]", q) for j, q in enumerate(t.get("quotes", []))]
    for k, q in enumerate((digest.get("proposal_reasons") or {}).get("top", []) or []):
        out.append((f"proposal_reasons.top[{k}]", q))
    return out


def quote_paths(digest: dict) -> dict[int, str]:
    """comment id -> the first digest path of a quote of that comment."""
    out: dict[int, str] = {}
    for path, q in _digest_quotes(digest):
        out.setdefault(int(q["comment_id"]), path)
    return out


STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}")
# never a figure of the text: provenance, the case's settings, span offsets, ids, and every proposal's
# reason spans (the report quotes only `proposal_reasons.top`)
SKIP = re.compile(r"^(provenance|case)\b|\.quotes\[\d+\]\.(start|end)$|comment_ids?\b|\.(id|source_id|platform_id|key)$"
                  r"|^proposals\[\d+\]\.reasons\b")


def _walk(node, path: str, prune: bool = False):
    """(path, leaf) of the digest; with `prune`, not descending into what SKIP leaves out (a large
    case's lists of comment ids hold hundreds of thousands of leaves that are never figures)."""
    if isinstance(node, dict):
        for k, v in node.items():
            sub = f"{path}.{k}" if path else str(k)
            if not (prune and SKIP.search(sub)):
                yield from _walk(v, sub, prune)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            sub = f"{path}[{i}]"
            if not (prune and SKIP.search(sub)):
                yield from _walk(v, sub, prune)
    else:
        yield path, node


def digest_index(digest: dict) -> dict[str, dict[str, list[str]]]:
    """kind -> value -> the digest paths holding it (number, percent, date, month, time)."""
    found: dict[str, dict[str, dict[str, None]]] = {k: {} for k in ("number", "percent", "date", "month", "time")}
    tz = ZoneInfo((digest.get("case") or {}).get("tz") or "UTC")

    def add(kind, value, path):  # an ordered set of paths per value
        found[kind].setdefault(str(value), {})[path] = None

    for path, v in _walk(digest, "", prune=True):
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, int):
            add("number", v, path)
        elif isinstance(v, float):
            if re.search(r"(share|low|high|level)$", path) and 0 <= v <= 1:
                add("percent", percent_value(v), path)
            else:
                add("number", _fmt_decimal(v), path)
        elif isinstance(v, str) and STAMP.match(v):
            try:
                dt = parse_when(v)
            except ValueError:
                continue
            if isinstance(dt, datetime):
                dt = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
                for d in (dt.astimezone(tz), dt.astimezone(timezone.utc)):
                    add("date", f"{d.year}-{d.month}-{d.day}", path)
                    add("time", f"{d.hour:02d}:{d.minute:02d}", path)
                    add("month", f"{d.year}-{d.month}", path)
            else:
                add("date", f"{dt.year}-{dt.month}-{dt.day}", path)
                add("month", f"{dt.year}-{dt.month}", path)
                add("number", dt.year, path)
        elif isinstance(v, str) and path.startswith("events["):
            for whole, dec in re.findall(r"(?<![\w.,])(\d+)(?:[.,](\d+))?(?!\w)", v):
                add("number", f"{int(whole)}.{dec}" if dec else int(whole), path)
    for key in ("posts", "sources"):
        add("number", len(digest.get(key, [])), f"len({key})")
    return {kind: {v: list(paths) for v, paths in values.items()} for kind, values in found.items()}


def _fmt_decimal(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def paths_for(idx: dict, kind: str, value: str, limit: int | None = MAX_PATHS) -> list[str]:
    """The digest paths a token's value can come from (empty: not a value of the digest)."""
    if kind in ("number", "percent", "month", "time"):
        return idx[kind].get(value.lstrip("<"), [])[:limit]
    if kind == "range":
        lo, hi = value.split("-")
        a, b = idx["percent"].get(lo), idx["percent"].get(hi)
        return (a[:2] + b[:2] if limit else a + b) if a and b else []
    if kind == "date":
        y, m, d = value.split("-")
        if y:
            return idx["date"].get(value, [])[:limit]
        return [p for k, ps in idx["date"].items() if k.endswith(f"-{m}-{d}") for p in ps][:limit]
    return []


# ------------------------------------------------------------------ tokens

class Tokenizer:
    """Finds the protected tokens of one language's report text."""

    def __init__(self, lang: str, names: list[str]):
        self.lang = lang
        num = _number_pattern(lang)
        self.num = num
        self.names = [re.compile(rf"(?<![\w@])(?:{'|'.join(map(re.escape, names))})(?!\w)")] if names else []
        pct = rf"{num.pattern}{SP}?%"
        self.patterns = [
            ("date", DATE_RU, lambda m: _date(m.group(3), _month(m.group(2)), m.group(1))),
            ("date", DATE_EN, lambda m: _date(m.group(3), _month(m.group(1)), m.group(2))),
            ("month", MONTH_RU, lambda m: f"{int(m.group(2))}-{_month(m.group(1))}"),
            ("month", MONTH_EN, lambda m: f"{int(m.group(2))}-{_month(m.group(1))}"),
            ("time", TIME, _time),
            ("range", re.compile(rf"{num.pattern}{SP}?[–-]{SP}?{pct}"),
             lambda m: f"{_int(m.group(1))}-{_int(m.group(3))}"),
            ("percent", re.compile(rf"(<{SP}?)?{pct}"), lambda m: ("<" if m.group(1) else "") + _numval(m.group(2), m.group(3))),
            ("number", num, lambda m: _numval(m.group(1), m.group(2))),
        ]
        self.stances = [(re.compile(rf"(?<!\w)(?:{p})(?!\w)", re.I), side) for p, side in STANCE_WORDS[lang]]

    def tokens(self, text: str) -> list[dict]:
        """[{kind, start, end, text, value}] in text order; quotes with a [#N] inside a sentence
        are tokens of kind ``quote`` (value: the id)."""
        work = list(text)
        found = []

        def take(kind, a, b, value):
            found.append({"kind": kind, "start": a, "end": b, "text": text[a:b], "value": str(value)})
            work[a:b] = "\x00" * (b - a)

        for m in REF.finditer(text):  # an inline «…» [#N]: the quotation and its reference together
            q = m.start() - 1
            while q >= 0 and text[q] in " \u00a0":
                q -= 1
            if q >= 0 and text[q] in PAIRS:
                o = _find_opening(text, q)
                if o is not None:
                    take("quote", o, m.end(), m.group(1))
        for u in URL.finditer(text):
            take("url", u.start(), u.end(), u.group(0).rstrip(").,"))
        i = 0
        while i < len(text):  # quoted text without a reference (a title, a post's words): as it is
            if text[i] in "«“" and work[i] != "\x00":
                c = _find_closing(text, i)
                if c is not None:
                    take("quoted", i, c + 1, normalise(text[i + 1:c]))
                    i = c
            i += 1
        for rx in self.names:
            for m in rx.finditer("".join(work)):
                take("name", m.start(), m.end(), m.group(0))
        for kind, rx, value in self.patterns:
            if not any(ch.isdigit() for ch in work):
                break
            for m in rx.finditer("".join(work)):
                if "\x00" in m.group(0):
                    continue
                take(kind, m.start(), m.end(), value(m))
        masked = "".join(work)
        for rx, side in self.stances:
            for m in rx.finditer(masked):
                if "\x00" not in m.group(0):
                    take("stance", m.start(), m.end(), side)
        return sorted(found, key=lambda t: t["start"])

    def skeleton(self, text: str, tokens: list[dict]) -> str:
        out, pos = [], 0
        for t in tokens:
            out.append(text[pos:t["start"]])
            out.append(f"⟨{t['kind']}⟩")
            pos = t["end"]
        out.append(text[pos:])
        return normalise("".join(out))


def _date(year, month: int, day) -> str:
    return f"{int(year) if year else ''}-{month}-{int(day)}"


def _time(m) -> str:
    h, mi = int(m.group(1)), int(m.group(2))
    if m.group(3):
        h = h % 12 + (12 if m.group(3) == "PM" else 0)
    return f"{h:02d}:{mi:02d}"


def _numval(whole: str, dec: str | None) -> str:
    return f"{_int(whole)}.{dec}" if dec else str(_int(whole))


# ------------------------------------------------------------------ units

def body_lines(text: str, markdown: bool = True) -> list[tuple[int, str]]:
    """(line number, line) of the body: before the last `---` line, Markdown escapes undone."""
    if markdown:
        text = unescape_markdown(text)
    lines = text.split("\n")
    rules = [i for i, line in enumerate(lines) if NOTES_RULE.match(line)]
    end = rules[-1] if rules else len(lines)
    return [(i + 1, line) for i, line in enumerate(lines[:end]) if line.strip()]


def parse_quote_line(line: str) -> dict | None:
    """A quote line: «quote» [#N] (перевод: «…»), — attribution. None if the line is not one."""
    m = QUOTE_START.match(line)
    if not m:
        return None
    o = m.start(1)
    c = _find_closing(line, o)
    if c is None:
        return None
    rest = line[c + 1:]
    ref = re.match(r"\s*\[#(\d+)\]", rest)
    pos = c + 1 + (ref.end() if ref else 0)
    translation = None
    t = TRANSLATION.match(line, pos)
    if t:
        end = _find_closing(line, t.start(1))
        if end is not None:
            translation = line[t.start(1) + 1:end]
            pos = end + 2 if line[end + 1:end + 2] == ")" else end + 1
    tail = line[pos:]
    if not re.match(r"\s*[,.—–-]", tail) and tail.strip():
        return None  # a sentence that merely opens with a quotation
    return {"text": line[o + 1:c], "comment_id": int(ref.group(1)) if ref else None, "translation": translation,
            "attribution": re.sub(r"^[\s,—–-]+", "", tail).strip()}


def units(text: str, tok: Tokenizer, markdown: bool = True) -> list[dict]:
    """The body's sentences, each {line, kind, text, tokens, skeleton}; a quote line is one unit
    with its parsed parts under ``quote``."""
    out = []
    for line_no, line in body_lines(text, markdown):
        q = parse_quote_line(line)
        if q:
            out.append({"line": line_no, "kind": "quote", "text": normalise(line), "quote": q, "tokens": []})
            continue
        kind = "heading" if line.lstrip().startswith("#") else "para"
        for sentence in SENTENCE_END.split(line.strip()) if kind == "para" else [line.strip()]:
            s = normalise(sentence)
            if not s:
                continue
            toks = tok.tokens(s)
            out.append({"line": line_no, "kind": kind, "text": s, "tokens": toks, "skeleton": tok.skeleton(s, toks)})
    return out


# ------------------------------------------------------------------ the map

def build(text: str, report: dict, digest: dict, *, copy: str, markdown: bool = True, idx: dict | None = None) -> dict:
    """The slot map of `text`, the rendering of `report` (composed from `digest`; `idx` its
    `digest_index` when the caller has it)."""
    lang = report["lang"]
    names = names_of(digest, lang)
    tok = Tokenizer(lang, names)
    idx = idx or digest_index(digest)
    us = units(text, tok, markdown)
    blocks = [b for b in report.get("blocks", []) if b.get("type") == "quote"]
    qpaths = quote_paths(digest)
    dq = {int(q["comment_id"]): q for _, q in _digest_quotes(digest)}
    pages = {(s.get("handle") or "").lower() for s in digest.get("sources", [])} - {""}
    quotes, section, anchor = [], None, None
    bi = 0
    for i, u in enumerate(us):
        if u["kind"] == "heading":
            section = anchor = i
        elif u["kind"] == "para":
            anchor = i
        else:
            b = _match_block(u["quote"], blocks, bi)
            if b is None:
                continue
            bi = blocks.index(b) + 1
            cid = int(b["comment_id"])
            src = dq.get(cid, {})
            u["skeleton"] = f"⟨quote {cid}⟩"
            quotes.append({"unit": i, "line": u["line"], "comment_id": cid, "author": b.get("author"),
                           "shown": shown_name(b.get("author"), u["quote"]["attribution"]),
                           "when": [t for t in tok.tokens(u["quote"]["attribution"]) if t["kind"] in WHEN_KINDS],
                           "page": (b.get("author") or "").lower() in pages,
                           "attribution": u["quote"]["attribution"], "raw_sha256": b.get("raw_sha256"),
                           "text": normalise(b["text"]), "text_sha256": sha256(normalise(b["text"])),
                           "side": b.get("side") or src.get("side") or _side(src.get("stance")),
                           "digest_path": qpaths.get(cid), "section": section, "anchor": anchor})
        for t in u["tokens"]:
            if t["kind"] in FIGURE_KINDS:
                t["paths"] = paths_for(idx, t["kind"], t["value"])
    for u in us:
        if u["kind"] == "quote" and "skeleton" not in u:
            u["skeleton"] = "⟨quote ?⟩"
    prov = digest.get("provenance", {})
    return {"version": VERSION, "lang": lang, "copy": copy, "digest_sha256": prov.get("digest_sha256"),
            "analysis_run": prov.get("analysis_run"), "names": names, "units": us, "quotes": quotes}


def _side(stance) -> str | None:
    return {1: "supportive", -1: "hostile", 0: "neutral"}.get(stance)


def _match_block(q: dict, blocks: list[dict], start: int) -> dict | None:
    """The report's quote block a rendered quote line shows (in order; by id or by text)."""
    for b in blocks[start:] + blocks[:start]:
        if q["comment_id"] is not None and int(b["comment_id"]) != q["comment_id"]:
            continue
        if normalise(b["text"]) == normalise(q["text"]):
            return b
    return None
