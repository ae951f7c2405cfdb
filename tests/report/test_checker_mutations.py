"""The slot checker under 200 random single edits of the analysed demo's report.

Each edit changes meaning (a number, a date, a quote's author, a stance word, a quote's words,
a quote moved under another heading, a [#N] marker changed or dropped before editing the quote);
every one must be caught. The report's own text, and edits that only change whitespace, must
pass. The edits are drawn with a fixed seed over the Russian and English reports, each in its
publication copy (no markers: checked through the slot map) and its annotated copy.
"""

import random
import re
from collections import Counter

import pytest

from otklik.digest import build_digest, digest_quotes
from otklik.report import slotcheck
from otklik.report.service import case_comments, marker, produce_with_slots
from otklik.store import open_store

SEED = 14
N_EDITS = 200
MONTHS = {"ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                 "ноября", "декабря"],
          "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December"]}
# a side word and the word for the other side
STANCE_SWAPS = {"ru": [("в поддержку", "против"), ("против", "в поддержку"), ("обеспокоенность", "неприязнь")],
                "en": [("supportive", "hostile"), ("hostile", "supportive"), ("concern", "contempt"),
                       ("against", "in favour of")]}


@pytest.fixture(scope="module")
def reports(analysed_demo):
    """{(lang, copy): (text, slot map, report)} for the demo, and the data they are checked against."""
    engine = open_store(analysed_demo)
    with engine.connect() as conn:
        digest = build_digest(conn, "demo")
        comments = case_comments(conn, 1, [q["comment_id"] for q in digest_quotes(digest)])
    engine.dispose()
    out = {}
    for lang in ("ru", "en"):
        for copy in ("publication", "annotated"):
            data, report, slotmap = produce_with_slots(digest, comments, lang, "md", marker(lang), copy=copy)
            out[(lang, copy)] = (data.decode("utf-8"), slotmap, report)
    return out, digest, comments


def body_span(text: str) -> int:
    """Where the notes begin (the last `---` line): edits are made in the body before it."""
    return [m.start() for m in re.finditer(r"(?m)^---\s*$", text)][-1]


def quote_lines(text: str) -> list[tuple[int, int]]:
    end = body_span(text)
    return [(m.start(), m.end()) for m in re.finditer(r"(?m)^[«“].*$", text) if m.end() <= end]


def edit_number(rng, text, lang, report):
    end = body_span(text)
    runs = [m for m in re.finditer(r"\d+", text[:end])]
    m = rng.choice(runs)
    others = sorted({r.group(0) for r in runs} - {m.group(0)})
    new = rng.choice(others) if rng.random() < 0.6 else str(int(m.group(0)) + rng.randint(1, 9))
    return text[:m.start()] + new + text[m.end():]


def edit_date(rng, text, lang, report):
    end = body_span(text)
    months = "|".join(MONTHS[lang])
    rx = rf"(\d{{1,2}})([ \u00a0])({months})" if lang == "ru" else rf"({months})([ \u00a0])(\d{{1,2}})"
    m = rng.choice(list(re.finditer(rx, text[:end])))
    day_group = 1 if lang == "ru" else 3
    month_group = 3 if lang == "ru" else 1
    if rng.random() < 0.5:
        day = int(m.group(day_group))
        new_day = str(day + 1 if day < 28 else day - 1)
        a, b = m.span(day_group)
        return text[:a] + new_day + text[b:]
    a, b = m.span(month_group)
    other = rng.choice([x for x in MONTHS[lang] if x != m.group(month_group)])
    return text[:a] + other + text[b:]


def edit_name(rng, text, lang, report):
    """A quote attributed to another author of the report's quotes (or the page's name changed)."""
    authors = sorted({b["author"] for b in report["blocks"] if b["type"] == "quote" and b.get("author")})
    candidates = []
    for a, b in quote_lines(text):
        line = text[a:b]
        for name in authors:
            at = line.rfind(name)
            if at > line.rfind("»" if lang == "ru" else "”"):
                candidates.append((a + at, name))
    at, name = rng.choice(candidates)
    other = rng.choice([x for x in authors if x != name and name not in x and x not in name])
    return text[:at] + other + text[at + len(name):]


def edit_stance(rng, text, lang, report):
    end = body_span(text)
    options = []
    for old, new in STANCE_SWAPS[lang]:
        for m in re.finditer(rf"(?<!\w){re.escape(old)}(?!\w)", text[:end]):
            line = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
            if not line.startswith(("«", "“")):  # a word of the report, not of a quote
                options.append((m, new))
    m, new = rng.choice(options)
    return text[:m.start()] + new + text[m.end():]


