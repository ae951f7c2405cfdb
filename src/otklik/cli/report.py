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
@click.pass_context
def report(ctx, case_name, lang, fmt, output, translator, pseudonymise):
    """Write a verified reaction report for a case.

    Every quote is checked against the stored comment and every number against the digest
    before anything is written; if any check fails, nothing is written, the failures are
    listed and the exit code is 3.

    \b
    Examples:
      otklik report --case demo --lang ru -o report.ru.md
      otklik report --case demo --lang en --format html --translator argos -o report.html
      otklik report check --case demo report.ru.md
    """
    if ctx.invoked_subcommand is not None:
        return
    if not case_name:
        fail("--case is required, e.g. otklik report --case demo --lang ru", EXIT_BAD_INPUT)
    from ..cases import CaseError
    from ..export import Pseudonymiser
    from ..labelling import Policy
    from ..translate import TranslationError, translator_from_config
    from ..report.service import ReportRejected, write_report

    obj = ctx.obj
    out = output or Path(f"report.{lang}.{fmt}")
    try:
        engine = translator_from_config(obj.config.translator_options(translator or obj.config.get("translator.engine")))
        policy = Policy.from_dict(obj.config.section("style"))
        logging.getLogger("otklik.report").info("quotes translated by %s%s", engine.name,
                                                 f" at {engine.endpoint}" if engine.endpoint else "")
    except (TranslationError, ValueError) as e:
        fail(f"configuration: {e}", EXIT_BAD_INPUT)
    if out.exists() and not out.is_file():  # the report is renamed into place: never over a device
        fail(f"{out} is not a regular file; write the report to a file", EXIT_BAD_INPUT)
    obj.unchanged = f"the store was not changed and no report was written to {out}"
    written = None
    try:
        with obj.engine.begin() as conn:
            res = write_report(conn, case_name, lang, fmt, out, translator_name=engine, policy=policy,
                               events=_events(conn, case_name),
                               pseudonymiser=Pseudonymiser(obj.home) if pseudonymise else None)
            written = Path(res["path"])
    except ReportRejected as e:
        click.echo(f"report NOT written: {len(e.problems)} problem(s):", err=True)
        for p in e.problems:
            click.echo(f"  {p}", err=True)
        sys.exit(EXIT_VERIFY_FAILED)
    except (CaseError, TranslationError, ValueError) as e:  # ValueError: not analysed (yet)
        fail(str(e), EXIT_BAD_INPUT)
    except BaseException:
        if written is not None:  # its custody entry was not committed (a full disk): it must not stay
            written.unlink(missing_ok=True)
        raise
    click.echo(f"wrote {res['path']} ({res['format']}, {res['lang']}, {res['quotes']} quotes verified, "
               f"sha256 {res['sha256'][:16]})")


@report.command("check")
@click.option("--case", "case_name", required=True, help="The case the report is about.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def check(obj, case_name, file):
    """Re-verify a Markdown report edited by hand: list every quote or number that no longer
    matches the data (exit code 3), or confirm that all still do.

    Quotes are recognised by the `[#N]` comment reference right after their closing quotation
    mark; keep it when editing a quote.

    \b
    Example:
      otklik report check --case demo report.ru.md
    """
    from ..cases import CaseError
    from ..report.service import check_report

    try:
        with obj.engine.connect() as conn:
            problems = check_report(conn, case_name, file, events=_events(conn, case_name))
    except CaseError as e:
        fail(str(e), EXIT_BAD_INPUT)
    if problems:
        click.echo(f"{file}: {len(problems)} problem(s):")
        for p in problems:
            click.echo(f"  {p}")
        sys.exit(EXIT_VERIFY_FAILED)
    click.echo(f"{file}: every quote and number matches the data")
