"""`otklik import` and `otklik formats`: export files into a case."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cases import CaseError
from .base import EXIT_BAD_INPUT, Ctx, emit, fail
from .progress import progress


def _parse_map(spec: str | None) -> dict | None:
    if not spec:
        return None
    from ..importers.generic import parse_mapping

    try:
        return parse_mapping(spec)
    except ValueError as e:
        fail(f"--map: {e}", EXIT_BAD_INPUT)


@click.command("import")
@click.option("--case", "case_name", required=True, help="The case the posts and comments belong to.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="Importer to use instead of detecting it (see `otklik formats`).")
@click.option("--skip-bad", is_flag=True, help="Import the good records; list each skipped one with its reason.")
@click.option("--captured-at", help="Capture time to record instead of the export's or the file's (ISO-8601).")
@click.option("--map", "mapping", help="Generic importer: field=column pairs, e.g. text=body,author=user.")
@click.option("--platform", help="Generic importer: the platform the rows come from.")
@click.option("--local-tz", help="Time zone of the computer that made an export with local times "
                                 "(old Telegram Desktop exports). Default UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_obj
def import_cmd(obj: Ctx, case_name, files, fmt, skip_bad, captured_at, mapping, platform, local_tz, as_json):
    """Import export files into a case, all in one transaction.

    The format is detected from each file's content. Re-importing a file changes nothing; a
    newer export of the same thread adds new comments and new counts. On any bad record the
    whole run is rolled back (unless --skip-bad) and the error names the file and record.

    \b
    Examples:
      otklik import --case movlaev profile.json 2024-05-01_12-00-00_UTC.json 2024-05-01_12-00-00_UTC_comments.json
      otklik import --case movlaev channel/result.json group/result.json --json
      otklik import --case movlaev comments.csv --format generic --map text=body,author=user,time=date
    """
    from ..importers import Options
    from ..ingest import ImportFailed, import_files

    opts = Options(mapping=_parse_map(mapping), platform=platform, local_tz=local_tz)
    try:
        with progress(obj, as_json) as bar:
            summary = import_files(obj.engine, case_name, files, fmt=fmt, skip_bad=skip_bad,
                                   captured_at=captured_at, opts=opts, progress=bar.count)
    except ImportFailed as e:
        for p in e.problems:
            click.echo(f"error: {p}", err=True)
        click.echo("nothing was imported (the store is unchanged)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except CaseError as e:
        fail(str(e))
    emit(summary.as_json(), as_json, _print_summary)


def _print_summary(s: dict) -> None:
    from ..ingest import summary_lines

    for line in summary_lines(s):
        click.echo(line)


@click.command("formats")
@click.option("--json", "as_json", is_flag=True)
def formats_cmd(as_json):
    """List the import formats with an example each.

    \b
    Example:
      otklik formats
    """
    from ..importers import REGISTRY

    rows = [{"name": i.name, "version": i.version, "description": i.description, "example": i.example}
            for i in sorted(REGISTRY.values(), key=lambda i: i.name)]

    def human(rows):
        for r in rows:
            click.echo(f"{r['name']}  (v{r['version']})\n    {r['description']}\n    e.g. {r['example']}\n")
    emit(rows, as_json, human)
