"""Every element of the example article (../shared/examples/000_…txt) is in the demo's rendered
report, in Russian and in English, and its figures are right against the demo's truth file.

The elements, in the example's order:
 1. headline naming the subject;
 2. lead: what most commenters said, with their main demand and main fear;
 3. news peg: what the post said (its own words), on which page of which platform;
 4. the page's followers and the post's comment count at a Moscow clock time, the date said once;
 5. the post's link;
 6. the platform breakdown (comments per platform, posts, since when);
 7. quotes with attribution («— написал пользователь X» / "wrote X"), each marked by side, both
    sides quoted; a quote from an older post says when it was written;
 8. proposals: the countries, declined («в Германию»), with the number of people, and a stated reason;
 9. designation labels: Instagram* at every mention with its footnote (ru), the inline wording (en);
10. the case background with dates;
11. the translation note (no engine in the demo: the English report says so in its first lines);
12. the romanisation used (en);
13. stance shares: the truth's share of comments lies within each stated interval.
"""

import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

TRUTH = Path(__file__).parents[2] / "src" / "otklik" / "demo" / "data" / "truth.json"
MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря")


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    """The demo as `otklik demo` (make demo) writes it: import, analyse, reports."""
    from otklik.demo.run import run_demo
    from otklik.store import open_store

    home = tmp_path_factory.mktemp("demo-report")
    engine = open_store(home)
    run_demo(engine, home)
    engine.dispose()
    data = json.loads((home / "report.json").read_text(encoding="utf-8"))
    return {"ru": (home / "report.ru.md").read_text(encoding="utf-8").replace("\u00a0", " "),
            "en": (home / "report.en.md").read_text(encoding="utf-8").replace("\u00a0", " "),
            "digest": data["digest"], "report": data["report"]}


@pytest.fixture(scope="module")
def truth():
    return json.loads(TRUTH.read_text(encoding="utf-8"))


def body(md):
    return md.rsplit("\n---\n", 1)[0]


def test_headline_lead_demand_and_fear(demo_out):
    ru, en = demo_out["ru"].split("\n"), demo_out["en"].split("\n")
    assert ru[0].startswith("# ") and "Ильяса Мударова" in ru[0]
    assert en[0].startswith("# ") and "Ilyas Mudarov" in en[0]
    assert re.match(r"\*\*.*комментатор.*Главное требование — «[^»]+».*главное опасение — «[^»]+»", ru[2])
    assert re.match(r"\*\*.*commenters.*Their main demand: “[^”]+”.*their main fear: “[^”]+”", en[2])


