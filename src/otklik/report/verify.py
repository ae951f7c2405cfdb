"""Blocking verification of a report's text against the digest and the stored comments.

A report is written only when this finds nothing, and an editor can re-run it on a Markdown
file edited by hand (`otklik report check`). What is checked, and the conventions it relies on:

Quotes. A quotation is the text between a pair of quotation marks («…» or “…”, nesting
allowed) that is immediately followed by a reference `[#N]`, N being the comment's id in the
store. Every such quotation must be a contiguous span of comment N's stored text. The only
normalisation is of whitespace: every run of whitespace (spaces, non-breaking spaces, line
breaks, tabs) counts as one space, and leading/trailing whitespace is ignored. In Markdown, the
renderer's backslash escapes (`\\*`, `\\_`, `\\[` ...) are undone first. Nothing else is forgiven:
no case folding, no quote-mark or dash substitution, no ellipsis for omitted words. A reference
with no quotation before it, or naming a comment that is not stored, is a problem too.

Translations. A quote may be followed by `(перевод: «…»)` / `(translation: “…”)`. A translation
is not checked word by word (it is machine output), but it may not contain a number that is not
in its original.

Numbers. Every other number in the text must equal a figure of the digest (`figures()`):
- a number followed by a unit word is checked against figures of that kind: comments/replies,
  people/users/accounts, followers;
- a percentage against the shares in the digest, rounded half up to whole percent
  ("<1%" for a non-zero share below 0.5%); a range «76–84%» checks both ends (estimates);
- dates («21 мая 2026 года», "May 21", «октябрь 2018 года») and clock times («22:20»,
  "10:20 PM") against the digest's dates and timestamps, in the case's time zone (or UTC);
- any other number against the set of all digest figures.
Case-file events belong to the digest, so the numbers in their texts and the years of their
dates are figures too. Text copied verbatim from the digest (theme labels and titles, page titles,
author names) is not re-checked, and neither are URLs nor the notes block after the last `---` line
(translation note, source links, footnotes, provenance). A number that equals a digest figure
but sits in the wrong sentence is not caught: the check is of values, not of meaning.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from .grammar import MONTHS_EN, MONTHS_RU_GEN, MONTHS_RU_NOM, parse_when, percent_value


@dataclass
class Problem:
    kind: str  # quote | reference | translation | number | percent | date | time
    line: int
    found: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.message}: {self.found!r}"

    def to_dict(self) -> dict:
        return asdict(self)


WS = re.compile(r"\s+")
MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
REF = re.compile(r"\[#(\d+)\]")
PAIRS = {"»": "«", "”": "“"}
TRANSLATION = re.compile(r"\s*\((?:перевод|translation)[^:()«“]{0,40}:\s*([«“])")
URL = re.compile(r"https?://\S+")
NOTES_RULE = re.compile(r"^---\s*$", re.M)


def normalise(text: str) -> str:
    """The whitespace normalisation quotes are compared under (see the module docstring)."""
    return WS.sub(" ", text).strip()


def unescape_markdown(text: str) -> str:
    return MD_ESCAPE.sub(r"\1", text)


# ------------------------------------------------------------------ what the digest allows

UNITS = {
    "comments": r"комментари\w*|ответ\w*|comments?|repl(?:y|ies)",
    "people": r"пользовател\w*|человек\w*|автор\w*|аккаунт\w*|комментатор\w*|users?|people|persons?|accounts?|commenters?|authors?",
    "followers": r"подписчик\w*|followers?",
}


def _value(v):
    """Observation fields are {value, observed_at, basis} or a bare number."""
    return v.get("value") if isinstance(v, dict) else v


def figures(digest: dict) -> dict:
    """The numbers a report may contain, by kind, plus the dates and times it may name."""
    f = {"comments": set(), "people": set(), "followers": set(), "percent": set(), "any": set(),
         "small_share": False, "days": set(), "months": set(), "times": set()}
    t = digest.get("totals", {})
    f["comments"] |= {t.get("comments"), t.get("replies"), *t.get("by_language", {}).values()}
    f["comments"] |= {v.get("comments") for v in t.get("by_platform", {}).values()}  # «в Telegram — 44»
    f["people"].add(t.get("authors"))
    for key in ("stance", "stance_without_coordinated"):
        for unit, kind in (("comments", "comments"), ("authors", "people")):
            block = digest.get(key, {}).get(unit, {})
            f[kind].add(block.get("total"))
            for v in block.values():
                if isinstance(v, dict):
                    f[kind].add(v.get("n"))
                    share = v.get("share") or 0
                    f["percent"].add(percent_value(share))
                    f["small_share"] |= 0 < share < 0.005
    est = digest.get("stance_estimate") or {}
    if est:  # estimates are written «около 80% (76–84%)»: share, low and high are all figures
        f["comments"] |= {est.get("n_checked"), est.get("n_sampled"), est.get("n_comments")}
        f["people"].add(est.get("n_authors"))
        f["percent"].add(percent_value(est.get("level", 0.95)))
        for scale in ("by_comments", "by_authors"):
            for v in est.get(scale, {}).values():
                f["percent"] |= {percent_value(v[k]) for k in ("share", "low", "high")}
                f["small_share"] |= any(0 < v[k] < 0.005 for k in ("share", "low", "high"))
    for th in digest.get("themes", []):
        f["comments"] |= {th.get("n_comments"), *th.get("stances", {}).values(), *(e["comments"] for e in th.get("entities", []))}
        f["people"].add(th.get("n_authors"))
    for p in digest.get("proposals", []):
        f["comments"].add(p.get("n_comments"))
        f["people"].add(p.get("n_authors"))
    why = digest.get("proposal_reasons") or {}
    for r in (why, *why.get("top", [])):
        f["comments"].add(r.get("n_comments"))
        f["people"].add(r.get("n_authors"))
    for b in digest.get("coordination", {}).get("bursts", []):
        f["comments"].add(b.get("n_comments"))
        f["people"].add(b.get("n_accounts"))
    for p in digest.get("posts", []):
        f["comments"] |= {_value(p.get("comments_observed")), p.get("comments_stored"), p.get("replies_stored")}
    for s in digest.get("sources", []):
        f["followers"].add(_value(s.get("followers")))
    for k in ("comments", "people", "followers"):
        f[k].discard(None)
        f["any"] |= f[k]
    f["any"] |= {len(digest.get("posts", [])), len(digest.get("sources", []))}

    tz = ZoneInfo(digest.get("case", {}).get("tz") or "UTC")
    stamps = [digest.get("snapshot_at")]
    stamps += [p.get("published_at") for p in digest.get("posts", [])]
    stamps += [(p.get("comments_observed") or {}).get("observed_at") for p in digest.get("posts", [])
               if isinstance(p.get("comments_observed"), dict)]
    stamps += [(s.get("followers") or {}).get("observed_at") for s in digest.get("sources", [])
               if isinstance(s.get("followers"), dict)]
    stamps += [q.get("published_at") for th in digest.get("themes", []) for q in th.get("quotes", [])]
    stamps += [r.get("published_at") for r in (digest.get("proposal_reasons") or {}).get("top", [])]
    stamps += [b.get(k) for b in digest.get("coordination", {}).get("bursts", []) for k in ("start", "end")]
    for s in filter(None, stamps):
        dt = parse_when(s)
        if isinstance(dt, datetime):
            dt = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
            for d in (dt.astimezone(tz), dt.astimezone(timezone.utc)):
                f["days"].add((d.year, d.month, d.day))
                f["times"].add((d.hour, d.minute))
        else:
            f["days"].add((dt.year, dt.month, dt.day))
    # Case-file events are digest content: their own numbers (and the years of their dates) are
    # figures too. They are matched by value, not by masking the text, because the labelling
    # Marker may have inserted a designation into an event's text.
    f["decimals"] = set()
    for e in digest.get("events", []):
        for k in ("text_ru", "text_en", "text"):
            for whole, dec in re.findall(r"(?<![\w.,])(\d+)(?:[.,](\d+))?(?!\w)", e.get(k) or ""):
                f["any"].add(int(whole))
                if dec:
                    f["decimals"].add(f"{int(whole)}.{dec}")
        parts = [int(x) for x in str(e.get("date", ""))[:10].split("-") if x.isdigit()]
        if parts:
            f["any"].add(parts[0])
        if len(parts) >= 2:
            f["months"].add((parts[0], parts[1]))
        if len(parts) == 3:
            f["days"].add(tuple(parts))
    f["months"] |= {(y, m) for y, m, _ in f["days"]}
    return f


def verbatim_strings(digest: dict, lang: str | None = None) -> list[str]:
    """Strings a report copies from the digest as they are; their digits are not figures."""
    out = []
    for th in digest.get("themes", []):
        out += [th.get("label"), *th.get("keywords", []), *(q.get("author") for q in th.get("quotes", []))]
        out += [t.get("text") for t in (th.get("titles") or {}).values()]
    out += [r.get("author") for r in (digest.get("proposal_reasons") or {}).get("top", [])]
    for s in digest.get("sources", []):
        out += [s.get("title"), s.get("handle")]
    case = digest.get("case", {})
    out += [case.get("name"), case.get("subject"), *case.get("aliases", [])]
    return sorted({s for s in out if s and re.search(r"\d", s) and re.search(r"[^\W\d]", s)}, key=len, reverse=True)


# ------------------------------------------------------------------ the check

def _number_pattern(lang: str) -> re.Pattern:
    """A standalone number as the renderer writes it: group 1 the integer part (ru groups
    with a non-breaking space, en with commas), group 2 a decimal part. Digits glued to letters,
    dots or underscores (handles like sveta.9559, hashes) are not numbers of the text."""
    if lang == "ru":
        return re.compile(r"(?<![\w.,\d])(\d{1,3}(?:[\u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?(?!\w)")
    return re.compile(r"(?<![\w.,\d])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\w)")


def _int(s: str) -> int:
    return int(re.sub(r"\D", "", s))


SP = r"[ \u00a0]"
DATE_RU = re.compile(rf"(?<!\d)(\d{{1,2}}){SP}({'|'.join(MONTHS_RU_GEN)})(?:{SP}(\d{{4}})(?:{SP}г(?:ода|од|\.)?)?)?")
MONTH_RU = re.compile(rf"({'|'.join(MONTHS_RU_NOM + [m.capitalize() for m in MONTHS_RU_NOM])}){SP}(\d{{4}})")
DATE_EN = re.compile(rf"({'|'.join(MONTHS_EN)}){SP}(\d{{1,2}})(?!\d)(?:,{SP}(\d{{4}}))?")
MONTH_EN = re.compile(rf"({'|'.join(MONTHS_EN)}){SP}(\d{{4}})")
TIME = re.compile(rf"(?<![\d:])(\d{{1,2}}):(\d{{2}})(?:{SP}?([AP]M))?(?![\d:])")


def _month(name: str) -> int:
    n = name.lower()
    for table in (MONTHS_RU_GEN, MONTHS_RU_NOM, [m.lower() for m in MONTHS_EN]):
        if n in table:
            return table.index(n) + 1
    raise ValueError(name)


def _find_opening(text: str, close_at: int) -> int | None:
    """Index of the opening mark matching the closing mark at close_at (nesting counted)."""
    close = text[close_at]
    opening = PAIRS[close]
    depth = 0
    for i in range(close_at - 1, -1, -1):
        if text[i] == close:
            depth += 1
        elif text[i] == opening:
            if depth == 0:
                return i
            depth -= 1
    return None


def _find_closing(text: str, open_at: int) -> int | None:
    opening = text[open_at]
    close = next(c for c, o in PAIRS.items() if o == opening)
    depth = 0
    for i in range(open_at + 1, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == close:
            if depth == 0:
                return i
            depth -= 1
    return None


def _lookup(comments: dict, cid: int):
    for key in (cid, str(cid)):
        if key in comments:
            return comments[key]
    return None


def verify_report(text: str, digest: dict, comments: dict, *, lang: str | None = None,
                  markdown: bool = True) -> list[Problem]:
    """Every quote and number in `text` that the data does not support (empty = verified).

    `comments` maps a comment id (int or str) to its stored text; it must hold at least the
    comments the text quotes. `markdown=False` for text extracted from HTML or DOCX."""
    if markdown:
        text = unescape_markdown(text)
    lang = lang or ("ru" if len(re.findall(r"[а-яё]", text, re.I)) > len(re.findall(r"[a-z]", text, re.I)) else "en")
    line_of = lambda pos: text.count("\n", 0, pos) + 1  # noqa: E731 (reads better inline)
    problems: list[Problem] = []
    work = list(text)

    def mask(a: int, b: int) -> None:
        work[a:b] = " " * (b - a)

    # quotes, each ending in its reference, and the translations after them
    for m in REF.finditer(text):
        cid = int(m.group(1))
        q = m.start() - 1
        while q >= 0 and text[q] in " \u00a0":
            q -= 1
        o = _find_opening(text, q) if q >= 0 and text[q] in PAIRS else None
        mask(m.start(), m.end())
        if o is None:
            problems.append(Problem("reference", line_of(m.start()), m.group(0),
                                    "no quotation in «…» or “…” right before this reference"))
            continue
        quote = text[o + 1:q]
        mask(o, q + 1)
        stored = _lookup(comments, cid)
        if stored is None:
            problems.append(Problem("reference", line_of(m.start()), m.group(0),
                                    f"comment {cid} is not a stored comment of this case"))
        elif not normalise(quote) or normalise(quote) not in normalise(stored):
            problems.append(Problem("quote", line_of(o), normalise(quote)[:120],
                                    f"does not match comment {cid} verbatim (stored: {normalise(stored)[:120]!r})"))
        t = TRANSLATION.match(text, m.end())
        if t:
            start = t.start(1)
            end = _find_closing(text, start)
            if end is not None:
                original_numbers = {_int(x) for x in re.findall(r"\d+", quote)}
                for n in re.findall(r"\d+", text[start + 1:end]):
                    if _int(n) not in original_numbers:
                        problems.append(Problem("translation", line_of(start), n,
                                                f"number in the translation of comment {cid} is not in the original"))
                mask(m.end(), end + 1)

    work_text = "".join(work)
    notes = list(NOTES_RULE.finditer(work_text))
    body_end = notes[-1].start() if notes else len(work_text)
    for u in URL.finditer(work_text):
        mask(u.start(), u.end())
    work_text = "".join(work)
    for s in verbatim_strings(digest):
        i = work_text.find(s)
        while i != -1:
            mask(i, i + len(s))
            i = work_text.find(s, i + len(s))
        work_text = "".join(work)
    work_text = work_text[:body_end]

    f = figures(digest)

    def check(pattern, handler):
        nonlocal work_text
        for m in pattern.finditer(work_text):
            msg = handler(m)
            if msg:
                problems.append(Problem(msg[0], line_of(m.start()), m.group(0), msg[1]))
            mask(m.start(), m.end())
        work_text = "".join(work)[:body_end]

    def day(y, mo, d):
        if y is None:
            ok = any((mo, d) == (m2, d2) for _, m2, d2 in f["days"])
        else:
            ok = (y, mo, d) in f["days"]
        return None if ok else ("date", "not a date in the digest (posts, counts, comments, case file)")

    check(DATE_RU, lambda m: day(int(m.group(3)) if m.group(3) else None, _month(m.group(2)), int(m.group(1))))
    check(DATE_EN, lambda m: day(int(m.group(3)) if m.group(3) else None, _month(m.group(1)), int(m.group(2))))
    def month(m):
        ok = (int(m.group(2)), _month(m.group(1))) in f["months"]
        return None if ok else ("date", "not a month of a date in the digest")
    check(MONTH_RU, month)
    check(MONTH_EN, month)

    def time(m):
        h, mi = int(m.group(1)), int(m.group(2))
        if m.group(3):
            h = h % 12 + (12 if m.group(3) == "PM" else 0)
        return None if (h, mi) in f["times"] else ("time", "not a time in the digest (in the case's time zone or UTC)")
    check(TIME, time)

    num = _number_pattern(lang)
    pct = re.compile(rf"(<{SP}?)?{num.pattern}{SP}?%")

    def percent(m):
        if m.group(1):
            return None if _int(m.group(2)) == 1 and f["small_share"] else ("percent", "no share in the digest is this small")
        if m.group(3) is None and _int(m.group(2)) in f["percent"]:
            return None
        return "percent", "not a share in the digest (whole percent, rounded half up)"
    # a range of shares, «76–84%»: both ends are shares of the digest
    rng = re.compile(rf"{num.pattern}{SP}?[–-]{SP}?{num.pattern}{SP}?%")
    check(rng, lambda m: None if m.group(2) is None and m.group(4) is None and
          {_int(m.group(1)), _int(m.group(3))} <= f["percent"] else
          ("percent", "not a range of shares in the digest (whole percent, rounded half up)"))
    check(pct, percent)

    for kind, words in UNITS.items():
        counted = re.compile(rf"{num.pattern}{SP}?(?:{words})", re.I)
        check(counted, lambda m, kind=kind: None if m.group(2) is None and _int(m.group(1)) in f[kind]
              else ("number", f"not a count of {kind} in the digest"))
    def figure(m):
        if m.group(2) is None:
            ok = _int(m.group(1)) in f["any"]
        else:
            ok = f"{_int(m.group(1))}.{m.group(2)}" in f["decimals"]
        return None if ok else ("number", "not a figure in the digest")
    check(num, figure)
    return sorted(problems, key=lambda p: p.line)
