"""Grammar for generated report text: plural agreement, names by case, dates, times, numbers.

Reports are built from templates, so the templates need a little grammar to read like a
newsroom's own text: «1 комментарий / 2 комментария / 5 комментариев», «о судьбе Ильяса
Мударова», «к 22:20 по московскому времени», "by 10:20 PM Moscow time". Everything here is
deterministic: pymorphy3 (one shared analyzer, otklik.morph) agrees nouns with numbers and declines
first names and surnames it knows, with a rule for the common Russian surname endings it does not
know (-ов/-ев/-ин/-ын and feminines). A name's gender comes from the surname's ending when it has a
gendered one (Хасанова), else from the first name.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..morph import morph as _morph
from .english import romanise

NBSP = "\u00a0"

# ------------------------------------------------------------------ plural agreement

# Counted nouns agree through pymorphy3 (`make_agree_with_number`), so a template may count any noun
# the dictionary knows: «1 комментарий / 2 комментария / 5 комментариев», in the nominative or, after
# «из», «от», the genitive («из 21 пользователя», «от 5 пользователей»).


@lru_cache(maxsize=256)
def _noun(noun: str):
    """The dictionary's nominative singular noun for `noun`; an error names a word it does not know."""
    for p in _morph().parse(noun):
        if {"NOUN", "nomn", "sing"} <= p.tag.grammemes:
            return p
    raise ValueError(f"not a Russian noun in the nominative singular: {noun!r}")


EN_NOUNS = {"comment": "comments", "user": "users", "reply": "replies", "follower": "followers",
            "account": "accounts", "post": "posts", "page": "pages", "person": "people"}


