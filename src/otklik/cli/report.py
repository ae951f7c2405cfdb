"""`otklik report` and `otklik report check`: thin click commands over `report.service`.

Both expect the CLI's context object (with `.engine` and `.home`) as `click.pass_obj` gives it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .base import EXIT_BAD_INPUT, EXIT_VERIFY_FAILED, fail


def _events(conn, case_name: str):
    """The case file's events for the digest (None when the case has none)."""
    from ..cases import get_case
    from ..casefile import list_events

    return list_events(conn, get_case(conn, case_name)["id"]) or None


def _house_style(obj, profile_file):
    """(profile, labelling policy): a profile (the configuration's [profile] table and/or
    --profile FILE) decides the labels; without one, the [style] table does, as before."""
    from ..labelling import Policy
    from ..report.profile import load_profile

    table = obj.config.section("profile")
    profile = load_profile(table, profile_file) if (table or profile_file) else None
    return profile, (profile.policy() if profile else Policy.from_dict(obj.config.section("style")))


@click.group("report", invoke_without_command=True)
@click.option("--case", "case_name", help="The case to report on.")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="ru", show_default=True, help="Report language.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "json"]), default="md", show_default=True,
              help="md, self-contained html, docx, or json (the digest plus the structured report).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write. Default: report.LANG.FORMAT in the current folder.")
@click.option("--translator", default=None,
              help="Engine that translates quotes: none, argos, ctranslate2, libretranslate, deepl, openai. Its "
                   "options (url, model, key variable) come from [translators.NAME] in the configuration; "
                   "default: translator.engine there, else none.")
@click.option("--pseudonymise", is_flag=True, help="Attribute quotes to workspace pseudonyms instead of user names.")
@click.option("--copy", "copy", type=click.Choice(["annotated", "publication", "both"]), default="annotated",
              show_default=True,
              help="Markdown: 'publication' (clean text, no [#N] store ids), 'annotated' (quotes with their [#N] and an "
                   "appendix giving every figure's and quote's source), or both (the annotated one as "
                   "NAME.annotated.md). Each file gets its slot map beside it (FILE.slots.json).")
