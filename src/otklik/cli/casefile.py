"""CLI for the case file: `otklik event add|list|extract|remove` and `otklik case timeline`.

Thin click commands over `otklik.casefile`; they expect the CLI's context object (with an
`.engine` property) as click's obj (`cli.base.Ctx`); registered in `cli/__init__.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import click

from ..casefile import (CaseFileError, accept_proposals, add_event, case_today, extract_events, format_date,
                       guess_lang, list_events, parse_date, parse_selection, proposals_json, remove_event)
from ..cases import CaseError, get_case
from .base import EXIT_BAD_INPUT, fail

def _when(days_left: int) -> str:
    if days_left == 0:
        return "today"
    if days_left == 1:
        return "tomorrow"
    return f"in {days_left} days"


def print_timeline(events: list[dict]) -> None:
    """One line per event, oldest first; an upcoming deadline says how many days are left."""
    if not events:
        click.echo("no events yet (add one with `otklik event add` or `otklik event extract`)")
        return
    for e in events:
        d = format_date(e["date"], e["precision"])
        if e["deadline"]:
            flag = f"DEADLINE {_when(e['days_left'])}" if e["upcoming"] else "deadline (passed)"
        else:
            flag = ""
        texts = [t for t in (e["text_ru"], e["text_en"]) if t]
        click.echo(f"{e['id']:>4}  {d:<10}  {flag}{'  ' if flag else ''}{texts[0]}")
        for t in texts[1:]:
            click.echo(f"{'':>4}  {'':<10}  {t}")
        if e["source_url"]:
            click.echo(f"{'':>4}  {'':<10}  source: {e['source_url']}")


def _timeline(obj, case_name: str, as_json: bool) -> None:
    try:
        with obj.engine.connect() as conn:
            case = get_case(conn, case_name)
            events = list_events(conn, case["id"])
    except CaseError as e:
        fail(str(e))
    if as_json:
        click.echo(json.dumps(events, ensure_ascii=False, indent=2))
    else:
        print_timeline(events)


@click.group("event")
def event():
    """The case file: dated events and deadlines shown beside the reaction.

    \b
    Examples:
      otklik event add --case movlaev --date 2024-05-21 --text "Мовлаеву выдали справку лица, ищущего убежище"
      otklik event add --case movlaev --date 2024-08-19 --deadline --text "Истекает срок рассмотрения ходатайства"
      otklik event extract --case movlaev article.txt
      otklik event list --case movlaev
    """


@event.command("add")
@click.option("--case", "case_name", required=True)
@click.option("--date", "date_", required=True,
              help="YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known.")
@click.option("--text", "text_ru", help="What happened, in Russian.")
@click.option("--text-en", "text_en", help="What happened, in English.")
@click.option("--deadline", is_flag=True, help="A deadline: flagged with the days left while it is upcoming.")
@click.option("--source", "source_url", help="Link to where the fact is reported.")
@click.pass_obj
def event_add(obj, case_name, date_, text_ru, text_en, deadline, source_url):
    """Add an event to a case's file (recorded in the custody log)."""
    try:
        e = add_event(obj.engine, case_name, date_, text_ru, text_en, deadline=deadline, source_url=source_url)
    except CaseFileError as err:
        fail(str(err), EXIT_BAD_INPUT)
    except CaseError as err:
        fail(str(err))
    what = "deadline" if e["deadline"] else "event"
    if e["duplicate"]:
        click.echo(f"already in the case file: {what} {e['id']} on {format_date(e['date'], e['precision'])}")
    else:
        click.echo(f"added {what} {e['id']} on {format_date(e['date'], e['precision'])}")