def _edit_words(rng, quote: str) -> str:
    words = quote.split(" ")
    if len(words) < 3:
        return quote + " да"
    i = rng.randrange(1, len(words) - 1)
    words[i] = rng.choice(["не", "никогда", "всегда", "очень"]) if words[i] not in ("не", "никогда") else "да"
    return " ".join(words)


def _quote_span(text, a, b):
    line = text[a:b]
    return a + 1, a + line.index("»" if line[0] == "«" else "”")


def edit_quote(rng, text, lang, report):
    a, b = rng.choice(quote_lines(text))
    qa, qb = _quote_span(text, a, b)
    return text[:qa] + _edit_words(rng, text[qa:qb]) + text[qb:]


def edit_move(rng, text, lang, report):
    """A quote line moved under another heading."""
    lines = text[:body_span(text)].split("\n")
    quotes = [i for i, line in enumerate(lines) if line.startswith(("«", "“"))]
    i = rng.choice(quotes)
    heading_of = lambda k: max(j for j in range(k + 1) if lines[j].startswith("#"))  # noqa: E731
    own = heading_of(i)
    targets = [j for j, line in enumerate(lines) if line.startswith("## ") or line.startswith("### ")]
    targets = [j for j in targets if j != own]
    j = rng.choice(targets)
    moved = lines.pop(i)
    j = j if j < i else j - 1
    lines[j + 1:j + 1] = ["", moved]
    return "\n".join(lines) + text[body_span(text):]


def edit_marker(rng, text, lang, report):
    """(annotated copy) a [#N] pointed at another quoted comment, or dropped and the quote edited."""
    end = body_span(text)
    refs = list(re.finditer(r" \[#(\d+)\]", text[:end]))
    m = rng.choice(refs)
    if rng.random() < 0.5:
        other = rng.choice(sorted({r.group(1) for r in refs} - {m.group(1)}))
        return text[:m.start()] + f" [#{other}]" + text[m.end():]
    a = text.rfind("\n", 0, m.start()) + 1
    dropped = text[:m.start()] + text[m.end():]
    qa, qb = _quote_span(dropped, a, dropped.index("\n", a))
    return dropped[:qa] + _edit_words(rng, dropped[qa:qb]) + dropped[qb:]


KINDS = {"number": edit_number, "date": edit_date, "name": edit_name, "stance": edit_stance,
         "quote": edit_quote, "move": edit_move, "marker": edit_marker}


def edit_whitespace(rng, text):
    end = body_span(text)
    spaces = [m.start() for m in re.finditer(" ", text[:end])]
    at = rng.choice(spaces)
    return text[:at] + rng.choice(["  ", "\u00a0", " \t "]) + text[at + 1:]


def test_the_reports_own_text_passes(reports):
    docs, digest, comments = reports
    for (lang, copy), (text, slotmap, _) in docs.items():
        assert slotcheck.check(text, slotmap, digest, comments) == [], (lang, copy)
        if copy == "publication":
            assert "[#" not in text[:body_span(text)]


def test_200_meaningful_edits_are_all_caught(reports):
    docs, digest, comments = reports
    rng = random.Random(SEED)
    tried, caught, missed = Counter(), Counter(), []
    reasons = {k: Counter() for k in KINDS}
    keys = sorted(docs)
    while sum(tried.values()) < N_EDITS:
        lang, copy = rng.choice(keys)
        text, slotmap, report = docs[(lang, copy)]
        kind = rng.choice([k for k in KINDS if k != "marker" or copy == "annotated"])
        edited = KINDS[kind](rng, text, lang, report)
        if edited == text:
            continue
        tried[kind] += 1
        found = slotcheck.check(edited, slotmap, digest, comments)
        if found:
            caught[kind] += 1
            reasons[kind][found[0].kind] += 1
        else:
            missed.append((kind, lang, copy, [l for l in edited.splitlines() if l not in text.splitlines()][:2]))
    print(f"\nslot checker: caught {sum(caught.values())}/{sum(tried.values())} meaningful edits; by kind: "
          + ", ".join(f"{k} {caught[k]}/{tried[k]}" for k in sorted(tried)))
    print("first problem reported, by kind of edit:", {k: dict(v) for k, v in reasons.items()})
    assert not missed, missed
    assert set(tried) == set(KINDS)


def test_whitespace_edits_pass(reports):
    docs, digest, comments = reports
    rng = random.Random(SEED)
    for _ in range(40):
        key = rng.choice(sorted(docs))
        text, slotmap, _ = docs[key]
        assert slotcheck.check(edit_whitespace(rng, text), slotmap, digest, comments) == [], key