@click.option("--profile", "profile_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="House-style profile (TOML) on top of the configuration's [profile] table.")
@click.pass_context
def report(ctx, case_name, lang, fmt, output, translator, pseudonymise, copy, profile_file):
    """Write a verified reaction report for a case.

    Every quote is checked against the stored comment and every number against the digest
    before anything is written; if any check fails, nothing is written, the failures are
    listed and the exit code is 3.

    \b
    Examples:
      otklik report --case demo --lang ru -o report.ru.md
      otklik report --case demo --lang en --format html --translator argos -o report.html
      otklik report --case demo --copy both --profile outlet.toml -o report.ru.md
      otklik report check --case demo report.ru.md
    """
    if ctx.invoked_subcommand is not None:
        return
    if not case_name:
        fail("--case is required, e.g. otklik report --case demo --lang ru", EXIT_BAD_INPUT)
    from ..cases import CaseError
    from ..export import Pseudonymiser
    from ..translate import TranslationError, translator_from_config
    from ..report.service import ReportRejected, write_report

    obj = ctx.obj
    out = output or Path(f"report.{lang}.{fmt}")
    if copy != "annotated" and fmt != "md":
        fail(f"--copy {copy} is for Markdown; html and docx keep their [#N] references", EXIT_BAD_INPUT)
    copies = [("publication", out), ("annotated", out.with_name(f"{out.stem}.annotated{out.suffix}"))] \
        if copy == "both" else [(copy, out)]
    try:
        engine = translator_from_config(obj.config.translator_options(translator or obj.config.get("translator.engine")))
        profile, policy = _house_style(obj, profile_file)
        logging.getLogger("otklik.report").info("quotes translated by %s%s", engine.name,
                                                 f" at {engine.endpoint}" if engine.endpoint else "")
    except (TranslationError, ValueError) as e:
        fail(f"configuration: {e}", EXIT_BAD_INPUT)
    for _, path in copies:
        if path.exists() and not path.is_file():  # the report is renamed into place: never over a device
            fail(f"{path} is not a regular file; write the report to a file", EXIT_BAD_INPUT)
    obj.unchanged = f"the store was not changed and no report was written to {out}"
    written: list[dict] = []
    try:
        with obj.engine.begin() as conn:
            for kind, path in copies:
                written.append(write_report(conn, case_name, lang, fmt, path, translator_name=engine, policy=policy,
                                            events=_events(conn, case_name), profile=profile, copy=kind,
                                            pseudonymiser=Pseudonymiser(obj.home) if pseudonymise else None))
    except ReportRejected as e:
        click.echo(f"report NOT written: {len(e.problems)} problem(s):", err=True)
        for p in e.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(EXIT_VERIFY_FAILED)
    except (CaseError, TranslationError, ValueError) as e:  # ValueError: not analysed (yet)
        fail(str(e), EXIT_BAD_INPUT)
    except BaseException:
        for res in written:  # their custody entries were not committed (a full disk): they must not stay
            Path(res["path"]).unlink(missing_ok=True)
            if res["slots"]:
                Path(res["slots"]).unlink(missing_ok=True)
        raise
    for res in written:
        kind = f", {res['copy']} copy" if res["format"] == "md" else ""
        click.echo(f"wrote {res['path']} ({res['format']}, {res['lang']}{kind}, {res['quotes']} quotes "
                   f"verified, sha256 {res['sha256'][:16]}" + (f"; slot map {res['slots']})" if res["slots"] else ")"))


@report.command("check")
@click.option("--case", "case_name", required=True, help="The case the report is about.")
@click.option("--slots", "slots_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The report's slot map. Default: FILE.slots.json beside the report, when it is there.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def check(obj, case_name, file, slots_file):
    """Re-verify a Markdown report edited by hand: list every quote or number that no longer
    matches the data (exit code 3), or confirm that all still do.

    With the report's slot map (written beside it by `otklik report`), every figure, date, name,
    stance word and quote is checked in its place: a figure changed to another figure of the
    data, a quote attributed to another author or moved under another heading is reported with
    what it should be. Without one, quotes are recognised by the `[#N]` comment reference right
    after their closing quotation mark (keep it when editing a quote) and numbers are checked
    against the data's figures only.

    \b
    Example:
      otklik report check --case demo report.ru.md
    """
    from ..cases import CaseError
    from ..report.service import SlotsError, check_report

    try:
        with obj.engine.connect() as conn:
            problems = check_report(conn, case_name, file, events=_events(conn, case_name), slots_file=slots_file)
    except (CaseError, SlotsError) as e:
        fail(str(e), EXIT_BAD_INPUT)
    if problems:
        click.echo(f"{file}: {len(problems)} problem(s):")
        for p in problems:
            click.echo(f"  {p}")
        sys.exit(EXIT_VERIFY_FAILED)
    click.echo(f"{file}: every quote and number matches the data")


@report.command("refresh")
@click.option("--case", "case_name", required=True, help="The case the report is about.")
@click.option("--translator", default=None, help="Engine for the quotes, as for `otklik report` (default: the configuration's).")
@click.option("--profile", "profile_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="House-style profile (TOML), as for `otklik report`.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def refresh(obj, case_name, translator, profile_file, file):
    """Bring a Markdown report edited by hand up to the current data after a re-analysis.

    Needs the slot map written beside the report (FILE.slots.json). Sentences you did not edit
    take the new figures; sentences you edited stay as you wrote them, and those whose figures
    changed are listed (exit code 3) for you to look at again. FILE and its slot map are replaced.

    \b
    Example:
      otklik report refresh --case demo report.ru.md
    """
    from ..cases import CaseError
    from ..translate import TranslationError, translator_from_config
    from ..report.service import ReportRejected, SlotsError, refresh_report

    try:
        engine = translator_from_config(obj.config.translator_options(translator or obj.config.get("translator.engine")))
        profile, policy = _house_style(obj, profile_file)
        with obj.engine.begin() as conn:
            res = refresh_report(conn, case_name, file, translator=engine, policy=policy, profile=profile,
                                 events=_events(conn, case_name))
    except ReportRejected as e:
        click.echo(f"{file}: not refreshed, the new report fails verification: {len(e.problems)} problem(s)", err=True)
        sys.exit(EXIT_VERIFY_FAILED)
    except (CaseError, SlotsError, TranslationError, ValueError) as e:
        fail(str(e), EXIT_BAD_INPUT)
    if not res["changed"]:
        click.echo(f"{file}: the data has not changed since this report was generated")
        return
    if res["flagged"]:
        click.echo(f"{file}: refreshed; {len(res['flagged'])} edited sentence(s) to look at again:")
        for line, _, why in res["flagged"]:
            click.echo(f"  line {line}: {why}")
        sys.exit(EXIT_VERIFY_FAILED)
    click.echo(f"{file}: refreshed to the current data; your edits are kept")
