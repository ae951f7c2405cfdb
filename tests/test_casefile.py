"""The case file: events and deadlines, and dates proposed from news texts.

The English text is the project's example article; the Russian paragraph is written for these
tests. `today` is fixed so the year rule for yearless dates is deterministic."""

import json
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from otklik.store import custody
from otklik.casefile import (CaseFileError, add_event, extract_events, list_events, load_events, parse_date,
                             sentences)
from otklik.cli.casefile import event, timeline_cmd
from otklik.cases import create_case, get_case
from otklik.demo.run import load_case
from otklik.store import open_store

# the project's example article lives beside the repository, in shared/examples
EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "examples" / "000_1a3aa9f525ac2149.txt"

RU = ("Уроженец Чечни Ислам Тагиев задержан в Казахстане в мае. 21 мая ему выдали справку лица, ищущего "
      "убежище. Срок рассмотрения ходатайства истекает 19 августа, сообщил адвокат. Защита просит не выдавать "
      "его до 1 сентября.\n"
      "В 2020 году Тагиева осудили в России на два года. В августе 2023 г. его задержали в Бишкеке. "
      "4 октября суд приговорил его к шести месяцам. 21 мая 2024 года его освободили, а 3 июня 2024 года он "
      "уехал. В октябре 2024 года он сообщил о похищении родственников. Т. Тагиев, брат, подтвердил это.")

TODAY = date(2025, 7, 1)


def found(props):
    return {(p.date.isoformat(), p.precision, p.deadline_guess) for p in props}


# ------------------------------------------------------------------ extraction

@pytest.mark.skipif(not EXAMPLE.exists(), reason="shared/examples is not beside this checkout")
def test_example_article_yields_the_case_background():
    text = EXAMPLE.read_text(encoding="utf-8")
    props = extract_events(text, "en", TODAY)
    assert found(props) >= {
        ("2025-05-01", "month", False),   # In May, ... detained
        ("2025-05-21", "day", False),     # On May 21, ... asylum seeker status
        ("2025-08-19", "day", True),      # the deadline ... expires on August 19
        ("2020-01-01", "year", False),    # In 2020, ... sentenced
        ("2023-01-01", "month", False),   # in January 2023
        ("2023-08-01", "month", False),   # In August 2023
        ("2023-10-04", "day", False),     # On October 4, 2023
        ("2024-10-01", "month", False),   # In October 2024
    }
    for p in props:
        assert text[p.start:p.end] == p.sentence
        assert p.match in p.sentence
    by_date = {p.date.isoformat(): p for p in props}
    assert by_date["2025-05-21"].sentence == "On May 21, Movlaev was granted asylum seeker status."
    assert by_date["2025-08-19"].sentence.startswith("The deadline for reviewing")
    # the 10:20 PM time, "205 comments", "40 days" are not dates
    assert all(p.date.year >= 2020 for p in props) and len(props) == 9


def test_russian_forms_deadlines_and_context_years():
    props = extract_events(RU, "ru", TODAY)
    assert found(props) == {
        ("2025-05-01", "month", False),  # в мае: latest May on or before today
        ("2025-05-21", "day", False),    # 21 мая
        ("2025-08-19", "day", True),     # срок истекает 19 августа
        ("2025-09-01", "day", True),     # до 1 сентября
        ("2020-01-01", "year", False),   # в 2020 году
        ("2023-08-01", "month", False),  # в августе 2023 г.
        ("2023-10-04", "day", False),    # 4 октября: year from the paragraph (August 2023)
        ("2024-05-21", "day", False),    # 21 мая 2024 года
        ("2024-06-03", "day", False),
        ("2024-10-01", "month", False),  # в октябре 2024 года
    }
    basis = {p.date.isoformat(): p.year_basis for p in props}
    assert basis["2023-10-04"] == "paragraph" and basis["2025-08-19"] == "after-today"
    assert basis["2025-05-21"] == "before-today" and basis["2024-10-01"] == "explicit"
    for p in props:
        assert RU[p.start:p.end] == p.sentence
    oct4 = next(p for p in props if p.date == date(2023, 10, 4))
    assert oct4.sentence == "4 октября суд приговорил его к шести месяцам."


