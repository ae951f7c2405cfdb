"""The case file: dated events and deadlines of a case, shown beside the reaction.

An event is a date (with its precision: day, month or year), a short text in Russian and/or
English, a deadline flag and a source link. Editors add events by hand or accept proposals that
`extract_events` finds in a news text; both go to the custody log. `list_events` returns the
chronological list that `build_digest(..., events=...)` takes, with upcoming deadlines flagged.

Dates of lower precision are stored as the first day of their month or year, so every event has
a full ISO date to sort and compare on; `precision` says how much of it is known.

Years of dates written without one (rule used by `extract_events`, shown on every proposal):
  1. an explicit year in the same sentence (after or before the date: «21 мая и 4 июня 2024 года»);
  2. for events, the latest explicit year earlier in the same paragraph — news background is
     told as a narrative («В августе 2023 года … 4 октября суд …»);
  3. otherwise an event takes the latest occurrence on or before `today` (news reports the past:
     "In May" read in July 2025 is May 2025, read in March 2025 it is May 2024), and a deadline
     takes the next occurrence on or after `today` (rule 2 does not apply to deadlines: a
     deadline in an article is about the future even when the paragraph recalls old years).
`today` should be the article's date when extracting from an old article.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from .cases import CaseError, get_case
from .store import custody, event

PRECISIONS = ("day", "month", "year")


class CaseFileError(CaseError):
    """A bad event (date, text) given by the user; the CLI prints it as an error."""


def parse_date(value: str) -> tuple[date, str]:
    """'2024-05-21' -> day, '2024-05' -> month, '2024' -> year (stored as the first day)."""
    v = (value or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return date.fromisoformat(v), "day"
        if re.fullmatch(r"\d{4}-\d{2}", v):
            return date(int(v[:4]), int(v[5:]), 1), "month"
        if re.fullmatch(r"\d{4}", v):
            return date(int(v), 1, 1), "year"
    except ValueError:
        pass
    raise CaseFileError(f"bad date {value!r}: use YYYY-MM-DD, YYYY-MM (month known) or YYYY (year known)")


def format_date(d: date | str, precision: str) -> str:
    """The date as precisely as it is known: 2024-05-21, 2024-05 or 2024."""
    s = d.isoformat() if isinstance(d, date) else d
    return {"day": s[:10], "month": s[:7], "year": s[:4]}[precision]


# ------------------------------------------------------------------ store

def add_event(engine: Engine, case_name: str, date_: str | date, text_ru: str | None = None,
              text_en: str | None = None, *, deadline: bool = False, source_url: str | None = None,
              precision: str | None = None, origin: str = "manual", user: str | None = None) -> dict:
    """Store one event (and a custody entry). Adding the same date and texts again stores
    nothing and returns the existing event with "duplicate": True, so re-accepting proposals
    or re-loading a case file is harmless."""
    if isinstance(date_, date):
        d, prec = date_, precision or "day"
    else:
        d, prec = parse_date(date_)
        prec = precision or prec
    if prec not in PRECISIONS:
        raise CaseFileError(f"bad precision {prec!r}: one of {', '.join(PRECISIONS)}")
    text_ru, text_en = (text_ru or "").strip() or None, (text_en or "").strip() or None
    if not (text_ru or text_en):
        raise CaseFileError("an event needs a text (--text in Russian and/or --text-en in English)")
    if origin not in ("manual", "extracted"):
        raise CaseFileError(f"bad origin {origin!r}")
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        existing = conn.execute(select(event.c.id).where(
            event.c.case_id == case["id"], event.c.date == d.isoformat(), event.c.date_precision == prec,
            event.c.text_ru.is_(None) if text_ru is None else event.c.text_ru == text_ru,
            event.c.text_en.is_(None) if text_en is None else event.c.text_en == text_en)).scalar()
        if existing is not None:
            return {**_event_dict(conn.execute(select(event).where(event.c.id == existing)).mappings().one()),
                    "duplicate": True}
        row = {"case_id": case["id"], "date": d.isoformat(), "date_precision": prec, "text_ru": text_ru,
               "text_en": text_en, "deadline": bool(deadline), "source_url": source_url or None,
               "added_by": user or custody.os_user(), "added_at": custody.now_utc(), "origin": origin}
        eid = conn.execute(event.insert().values(**row)).inserted_primary_key[0]
        custody.append(conn, "event-add", actor=user, case_id=case["id"], details={
            "event_id": eid, **{k: row[k] for k in ("date", "date_precision", "text_ru", "text_en", "deadline",
                                                    "source_url", "origin")}})
        return {**_event_dict({**row, "id": eid}), "duplicate": False}


def remove_event(engine: Engine, case_name: str, event_id: int, user: str | None = None) -> dict:
    """Delete a wrongly added event; the custody log keeps what it was."""
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        row = conn.execute(select(event).where(event.c.id == event_id, event.c.case_id == case["id"])).mappings().first()
        if row is None:
            raise CaseFileError(f"case {case_name!r} has no event {event_id}")
        conn.execute(event.delete().where(event.c.id == event_id))
        custody.append(conn, "event-remove", actor=user, case_id=case["id"],
                       details={"event_id": event_id, **{k: row[k] for k in ("date", "date_precision", "text_ru", "text_en",
                                                                              "deadline", "source_url", "origin")}})
        return _event_dict(row)


def _event_dict(row) -> dict:
    return {"id": row["id"], "date": row["date"], "precision": row["date_precision"], "text_ru": row["text_ru"],
            "text_en": row["text_en"], "deadline": bool(row["deadline"]), "source_url": row["source_url"],
            "origin": row["origin"]}


def case_today(conn: Connection, case_id: int) -> date:
    """Today in the case's time zone: a deadline's days left are counted where the case happens."""
    tz = conn.execute(text("SELECT tz FROM cases WHERE id=:id"), {"id": case_id}).scalar()
    return datetime.now(ZoneInfo(tz or "UTC")).date()


def list_events(conn: Connection, case_id: int, today: date | None = None) -> list[dict]:
    """The case's events, oldest first, as `build_digest(..., events=...)` takes them.

    Each dict has date (ISO), precision, text_ru, text_en, deadline, source_url, id, origin, and
    "upcoming" (a deadline on or after today) and "days_left" (days from today to a deadline;
    None for other events)."""
    if not conn.dialect.has_table(conn, "event"):
        return []
    today = today or case_today(conn, case_id)
    out = []
    for row in conn.execute(select(event).where(event.c.case_id == case_id).order_by(event.c.date, event.c.id)).mappings():
        e = _event_dict(row)
        left = (date.fromisoformat(e["date"]) - today).days if e["deadline"] else None
        e["upcoming"] = left is not None and left >= 0
        e["days_left"] = left
        out.append(e)
    return out


def load_events(engine: Engine, case_name: str, events: list[dict]) -> int:
    """Store a prepared case file (the demo's `case.json` "events": date, text_ru, text_en,
    deadline, optional precision and source_url). Idempotent; returns how many were new."""
    added = 0
    for e in events:
        r = add_event(engine, case_name, e["date"], e.get("text_ru"), e.get("text_en"),
                      deadline=bool(e.get("deadline")), source_url=e.get("source_url"), precision=e.get("precision"))
        added += not r["duplicate"]
    return added


# ------------------------------------------------------------------ extraction

@dataclass(frozen=True)
class Proposal:
    """A dated event found in a text. `sentence` is text[start:end] exactly; `match` is the date
    as written; `year_basis` says where the year came from: explicit | sentence | paragraph |
    before-today | after-today (see the module docstring)."""
    date: date
    precision: str
    sentence: str
    start: int
    end: int
    deadline_guess: bool
    match: str = ""
    year_basis: str = "explicit"


RU_MONTHS = ["январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"]
RU_GEN = "|".join(f"{s}{'я' if s not in ('март', 'август') else 'а'}" for s in RU_MONTHS)  # 21 мая, 4 марта
RU_PREP = "|".join(f"{s}е" for s in RU_MONTHS)  # в мае, в марте
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
EN_ABBR = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10,
           "Nov": 11, "Dec": 12}
EN_MONTH = "|".join(EN_MONTHS) + "|" + "|".join(rf"{a}\." for a in EN_ABBR)
YEAR = r"(?:19|20)\d{2}"


def _ru_month(word: str) -> int:
    w = word.lower()
    for i, stem in enumerate(RU_MONTHS):
        if w[:len(stem)] == stem and len(w) <= len(stem) + 1:
            return i + 1
    raise ValueError(word)


def _en_month(word: str) -> int:
    w = word.rstrip(".")
    return EN_MONTHS.index(w) + 1 if w in EN_MONTHS else EN_ABBR[w]


# Each pattern: (regex, precision). Named groups d, m, y; earlier patterns win overlaps, so the
# most specific come first. Month names are case-sensitive in English ("may" is a verb).
RU_YEAR_WORD = r"(?:-?(?:м|го))?\s*(?:году|года|год|гг?\.)"
RU_PATTERNS = [
    (rf"\b(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>{YEAR})\b", "day"),
    (rf"\b(?P<d>\d{{1,2}})(?:-?го)?\s+(?P<m>{RU_GEN})(?:\s+(?P<y>{YEAR})(?:{RU_YEAR_WORD})?)?(?!\w)", "day"),
    (rf"(?i:\bв\s+)(?P<m>{RU_PREP})(?:\s+(?P<y>{YEAR})(?:{RU_YEAR_WORD})?)?(?!\w)", "month"),
    (rf"(?i:\b(?:в\s+)?(?:начале|середине|конце|начала|середины|конца)\s+)(?P<m>{RU_GEN})"
     rf"(?:\s+(?P<y>{YEAR})(?:{RU_YEAR_WORD})?)?(?!\w)", "month"),
    (rf"(?i:\b(?:с|до|по|к)\s+)(?P<m>{RU_GEN})\s+(?P<y>{YEAR})(?:{RU_YEAR_WORD})?(?!\w)", "month"),
    (rf"\b(?P<y>{YEAR})\s*{RU_YEAR_WORD}(?!\w)", "year"),
]
EN_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
EN_PATTERNS = [
    (rf"\b(?P<m>{EN_MONTH})\s+{EN_DAY}\b(?:,?\s+(?P<y>{YEAR})\b)?", "day"),  # May 21, 2024
    (rf"\b{EN_DAY}(?:\s+of)?\s+(?P<m>{EN_MONTH})(?:,?\s+(?P<y>{YEAR})\b)?", "day"),  # 21 May 2024
    (rf"\b(?P<m>{EN_MONTH})(?:,)?\s+(?P<y>{YEAR})\b", "month"),  # (in) October 2024
    (rf"(?i:\b(?:in|since|until|till|by|from|during|of|to|before|after|early|late|mid-?)\s+(?:early\s+|late\s+|mid-?)?)"
     rf"(?P<m>{EN_MONTH})(?!\w)", "month"),  # in May
    (rf"(?i:\b(?:in|since|until|till|by|from|during|before|after|throughout|early|late|mid-?)\s+)(?P<y>{YEAR})\b", "year"),
]
RU_DEADLINE_BEFORE = re.compile(r"(?i:\b(?:до|не\s+позднее|не\s+позже|к)\s+)$")
EN_DEADLINE_BEFORE = re.compile(r"(?i:\b(?:by|until|till|no\s+later\s+than)\s+(?:the\s+)?)$")
RU_DEADLINE_WORDS = re.compile(r"(?i)\bсрок|\bистека|\bистеч|\bистёк|\bистек|последн\w*\s+день|крайн\w*\s+срок|дедлайн")
EN_DEADLINE_WORDS = re.compile(r"(?i)\bdeadline|\bexpir|\bdue\b|no later than|last day")

# Words after which a full stop does not end a sentence.
_ABBREV = {"г", "гг", "ул", "им", "т", "д", "н", "э", "ст", "ч", "п", "пр", "руб", "тыс", "млн", "млрд", "см", "др",
           "mr", "mrs", "ms", "dr", "st", "jr", "sr", "no", "vs", "etc", "inc", "ltd", "gen", "col", "lt", "sgt",
           "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_END = re.compile(r"[.!?…]+[\"»”'’)]*(?=\s+[\"«“'(\[—–-]?\s*[A-ZА-ЯЁ0-9])")


def sentences(text_: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in a text; text[start:end] has no outer whitespace.
    A line break always ends a sentence (news texts put paragraphs on lines)."""
    spans = []
    for para in re.finditer(r"[^\n]+", text_):
        start = para.start()
        for m in _END.finditer(para.group()):
            before = re.search(r"([\w.]+)$", para.group()[:m.start()])
            word = before.group(1) if before else ""
            year_abbrev = word.lower() in ("г", "гг") and re.search(r"\d\s*" + word + "$", para.group()[:m.start()])
            if m.group().startswith(".") and not year_abbrev and (  # «в 2023 г.» may end a sentence
                    "." in word  # U.S.
                    or (len(word) == 1 and word.isalpha())  # initials: М. Мовлаев
                    or word.lower() in _ABBREV):  # «в г. Алматы», "Mr. Smith"
                continue
            spans.append((start, para.start() + m.end()))
            start = para.start() + m.end()
        spans.append((start, para.end()))
    out = []
    for s, e in spans:
        seg = text_[s:e]
        s2, e2 = s + len(seg) - len(seg.lstrip()), s + len(seg.rstrip())
        if e2 > s2:
            out.append((s2, e2))
    return out