def ru_form(n: int) -> int:
    """0 = "one" form (1, 21, 101), 1 = "few" (2-4, 22-24), 2 = "many" (0, 5-20, 25-30, 111)."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def plural_ru(n: int, noun: str, case: str = "nomn") -> str:
    """The noun form agreeing with n: plural_ru(21, "пользователь") -> "пользователь",
    plural_ru(22, "пользователь", "gent") -> "пользователей"."""
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; one of {', '.join(CASES)}")
    parse = _noun(noun)
    form = parse.inflect({case}) if case != "nomn" else parse
    agreed = form.make_agree_with_number(abs(int(n))) if form else None
    if agreed is None:
        raise ValueError(f"pymorphy3 cannot inflect {noun!r} for {n} in case {case}")
    return agreed.word


def count_ru(n: int, noun: str, case: str = "nomn") -> str:
    """«5 комментариев»; the number formatted with a non-breaking space before the noun."""
    return f"{number(n, 'ru')}{NBSP}{plural_ru(n, noun, case)}"


def verb_ru(n: int, singular: str, plural: str) -> str:
    """Verb agreeing with a counted subject: «21 пользователь написал», «22 пользователя написали»."""
    return singular if ru_form(n) == 0 else plural


def plural_en(n: int, noun: str) -> str:
    return noun if abs(n) == 1 else EN_NOUNS.get(noun, noun + "s")


def count_en(n: int, noun: str) -> str:
    return f"{number(n, 'en')} {plural_en(n, noun)}"


RU_EN = {"комментарий": "comment", "пользователь": "user", "ответ": "reply", "подписчик": "follower",
         "аккаунт": "account", "публикация": "post", "страница": "page"}
EN_RU = {v: k for k, v in RU_EN.items()}


def count(n: int, noun: str, lang: str, case: str = "nomn") -> str:
    """A counted noun in either language; the noun may be given in Russian or English
    ("комментарий" or "comment"), so one template call serves both reports."""
    if lang == "ru":
        return count_ru(n, EN_RU.get(noun, noun), case)
    return count_en(n, RU_EN.get(noun, noun))


# ------------------------------------------------------------------ numbers

def number(n: int, lang: str) -> str:
    """Integers as each language writes them: ru groups from 5 digits with a non-breaking space
    («12 345», but «1234»), en with commas ("1,234")."""
    s = str(abs(int(n)))
    if lang == "ru" and len(s) <= 4:
        grouped = s
    else:
        parts = []
        while s:
            parts.insert(0, s[-3:])
            s = s[:-3]
        grouped = (NBSP if lang == "ru" else ",").join(parts)
    return ("-" if n < 0 else "") + grouped


def percent_value(share: float) -> int:
    """Whole percent, rounded half up (0.965 -> 97), so text and verifier agree."""
    return int(share * 100 + 0.5 + 1e-9)


def percent(share: float, lang: str) -> str:
    """«97%»; a non-zero share below 0.5% is written «<1%» rather than a misleading 0%."""
    p = percent_value(share)
    if p == 0 and share > 0:
        return "<1%"
    return f"{p}%"


# ------------------------------------------------------------------ dates and times

MONTHS_RU_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                 "октября", "ноября", "декабря"]
MONTHS_RU_NOM = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                 "октябрь", "ноябрь", "декабрь"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]


def parse_when(value: str | datetime | date) -> datetime | date:
    if isinstance(value, (datetime, date)):
        return value
    if len(value) <= 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local(value: str | datetime, tz: str) -> datetime:
    """A UTC timestamp ('2026-11-25T19:20:00Z') in the case's time zone."""
    dt = parse_when(value)
    if not isinstance(dt, datetime):
        raise ValueError(f"not a timestamp: {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(ZoneInfo(tz))


def format_date(d: date | datetime, lang: str, year: bool = True, style: str = "long") -> str:
    """«21 мая 2026 года» / "May 21, 2026"; without year «21 мая» / "May 21". `style` "numeric" (a
    house-style choice): «21.05.2026» / "5/21/2026" (the year is always written then)."""
    if style == "numeric":
        return f"{d.day:02d}.{d.month:02d}.{d.year}" if lang == "ru" else f"{d.month}/{d.day}/{d.year}"
    if lang == "ru":
        s = f"{d.day}{NBSP}{MONTHS_RU_GEN[d.month - 1]}"
        return f"{s} {d.year}{NBSP}года" if year else s
    s = f"{MONTHS_EN[d.month - 1]} {d.day}"
    return f"{s}, {d.year}" if year else s


def format_month(d: date, lang: str) -> str:
    """For dates known only to the month: «октябрь 2018 года» / "October 2018"."""
    if lang == "ru":
        return f"{MONTHS_RU_NOM[d.month - 1]} {d.year}{NBSP}года"
    return f"{MONTHS_EN[d.month - 1]} {d.year}"


def format_time(dt: datetime, lang: str, clock: str = "12h") -> str:
    """«22:20» / "10:20 PM"; English with `clock` "24h" (a house-style choice): "22:20"."""
    if lang == "ru" or clock == "24h":
        return f"{dt.hour:02d}:{dt.minute:02d}"
    h = dt.hour % 12 or 12
    return f"{h}:{dt.minute:02d}{NBSP}{'AM' if dt.hour < 12 else 'PM'}"


# Time zones newsrooms in the region write about, with how each language names their time.
TZ_NAMES = {
    "Europe/Moscow": ("по московскому времени", "Moscow time"),
    "Asia/Almaty": ("по времени Алматы", "Almaty time"),
    "Asia/Qyzylorda": ("по времени Кызылорды", "Kyzylorda time"),
    "Asia/Aqtobe": ("по времени Актобе", "Aktobe time"),
    "Asia/Bishkek": ("по времени Бишкека", "Bishkek time"),
    "Asia/Tashkent": ("по ташкентскому времени", "Tashkent time"),
    "Asia/Dushanbe": ("по времени Душанбе", "Dushanbe time"),
    "Asia/Ashgabat": ("по времени Ашхабада", "Ashgabat time"),
    "Asia/Baku": ("по бакинскому времени", "Baku time"),
    "Asia/Tbilisi": ("по тбилисскому времени", "Tbilisi time"),
    "Asia/Yerevan": ("по ереванскому времени", "Yerevan time"),
    "Europe/Samara": ("по самарскому времени", "Samara time"),
    "Asia/Yekaterinburg": ("по екатеринбургскому времени", "Yekaterinburg time"),
    "Europe/Istanbul": ("по стамбульскому времени", "Istanbul time"),
    "Europe/Berlin": ("по центральноевропейскому времени", "Central European time"),
    "UTC": ("по всемирному времени (UTC)", "UTC"),
}


def tz_phrase(tz: str, at: datetime, lang: str) -> str:
    """How the text names the case's clock; zones not in the table by their UTC offset."""
    if tz in TZ_NAMES:
        return TZ_NAMES[tz][0 if lang == "ru" else 1]
    off = at.utcoffset()
    minutes = int(off.total_seconds() // 60) if off else 0
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{h}" + (f":{m:02d}" if m else "")
    return f"по времени {utc}" if lang == "ru" else f"{utc} time"


def by_time(value: str, tz: str, lang: str, with_date: bool = True, clock: str = "12h", style: str = "long") -> str:
    """«к 22:20 по московскому времени 25 ноября» / "by 10:20 PM Moscow time on November 25"."""
    dt = local(value, tz)
    when = tz_phrase(tz, dt, lang)
    if lang == "ru":
        s = f"к {format_time(dt, lang)} {when}"
        return f"{s} {format_date(dt, lang, style=style)}" if with_date else s
    s = f"by {format_time(dt, lang, clock)} {when}"
    return f"{s} on {format_date(dt, lang, style=style)}" if with_date else s


# ------------------------------------------------------------------ names by case

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")

# Russian surname endings that decline by a fixed rule (Иванов, Мударов, Ильин; Иванова ...).
_MASC_SURNAME = re.compile(r"(ов|ев|ёв|ин|ын)$")
_FEM_SURNAME = re.compile(r"(ова|ева|ёва|ина|ына)$")
_MASC_ENDINGS = {"nomn": "", "gent": "а", "datv": "у", "accs": "а", "ablt": "ым", "loct": "е"}
_FEM_ENDINGS = {"nomn": "а", "gent": "ой", "datv": "ой", "accs": "у", "ablt": "ой", "loct": "ой"}


def _match_case(word: str, inflected: str) -> str:
    """pymorphy3 returns lower case; keep the original's capitalisation (incl. hyphenated parts)."""
    if word[:1].isupper():
        return "-".join(p[:1].upper() + p[1:] for p in inflected.split("-"))
    return inflected


def _first_name(word: str, case: str, gender: str | None = None) -> tuple[str, str | None]:
    """The first name in `case` and its gender. With `gender` known (from the surname), only a reading
    of that gender is used; a female name the dictionary knows only as male («Аминат», «Айшат») ends in
    a consonant and, like every such female name in Russian, does not decline."""
    for p in _morph().parse(word):
        if ("Name" in p.tag and p.tag.case == "nomn" and p.tag.number == "sing"
                and (gender is None or p.tag.gender == gender)):
            form = p.inflect({case, "sing"})
            return (_match_case(word, form.word) if form else word), p.tag.gender
    if gender == "femn" and not word.lower().endswith(("а", "я")):
        return word, gender
    return word, None


def _surname_gender(word: str) -> str | None:
    low = word.lower()
    if _FEM_SURNAME.search(low):
        return "femn"
    if _MASC_SURNAME.search(low):
        return "masc"
    return None


def _surname(word: str, case: str, gender: str | None) -> str:
    low = word.lower()
    if _FEM_SURNAME.search(low) and gender != "masc":
        return word[:-1] + _FEM_ENDINGS[case]
    if _MASC_SURNAME.search(low) and gender != "femn":
        return word + _MASC_ENDINGS[case]
    for p in _morph().parse(word):
        if "Surn" in p.tag and p.tag.case == "nomn" and p.tag.number == "sing" and (gender is None or p.tag.gender == gender):
            form = p.inflect({case, "sing"})
            if form:
                return _match_case(word, form.word)
    return word  # foreign and indeclinable surnames stay as written


def inflect_name(name: str, case: str) -> str:
    """A person's name in a grammatical case: inflect_name("Ильяс Мударов", "gent") -> "Ильяса Мударова".

    The first word is the given name, the last the surname. The gender is the surname's when its
    ending has one («Аминат Хасанова» -> «Аминат Хасановой»), else the first name's as pymorphy3
    knows it. Latin-script names are returned unchanged."""
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; one of {', '.join(CASES)}")
    words = name.split()
    if case == "nomn" or not words or not re.search(r"[а-яё]", name, re.I):
        return name
    if len(words) == 1:
        first, gender = _first_name(words[0], case)
        return first if gender else _surname(words[0], case, None)
    gender = _surname_gender(words[-1])
    first, named = _first_name(words[0], case, gender)
    gender = gender or named
    middle = words[1:-1]  # patronymics decline like surnames in -ович/-овна; keep them simple
    out_middle = []
    for w in middle:
        form = next((p.inflect({case, "sing"}) for p in _morph().parse(w) if "Patr" in p.tag), None)
        out_middle.append(_match_case(w, form.word) if form else w)
    return " ".join([first, *out_middle, _surname(words[-1], case, gender)])


def latin_name(name: str, aliases: list[str] | None = None) -> str:
    """The subject's name for English text: the first Latin-script alias with the most words (the
    case file's order is the editor's preference: the spelling the family uses first), else a
    BGN/PCGN romanisation (editors should add the spelling the family uses as an alias)."""
    latin = [a for a in aliases or [] if a and not re.search(r"[а-яёӀ]", a, re.I)]
    if not re.search(r"[а-яё]", name, re.I):
        return name
    if latin:
        most = max(len(a.split()) for a in latin)
        return next(a for a in latin if len(a.split()) == most)
    return romanise(name)  # BGN/PCGN (simplified), as every other name in the English report


def surname(name: str) -> str:
    return name.split()[-1] if name.split() else name


# ------------------------------------------------------------------ place names in lists

# Rule: a place name after «в» (where to: accusative) declines word by word through pymorphy3 when
# the dictionary knows it as a noun or adjective in the nominative («Германия» -> «Германию»,
# «Саудовская Аравия» -> «Саудовскую Аравию»); abbreviations (all capitals: США, ОАЭ, ЕС) and
# words the dictionary does not know stay as written.
# Rule: the preposition is «во» before в/ф followed by a consonant («во Францию», «во Владивосток»),
# else «в» («в Финляндию», «в Германию»).

def inflect_place(name: str, case: str = "accs") -> str:
    """A (possibly multi-word) place name in `case`: inflect_place("Турция") -> "Турцию"."""
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}; one of {', '.join(CASES)}")
    out = []
    for word in name.split():
        if word.isupper() or not re.search(r"[а-яё]", word, re.I):
            out.append(word)
            continue
        form = None
        for p in _morph().parse(word):
            if p.tag.case == "nomn" and ({"NOUN"} <= p.tag.grammemes or {"ADJF"} <= p.tag.grammemes):
                # places are inanimate: an adjective's accusative plural is its nominative
                form = p.inflect({case, "inan"} if "ADJF" in p.tag and "plur" in p.tag and case == "accs" else {case})
                break
        out.append(_match_case(word, form.word) if form else word)
    return " ".join(out)


def preposition_v(word: str) -> str:
    """«в» or «во» before `word` (see the rule above)."""
    low = word.lower()
    if len(low) > 1 and low[0] in "вф" and low[1] not in "аеёиоуыэюя":
        return "во"
    return "в"


# ------------------------------------------------------------------ numerals in words

# Rule: small counts governed by a preposition that takes the instrumental («под четырьмя
# публикациями») are written as words, agreeing in case and, for «один», in gender; larger ones are
# written as figures («под 12 публикациями»).
_ABLT = {1: {"femn": "одной", "masc": "одним", "neut": "одним"}, 2: "двумя", 3: "тремя", 4: "четырьмя",
         5: "пятью", 6: "шестью", 7: "семью", 8: "восемью", 9: "девятью", 10: "десятью"}


def numeral_ablt(n: int, noun: str) -> str:
    """«одной публикацией», «четырьмя публикациями», «12 публикациями» (noun in its nominative singular)."""
    parse = _noun(noun)
    noun_form = parse.inflect({"ablt", "sing" if n == 1 else "plur"})
    word = noun_form.word if noun_form else noun
    if n in _ABLT:
        w = _ABLT[n]
        return f"{w[parse.tag.gender or 'masc'] if isinstance(w, dict) else w} {word}"
    return f"{number(n, 'ru')}{NBSP}{word}"


def month_since(d: date | datetime, lang: str) -> str:
    """«с марта» / "since March" (the year added when it is not `d`'s)."""
    return f"с {MONTHS_RU_GEN[d.month - 1]}" if lang == "ru" else f"since {MONTHS_EN[d.month - 1]}"


# ------------------------------------------------------------------ sentence checks

# Rule: no sentence starts with a figure — a template whose subject is a count starts with a word
# («Всего 8 комментариев…», "In all, 8 comments…"); `starts_with_digit` finds the offenders.
_SENTENCE = re.compile(r"(?:^|(?<=[.!?…])\s+)([^\s«“\"(])")


def starts_with_digit(text: str) -> bool:
    """Does any sentence of `text` (outside quotation marks) begin with a digit?"""
    return any(m.group(1).isdigit() for m in _SENTENCE.finditer(_unquoted(text)))


def _unquoted(text: str) -> str:
    return re.sub(r"«[^»]*»|“[^”]*”", "«»", text)