def test_yearless_dates_follow_today_in_opposite_directions():
    text = "On May 21, he was granted asylum seeker status. The deadline expires on August 19."
    early = {p.match: p.date for p in extract_events(text, "en", date(2025, 3, 1))}
    late = {p.match: p.date for p in extract_events(text, "en", date(2025, 9, 1))}
    assert early == {"May 21": date(2024, 5, 21), "August 19": date(2025, 8, 19)}
    assert late == {"May 21": date(2025, 5, 21), "August 19": date(2026, 8, 19)}
    # a year later in the same sentence wins over both rules
    [a, b] = extract_events("He was detained on May 21 and released on June 4, 2021.", "en", TODAY)
    assert (a.date, a.year_basis, b.date) == (date(2021, 5, 21), "sentence", date(2021, 6, 4))


def test_words_that_only_look_like_dates_are_not_proposed():
    text = ("He may appeal. By 10:20 PM the post had 205 comments. The court held him for 40 days. "
            "Май — хороший месяц, сказал он. В 40 км от Грозного.")
    assert extract_events(text, "en", TODAY) == []
    assert extract_events(text, "ru", TODAY) == []
    assert [p.date for p in extract_events("Срок истекает 31 июня.", "ru", TODAY)] == []  # no such day


def test_sentences_keep_initials_and_abbreviations():
    text = "Т. Тагиев задержан в г. Алматы. Это было в 2023 г. Потом U.S. officials said so."
    assert [text[s:e] for s, e in sentences(text)] == [
        "Т. Тагиев задержан в г. Алматы.", "Это было в 2023 г.", "Потом U.S. officials said so."]


# ------------------------------------------------------------------ store

@pytest.fixture
def engine(tmp_path):
    engine = open_store(tmp_path)
    with engine.begin() as conn:
        create_case(conn, "movlaev", "Мансур Мовлаев", tz="Asia/Almaty")
    return engine


def test_events_are_listed_in_order_with_deadlines_flagged_and_logged(engine):
    add_event(engine, "movlaev", "2025-08-19", "Истекает срок рассмотрения ходатайства", deadline=True,
              source_url="https://example.invalid/a")
    add_event(engine, "movlaev", "2020", text_en="Sentenced to two years")
    add_event(engine, "movlaev", "2025-05", "Задержан в Казахстане", "Detained in Kazakhstan")
    add_event(engine, "movlaev", "2025-06-30", "Прошлый срок", deadline=True)
    with engine.connect() as conn:
        cid = get_case(conn, "movlaev")["id"]
        evs = list_events(conn, cid, today=TODAY)
        log = conn.execute(custody.log.select().where(custody.log.c.action == "event-add")).mappings().all()
        assert custody.verify_chain(conn) == []
    assert [(e["date"], e["precision"]) for e in evs] == [
        ("2020-01-01", "year"), ("2025-05-01", "month"), ("2025-06-30", "day"), ("2025-08-19", "day")]
    assert [(e["upcoming"], e["days_left"]) for e in evs] == [(False, None), (False, None), (False, -1), (True, 49)]
    assert evs[3]["source_url"] == "https://example.invalid/a" and evs[1]["text_en"] == "Detained in Kazakhstan"
    assert len(log) == 4 and all(r["case_id"] == cid for r in log)
    assert json.loads(log[0]["details"])["date"] == "2025-08-19"
    # the same event again changes nothing
    again = add_event(engine, "movlaev", "2020", text_en="Sentenced to two years")
    assert again["duplicate"]
    with engine.connect() as conn:
        assert len(list_events(conn, cid, today=TODAY)) == 4


@pytest.mark.parametrize("bad", ["2024-13-01", "21.05.2024", "", "2024-02-30"])
def test_bad_dates_are_refused(engine, bad):
    with pytest.raises(CaseFileError):
        add_event(engine, "movlaev", bad, "текст")


def test_an_event_needs_a_text(engine):
    with pytest.raises(CaseFileError):
        add_event(engine, "movlaev", "2024-05-21", "  ")


