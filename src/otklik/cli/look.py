"""`otklik show`, `search`, `export`, `verify`: read a case and check the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cases import CaseError
from .base import EXIT_VERIFY_FAILED, Ctx, emit, fail


@click.command("show")
@click.option("--case", "case_name", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_cmd(obj: Ctx, case_name, as_json):
    """Show a case's sources, posts, comment counts and latest observations.

    \b
    Example:
      otklik show --case movlaev
    """
    from ..cases import show_case

    try:
        with obj.engine.connect() as conn:
            data = show_case(conn, case_name)
    except CaseError as e:
        fail(str(e))

    def human(d):
        c = d["case"]
        click.echo(f"case {c['name']}: {c['subject']} (aliases: {', '.join(c['aliases']) or '-'}; tz {c['tz']})")
        t = d["totals"]
        click.echo(f"{t['posts']} post(s), {t['comments']} comment(s) by {t['authors']} author(s)")
        for s in d["sources"]:
            obs = ", ".join(f"{m} {o['value']} at {o['observed_at']}" for m, o in s["latest"].items())
            click.echo(f"source {s['platform']}:{s['handle'] or s['title'] or s['platform_id']}  {obs}")
        for p in d["posts"]:
            obs = ", ".join(f"{m} {o['value']} at {o['observed_at']}" for m, o in p["latest"].items())
            click.echo(f"post {p['platform']}:{p['platform_id']} {p['published_at'] or ''} {p['url'] or ''}")
            click.echo(f"    stored: {p['comments_stored']} comments ({p['replies_stored']} replies) by "
                       f"{p['authors']} authors; not seen since: {p['not_seen_since']}")
            if obs:
                click.echo(f"    observed: {obs}")
    emit(data, as_json, human)


@click.command("search")
@click.option("--case", "case_name", required=True)
@click.argument("query")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def search_cmd(obj: Ctx, case_name, query, limit, as_json):
    """Full-text search over a case's comments (SQLite FTS5 query syntax).

    \b
    Examples:
      otklik search --case movlaev 'выдавать OR экстрадиция'
      otklik search --case movlaev '"не выдавайте"'
    """
    from ..cases import search

    try:
        with obj.engine.connect() as conn:
            rows = search(conn, case_name, query, limit)
    except CaseError as e:
        fail(str(e))

    def human(rows):
        for r in rows:
            click.echo(f"{r['published_at'] or '':<21} {r['author_handle'] or '?':<20} {r['snippet']}")
        click.echo(f"{len(rows)} match(es)")
    emit(rows, as_json, human)


@click.command("export")
@click.option("--case", "case_name", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--pseudonymise", is_flag=True, help="Replace accounts (and @mentions of them) with stable pseudonyms.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout).")
@click.option("--neutralise/--no-neutralise", default=True, show_default=True,
              help="CSV: put an apostrophe before a cell that starts with = + - @, a tab or a carriage return, "
                   "so a spreadsheet shows it as text and does not run it as a formula.")
@click.pass_obj
def export_cmd(obj: Ctx, case_name, fmt, pseudonymise, output, neutralise):
    """Export a case's comments as CSV or JSONL, with the analysis columns (lang, stance,
    stance_confidence, theme, theme_label, coordinated) once the case is analysed.

    CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
    carriage return) get a leading apostrophe; --no-neutralise writes them exactly as stored.

    \b
    Example:
      otklik export --case movlaev --format csv --pseudonymise -o movlaev.csv
    """
    from ..analysis.pipeline import annotations_for_export
    from ..cases import get_case
    from ..export import ANALYSIS_COLUMNS, export_case

    try:
        with obj.engine.begin() as conn:
            extra = annotations_for_export(conn, get_case(conn, case_name)["id"])
            args = dict(pseudonymise=pseudonymise, extra=extra, columns=ANALYSIS_COLUMNS, neutralise=neutralise)
            if output:
                with open(output, "w", encoding="utf-8", newline="") as f:
                    res = export_case(conn, obj.home, case_name, fmt, f, **args)
            else:
                res = export_case(conn, obj.home, case_name, fmt, sys.stdout, **args)
    except CaseError as e:
        fail(str(e))
    if output:
        click.echo(f"wrote {res['rows']} comment(s) to {output} (sha256 {res['sha256']})", err=True)


@click.command("verify")
@click.option("--files", "check_files", is_flag=True, help="Also re-hash the imported source files still on disk.")
@click.option("--rebuild-search", is_flag=True,
              help="First rebuild SQLite's full-text search index from the stored comments (logged in custody; "
                   "PostgreSQL's index is kept by the database and needs none).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify_cmd(obj: Ctx, check_files, rebuild_search, as_json):
    """Recompute every stored hash, check the custody log and that the search index matches
    the stored comments; exit 3 on any mismatch.

    \b
    Example:
      otklik verify --files
    """
    from ..store.verify import rebuild_search_index, verify_store

    if rebuild_search:
        with obj.engine.begin() as conn:
            rebuild_search_index(conn)
    with obj.engine.connect() as conn:
        res = verify_store(conn, check_files)

    def human(r):
        click.echo(f"raw records checked: {r['raw_records']}; mismatches: {len(r['mismatches'])}")
        for m in r["mismatches"]:
            click.echo(f"  MISMATCH {m}")
        click.echo(f"custody log entries: {r['custody_entries']}; problems: {len(r['custody_problems'])}")
        for m in r["custody_problems"]:
            click.echo(f"  PROBLEM {m}")
        for f in r["files"]:
            click.echo(f"  source file {f['file']}: {f['status']}")
        click.echo("OK" if r["ok"] else "FAILED")
    emit(res, as_json, human)
    if not res["ok"]:
        sys.exit(EXIT_VERIFY_FAILED)