@click.command("timeline")
@click.option("--case", "case_name", required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON (the digest's form).")
@click.pass_obj
def timeline_cmd(obj, case_name, as_json):
    """A case's events, oldest first; upcoming deadlines show the days left (= `event list`)."""
    _timeline(obj, case_name, as_json)


event.add_command(timeline_cmd, name="list")  # `otklik event list` is `otklik case timeline`


@event.command("remove")
@click.option("--case", "case_name", required=True)
@click.argument("event_id", type=int)
@click.pass_obj
def event_remove(obj, case_name, event_id):
    """Remove a wrongly added event (the custody log keeps a record of it)."""
    try:
        e = remove_event(obj.engine, case_name, event_id)
    except CaseError as err:
        fail(str(err))
    click.echo(f"removed event {e['id']} on {format_date(e['date'], e['precision'])}")


@event.command("extract")
@click.option("--case", "case_name", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["ru", "en"]), help="Language of the text (default: guessed).")
@click.option("--accept", "accept", metavar="N,M|all",
              help="Store these proposals, by number as printed (1,3 or 2-4 or all).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="The article's date: yearless dates are resolved against it (default: today in the case's "
                   "time zone). Use the same value when accepting as when listing.")
@click.option("--source", "source_url", help="Link stored with accepted events (default: the text's only URL, if any).")
@click.option("--deadlines", metavar="N,M|none",
              help="With --accept: which of them are deadlines (default: those marked 'deadline?').")
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON.")
@click.pass_obj
def event_extract(obj, case_name, file, lang, accept, as_of, source_url, deadlines, as_json):
    """Propose dated events from a Russian or English news text, for the editor to accept.

    Prints numbered proposals: the date (as precisely as the text gives it), whether it looks
    like a deadline, where a missing year came from, and the sentence. Nothing is stored until
    you run the same command with --accept.

    \b
    Examples:
      otklik event extract --case movlaev article.txt
      otklik event extract --case movlaev article.txt --accept 1,3
      otklik event extract --case movlaev article.txt --accept 1,3 --deadlines 3
    """
    text_ = file.read_text(encoding="utf-8")
    lang = lang or guess_lang(text_)
    try:
        with obj.engine.connect() as conn:
            case = get_case(conn, case_name)
            today = parse_date(as_of)[0] if as_of else case_today(conn, case["id"])
        props = extract_events(text_, lang, today)
        which = parse_selection(accept, len(props)) if accept else []
        if deadlines is not None:
            marked = set() if deadlines.strip().lower() == "none" else set(parse_selection(deadlines, len(props)))
            props = [replace(p, deadline_guess=i in marked) for i, p in enumerate(props, 1)]
    except CaseFileError as err:
        fail(str(err), EXIT_BAD_INPUT)
    except CaseError as err:
        fail(str(err))
    if source_url is None:
        urls = set(re.findall(r"https?://[^\s\"'»<>)]+", text_))
        source_url = urls.pop().rstrip(".,;") if len(urls) == 1 else None
    if as_json and not which:
        click.echo(json.dumps(proposals_json(props), ensure_ascii=False, indent=2))
        return
    if which:
        stored = accept_proposals(obj.engine, case_name, props, which, lang, source_url)
        if as_json:
            click.echo(json.dumps(stored, ensure_ascii=False, indent=2))
            return
        for n, e in zip(which, stored):
            state = "already in the case file as" if e["duplicate"] else "stored as"
            click.echo(f"{n}: {state} {'deadline' if e['deadline'] else 'event'} {e['id']} "
                       f"on {format_date(e['date'], e['precision'])}")
        return
    if not props:
        click.echo(f"no dates found in {file} ({lang})")
        return
    click.echo(f"{len(props)} proposed event(s) from {file} ({lang}; yearless dates resolved against {today}):")
    basis = {"sentence": "year from the sentence", "paragraph": "year from the paragraph",
             "before-today": "year assumed: latest before the as-of date",
             "after-today": "year assumed: next after the as-of date"}
    for p in proposals_json(props):
        notes = [f"«{p['match']}»", "deadline?" if p["deadline_guess"] else "", basis.get(p["year_basis"], "")]
        click.echo(f"{p['n']:>3}. {p['date']:<10}  " + "; ".join(n for n in notes if n))
        click.echo(f"     {p['sentence']}")
    click.echo(f"accept with: otklik event extract --case {case_name} {file} --accept 1,2,… (or all)"
               + (f" --as-of {as_of}" if as_of else ""))