def test_demo_case_file_loads_once(tmp_path):
    from otklik.demo.run import setup_demo

    engine = open_store(tmp_path)
    setup_demo(engine)  # loads the demo's events
    spec = load_case()["events"]
    assert load_events(engine, "demo", spec) == 0
    setup_demo(engine)  # a second demo run adds nothing
    today = date(2026, 11, 26)
    with engine.connect() as conn:
        evs = list_events(conn, get_case(conn, "demo")["id"], today=today)
    assert [(e["date"], e["text_ru"], e["text_en"], e["deadline"]) for e in evs] == \
        sorted((e["date"], e["text_ru"], e["text_en"], e["deadline"]) for e in spec)
    # what build_digest reads from each event: an ISO date and the deadline flag
    upcoming = [(e["date"], e["days_left"]) for e in evs if e["upcoming"]]
    assert upcoming == [("2026-12-08", 12), ("2026-12-18", 22)]
    assert all(date.fromisoformat(e["date"][:10]) for e in evs)


def test_parse_date_precisions():
    assert parse_date("2024-05-21") == (date(2024, 5, 21), "day")
    assert parse_date("2024-05") == (date(2024, 5, 1), "month")
    assert parse_date("2024") == (date(2024, 1, 1), "year")


# ------------------------------------------------------------------ CLI

@pytest.fixture
def cli(engine):
    class Obj:
        pass

    obj = Obj()
    obj.engine = engine
    root = click.Group("otklik", commands={"event": event, "timeline": timeline_cmd})
    runner = CliRunner()

    def run(*args, code=0):
        res = runner.invoke(root, list(map(str, args)), obj=obj, catch_exceptions=False)
        assert res.exit_code == code, res.output
        return res.output
    return run


def test_extract_then_accept_chosen_proposals(cli, engine, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(RU, encoding="utf-8")
    shown = cli("event", "extract", "--case", "movlaev", article, "--as-of", "2025-07-01")
    assert " 1. 2025-05     «мае»" in shown and " 3. 2025-08-19  «19 августа»; deadline?" in shown
    with engine.connect() as conn:
        assert list_events(conn, 1, today=TODAY) == []  # nothing stored before --accept
    out = cli("event", "extract", "--case", "movlaev", article, "--as-of", "2025-07-01", "--accept", "2,3",
              "--source", "https://example.invalid/news")
    assert "2: stored as event" in out and "3: stored as deadline" in out
    with engine.connect() as conn:
        evs = list_events(conn, 1, today=TODAY)
    assert [(e["date"], e["deadline"], e["origin"]) for e in evs] == [
        ("2025-05-21", False, "extracted"), ("2025-08-19", True, "extracted")]
    assert evs[1]["text_ru"] == "Срок рассмотрения ходатайства истекает 19 августа, сообщил адвокат."
    assert evs[0]["source_url"] == "https://example.invalid/news" and evs[0]["text_en"] is None
    cli("event", "extract", "--case", "movlaev", article, "--as-of", "2025-07-01", "--accept", "all")
    with engine.connect() as conn:
        assert len(list_events(conn, 1, today=TODAY)) == 10  # 2 and 3 not stored twice
    cli("event", "extract", "--case", "movlaev", article, "--accept", "11", code=2)


def test_add_and_timeline_flag_upcoming_deadline(cli):
    cli("event", "add", "--case", "movlaev", "--date", "2099-01-02", "--text", "Истекает срок", "--deadline")
    cli("event", "add", "--case", "movlaev", "--date", "2023-10", "--text-en", "Sentenced in Bishkek")
    out = cli("timeline", "--case", "movlaev")
    lines = out.splitlines()
    assert "2023-10" in lines[0] and "Sentenced in Bishkek" in lines[0]
    assert "2099-01-02  DEADLINE in " in lines[1] and "days  Истекает срок" in lines[1]
    data = json.loads(cli("event", "list", "--case", "movlaev", "--json"))
    assert [e["upcoming"] for e in data] == [False, True]
    cli("event", "add", "--case", "movlaev", "--date", "May 21", "--text", "x", code=2)
    cli("event", "add", "--case", "nobody", "--date", "2024", "--text", "x", code=1)