def _valid(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


def _resolve_year(m: int, d: int | None, today: date, deadline: bool) -> tuple[int, str]:
    """The year of a yearless date: latest on or before today for an event, next on or after
    today for a deadline (a month counts as "on or before" once it has begun, "on or after"
    until it has ended)."""
    step = 1 if deadline else -1
    y = today.year
    for _ in range(9):  # 29 February may need up to 8 years
        if d is None:
            first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
            if (deadline and last >= today) or (not deadline and first <= today):
                return y, "after-today" if deadline else "before-today"
        elif _valid(y, m, d):
            dd = date(y, m, d)
            if (deadline and dd >= today) or (not deadline and dd <= today):
                return y, "after-today" if deadline else "before-today"
        y += step
    raise ValueError("no such date")


def extract_events(text_: str, lang: str, today: date) -> list[Proposal]:
    """Dated events proposed from a news text in Russian ("ru") or English ("en"), in text order.

    Handles «21 мая», «21 мая 2024 года», «в мае», «в октябре 2024 года», «до 19 августа»,
    «в 2020 году», «21.05.2024», "on May 21", "May 21, 2024", "21 May 2024", "in October 2024",
    "by August 19", "in 2020". A date is guessed to be a deadline when it follows «до»/«не
    позднее»/"by"/"until" or its sentence speaks of a term expiring (срок, истекает, deadline,
    expires). Years of yearless dates follow the rule in the module docstring."""
    if lang not in ("ru", "en"):
        raise CaseFileError(f"cannot extract dates from {lang!r} text: ru or en")
    patterns, to_month = (RU_PATTERNS, _ru_month) if lang == "ru" else (EN_PATTERNS, _en_month)
    before_cue = RU_DEADLINE_BEFORE if lang == "ru" else EN_DEADLINE_BEFORE
    words_cue = RU_DEADLINE_WORDS if lang == "ru" else EN_DEADLINE_WORDS

    # 1. every date mention, most specific pattern first, no overlaps
    found: list[tuple[int, int, re.Match, str]] = []
    taken: list[tuple[int, int]] = []
    for rx, prec in patterns:
        for m in re.finditer(rx, text_):
            # the date proper starts at its first number or month name, after any cue word
            s, e = min(m.start(k) for k, v in m.groupdict().items() if v is not None), m.end()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append((s, e, m, prec))
    found.sort(key=lambda f: f[0])

    sents = sentences(text_)
    paragraphs = [p.span() for p in re.finditer(r"[^\n]+", text_)]

    def where(pos, spans):
        return next(((s, e) for s, e in spans if s <= pos < e), (pos, pos))

    # explicit years with their positions, for the context rules
    years = [(s, int(m.group("y"))) for s, e, m, _ in found if m.groupdict().get("y")]

    out, seen = [], set()
    for s, e, m, prec in found:
        g = m.groupdict()
        y = int(g["y"]) if g.get("y") else None
        mo = (int(g["m"]) if g["m"].isdigit() else to_month(g["m"])) if g.get("m") else None
        d = int(g["d"]) if g.get("d") else None
        ss, se = where(s, sents)
        sentence = text_[ss:se]
        deadline = bool(before_cue.search(text_[ss:s])) or bool(words_cue.search(sentence))
        basis = "explicit"
        try:
            if y is None:
                ps, _ = where(s, paragraphs)
                earlier = [yy for pos, yy in years if ps <= pos < s]
                if any(ss <= pos < se for pos, _ in years):
                    y, basis = _nearest_year(years, s, ss, se), "sentence"
                elif earlier and not deadline:
                    y, basis = earlier[-1], "paragraph"
                else:
                    y, basis = _resolve_year(mo, d, today, deadline)
            if prec == "day" and not _valid(y, mo, d):
                continue
            when = date(y, mo or 1, d or 1)
        except ValueError:
            continue
        key = (when, prec, ss)
        if key in seen:
            continue
        seen.add(key)
        out.append(Proposal(when, prec, sentence, ss, se, deadline, text_[s:e].strip(), basis))
    return out


def _nearest_year(years: list[tuple[int, int]], pos: int, ss: int, se: int) -> int:
    """The explicit year in the sentence closest to a yearless date at `pos`."""
    return min((abs(p - pos), y) for p, y in years if ss <= p < se)[1]


def guess_lang(text_: str) -> str:
    """ru when Cyrillic letters outnumber Latin ones, else en."""
    cyr = len(re.findall(r"[А-Яа-яЁё]", text_))
    lat = len(re.findall(r"[A-Za-z]", text_))
    return "ru" if cyr >= lat else "en"


def proposals_json(props: list[Proposal]) -> list[dict]:
    return [{"n": i, "date": format_date(p.date, p.precision), "precision": p.precision,
             "deadline_guess": p.deadline_guess, "match": p.match, "year_basis": p.year_basis,
             "sentence": p.sentence, "start": p.start, "end": p.end} for i, p in enumerate(props, 1)]


def accept_proposals(engine: Engine, case_name: str, props: list[Proposal], which: list[int], lang: str,
                     source_url: str | None = None) -> list[dict]:
    """Store the chosen proposals (1-based numbers) as extracted events; the sentence becomes the
    event's text in the article's language."""
    out = []
    for n in which:
        p = props[n - 1]
        texts = {"text_ru": p.sentence} if lang == "ru" else {"text_en": p.sentence}
        out.append(add_event(engine, case_name, p.date, deadline=p.deadline_guess, precision=p.precision,
                             source_url=source_url, origin="extracted", **texts))
    return out


def parse_selection(spec: str, n: int) -> list[int]:
    """'all', '1,3' or '2-4' -> 1-based numbers, each checked against the n proposals."""
    spec = spec.strip().lower()
    if spec == "all":
        return list(range(1, n + 1))
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise CaseFileError(f"bad selection {part!r}: use numbers like 1,3 or 2-4, or all")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        for i in range(a, b + 1):
            if not 1 <= i <= n:
                raise CaseFileError(f"there is no proposal {i} (there are {n})")
            if i not in out:
                out.append(i)
    return out