def test_news_peg_page_followers_count_at_moscow_time_and_link(demo_out, truth):
    ig = truth["instagram"]
    at = datetime.fromisoformat(truth["captured_at"].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Moscow"))
    post = next(p for p in demo_out["digest"]["posts"] if p["platform"] == "instagram")
    peg_ru = re.search(r"Поводом для обсуждения стала публикация «([^»]+)» на странице (\S+) в Instagram\\\*", demo_out["ru"])
    assert peg_ru and peg_ru.group(1) in post["text"] and peg_ru.group(2) == "ilyas_mudarov_svoboda"
    assert f"У страницы {ig['followers']} подписчик" in demo_out["ru"]
    clock = f"{at.hour:02d}:{at.minute:02d}"
    assert (f"публикация к {clock} по московскому времени {at.day} {MONTHS_RU[at.month - 1]} {at.year} года "
            f"собрала {ig['comment_count_observed']} комментариев") in demo_out["ru"]
    lead_ru = demo_out["ru"].split("\n## ")[0]
    assert lead_ru.count(f"{at.day} {MONTHS_RU[at.month - 1]}") == 1  # the post's day is the count's: said once
    link = f"https://www.instagram.com/p/{ig['post']}/"
    assert f"Ссылка на публикацию: {link}" in demo_out["ru"] and f"Link to the post: {link}" in demo_out["en"]
    assert f"saying “{peg_ru.group(1)}” (in Russian)" in demo_out["en"]
    assert f"The page had {ig['followers']} followers; by {clock} Moscow time" in demo_out["en"]
    assert f"the post had garnered {ig['comment_count_observed']} comments" in demo_out["en"]


def test_platform_breakdown(demo_out, truth):
    ig, tg = truth["instagram"]["summary"]["comments"], truth["telegram"]["summary"]["comments"]
    n_tg_posts = len({c["post"] for c in truth["telegram"]["comments"].values()})
    words = {1: "одной", 2: "двумя", 3: "тремя", 4: "четырьмя", 5: "пятью"}
    assert f"Всего в анализ вошли {ig + tg} комментариев" in demo_out["ru"]
    assert (f"в Instagram\\* — {ig} под одной публикацией, в Telegram — {tg} под {words[n_tg_posts]} "
            f"публикациями с марта") in demo_out["ru"]
    assert f"{ig} on Instagram under one post and {tg} on Telegram under" in demo_out["en"]


def test_quotes_with_attribution_by_side_and_older_ones_dated(demo_out):
    quotes = [b for b in demo_out["report"]["blocks"] if b["type"] == "quote"]
    assert len(quotes) >= 10
    assert {q["side"] for q in quotes} >= {"supportive", "hostile"}
    assert all(q["side"] in ("supportive", "hostile", "neutral", None) for q in quotes)
    assert all((q["side"] is None) == (q["side_source"] is None) for q in quotes)  # a side says who set it
    plain = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", demo_out["ru"])  # Markdown escapes undone
    for q in quotes:
        end = "" if q["attribution"].endswith(".") else "."
        assert f"[#{q['comment_id']}], — {q['attribution']}{end}".replace("\u00a0", " ") in plain
    assert len(re.findall(r"» \[#\d+\], — написал пользователь \S+", demo_out["ru"])) >= 10
    assert len(re.findall(r"” \[#\d+\], wrote \S+", demo_out["en"])) >= 10
    assert "Высказывались и против Мударова:" in demo_out["ru"] and "Others spoke out against Mudarov:" in demo_out["en"]
    post_at = datetime.fromisoformat(next(p for p in demo_out["digest"]["posts"]
                                          if p["platform"] == "instagram")["published_at"].replace("Z", "+00:00"))
    older = [q for q in quotes if (post_at - datetime.fromisoformat(q["published_at"].replace("Z", "+00:00"))).days >= 2]
    assert older, "the demo quotes an older Telegram comment"
    for q in older:
        assert re.search(r"в Telegram \d+\s(" + "|".join(MONTHS_RU) + ")", q["attribution"]), q["attribution"]


def test_proposals_with_declined_countries_people_and_reason(demo_out, truth):
    people = defaultdict(set)
    for platform in ("instagram", "telegram"):
        for c in truth[platform]["comments"].values():
            for country in c["proposals"]:
                people[country].add(c["author"])
    ru_names = {"Germany": "Германию", "Turkey": "Турцию", "Europe": "Европу", "France": "Францию", "Poland": "Польшу"}
    section = demo_out["ru"].split("## Что предлагали")[1].split("## ")[0]
    assert "Комментаторы предлагали отправить Мударова во " in section or "Комментаторы предлагали отправить Мударова в " in section
    for country, who in people.items():
        assert re.search(rf"{ru_names[country]} \({len(who)}( человек)?\)", section), country
    assert "Причину назвали" in section and re.search(r"» \[#\d+\], — написал", section)
    en = demo_out["en"].split("## What commenters proposed")[1]
    assert "Commenters proposed sending Mudarov to" in en and "Germany (9 people)" in en
    assert re.search(r"said why|Reasons were given by \d+ users", en)


def test_designation_labels_background_notes(demo_out):
    ru_body, ru_notes = demo_out["ru"].rsplit("\n---\n", 1)
    assert ru_body.count("Instagram") == ru_body.count("Instagram\\*") >= 3  # every mention, as the example
    assert "\\*Принадлежит компании Meta" in ru_notes
    en_body, en_notes = demo_out["en"].rsplit("\n---\n", 1)
    assert en_body.count("owned by Meta, recognized as extremist and banned in Russia") == 1
    for md, heading, date in ((ru_body, "## Предыстория", r"\*\*\d+ \w+ \d{4} года\.\*\*"),
                              (en_body, "## Background", r"\*\*[A-Z][a-z]+ \d+, \d{4}\.\*\*")):
        section = md.split(heading)[1].split("\n## ")[0]
        assert len(re.findall(date, section)) >= 5
    first_lines = "\n".join(demo_out["en"].split("\n")[:6])
    assert "No machine translation engine is configured" in first_lines
    assert "Цитаты приводятся на языке оригинала" in ru_notes.split("\n\n")[1] or "Цитаты приводятся" in ru_notes
    assert "BGN/PCGN" in en_notes
    assert not re.search(r"[А-Яа-яЁё]", en_notes.split("Sources:")[1])  # page titles romanised


def test_stance_shares_hold_the_truth_within_their_stated_interval(demo_out, truth):
    n = defaultdict(int)
    for platform in ("instagram", "telegram"):
        for k, v in truth[platform]["summary"]["stance"].items():
            n[k] += v
    total = sum(n.values())
    rows = {"1": r"им принадлежит около \d+% \((\d+)–(\d+)%\) из \d+ комментариев",
            "-1": r"Против Ильяса Мударова высказались .*?им принадлежит около \d+% \((\d+)–(\d+)%\)",
            "0": r"Нейтрально высказались .*?им принадлежит около \d+% \((\d+)–(\d+)%\)",
            "null": r"Не о деле писали .*?им принадлежит около \d+% \((\d+)–(\d+)%\)"}
    for label, pattern in rows.items():
        m = re.search(pattern, demo_out["ru"])
        assert m, label
        low, high = int(m.group(1)), int(m.group(2))
        assert low <= 100 * n[label] / total <= high, (label, n[label] / total, low, high)


def test_the_text_reads_as_written(demo_out):
    from otklik.report.grammar import starts_with_digit

    for lang in ("ru", "en"):
        paras = [p for p in body(demo_out[lang]).split("\n\n") if p and not p.startswith(("«", "“", "- ", "#"))]
        for p in paras:
            assert not starts_with_digit(p.strip("*")), p
        firsts = [re.split(r"\W+", s.strip("* "), maxsplit=1)[0] for p in paras
                  for s in re.split(r"(?<=[.!?:])\s+(?=[A-ZА-ЯЁ])", p)]
        for i in range(len(firsts) - 2):
            assert not firsts[i] == firsts[i + 1] == firsts[i + 2], (lang, firsts[i:i + 3])
    assert not re.search(r"\b(analysed|favouring|defence|recognised|organisation)\b", demo_out["en"])


# ------------------------------------------------------------------ the gazdiev development case

GAZDIEV = Path(__file__).parents[3] / "shared" / "data" / "cases" / "gazdiev"  # ../shared from the repository root


@pytest.fixture(scope="module")
def gazdiev(tmp_path_factory):
    """gazdiev imported and analysed with `otklik eval case`'s loader, its reports written by the service."""
    from otklik.analysis.pipeline import analyze_case
    from otklik.casefile import list_events, load_events
    from otklik.cases import create_case, get_case
    from otklik.evaluation.case_gold import load_case_dir
    from otklik.ingest import import_files
    from otklik.report.service import write_report
    from otklik.store import open_store

    gold = load_case_dir(GAZDIEV)
    home = tmp_path_factory.mktemp("gazdiev")
    engine = open_store(home)
    with engine.begin() as conn:
        create_case(conn, gold.name, gold.subject, gold.aliases, gold.tz, gold.langs)
    import_files(engine, gold.name, gold.files, captured_at=gold.captured_at)
    load_events(engine, gold.name, gold.events)
    analyze_case(engine, gold.name, {"stance": {"backend": "default"}})
    out = {"gold": json.loads((GAZDIEV / "gold.json").read_text(encoding="utf-8"))}
    for lang in ("ru", "en"):
        with engine.begin() as conn:
            events = list_events(conn, get_case(conn, gold.name)["id"]) or None
            write_report(conn, gold.name, lang, "md", home / f"report.{lang}.md", events=events)
        out[lang] = (home / f"report.{lang}.md").read_text(encoding="utf-8").replace("\u00a0", " ")
    engine.dispose()
    return out


def test_gazdiev_report_has_the_example_elements(gazdiev):
    ru, en, gold = gazdiev["ru"], gazdiev["en"], gazdiev["gold"]["summary"]
    first = gold["posts"][0]
    assert ru.startswith("# ") and "Адама Газдиева" in ru.split("\n")[0]
    assert en.startswith("# ") and "Adam Gazdiev" in en.split("\n")[0]  # the case's own Latin spelling
    peg = re.search(r"Поводом для обсуждения стала публикация «([^»]+)» на странице «([^»]+)» в Telegram", ru)
    assert peg and peg.group(2) == gold["channel"]["title"]
    snap = gold["snapshot"]["moscow"]
    assert (f"к {gold['snapshot']['moscow_hhmm']} по московскому времени {int(snap[8:10])} "
            f"{MONTHS_RU[int(snap[5:7]) - 1]} {snap[:4]} года собрала {first['comments']} комментариев") in ru
    assert f"от {gold['totals']['authors']} пользователей" in ru
    assert re.search(r"все в Telegram, под \w+ публикациями", ru)  # one platform: its posts are counted
    quotes = re.findall(r"» \[#\d+\], — написал(?: в \w+)? пользователь .+", ru)
    assert len(quotes) >= 10 and "Высказывались и против Газдиева:" in ru and "Другие поддержали Газдиева:" in ru
    assert re.search(r"Комментаторы предлагали отправить Газдиева во? [А-Я]\w+[ую] \(\d+ человека?\)", ru)
    assert re.search(r"\*\*\d+ \w+ \d{4} года\.\*\*", ru.split("## Предыстория")[1])
    assert "No machine translation engine is configured" in "\n".join(en.split("\n")[:6])
    assert "BGN/PCGN" in en.rsplit("\n---\n", 1)[1]


def test_gazdiev_stance_shares_hold_the_gold_within_their_interval(gazdiev):
    shares = gazdiev["gold"]["summary"]["stance"]["by_comments"]["shares_of_all"]
    rows = {"+1": r"им принадлежит около \d+% \((\d+)–(\d+)%\) из \d+ комментари",
            "-1": r"Против Адама Газдиева высказались .*?им принадлежит около \d+% \((\d+)–(\d+)%\)",
            "0": r"Нейтрально высказались .*?им принадлежит около \d+% \((\d+)–(\d+)%\)",
            "null": r"Не о деле писали .*?им принадлежит около \d+% \((\d+)–(\d+)%\)"}
    for label, pattern in rows.items():
        m = re.search(pattern, gazdiev["ru"])
        assert m, label
        assert int(m.group(1)) <= 100 * shares[label] <= int(m.group(2)), (label, shares[label], m.groups())
