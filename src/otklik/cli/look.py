"""`otklik show`, `search`, `export`, `verify`: read a case and check the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cases import CaseError
from .base import EXIT_BAD_INPUT, EXIT_VERIFY_FAILED, Ctx, emit, fail


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
@click.option("--anchor", "anchor_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Check the custody log against a head written earlier by --export-anchor and kept elsewhere: "
                   "the anchored entry must still be there, unchanged, with the log growing from it.")
@click.option("--export-anchor", "export_file", type=click.Path(dir_okay=False, path_type=Path),
              help="When the store verifies, write the custody log's head (last entry, its hash, the count) to FILE, "
                   "to keep outside the workspace and check later with --anchor.")
@click.option("--rebuild-search", is_flag=True,
              help="Rebuild SQLite's full-text search index from the stored comments (logged in custody), only "
                   "after every other check passed; PostgreSQL's index is kept by the database and needs none.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify_cmd(obj: Ctx, check_files, anchor_file, export_file, rebuild_search, as_json):
    """Check that the store holds the evidence exactly as imported; exit 3 on any finding.

    \b
    Checks, in order:
      raw records   every record's bytes against its SHA-256; every chunk covered byte for byte
      imports       each import's digest of the record hashes it wrote (in its custody entry)
                    recomputed, with the number of records; every import run has its entry
      comments      each comment's text, author, time, likes and edited flag as its importer
                    reads them again from the comment's raw records (formats whose records need
                    their whole file, such as CSV, are listed as not checked)
      references    no row points at a missing row
      search index  holds exactly the stored comment texts
      custody log   every entry's hash and link; with --anchor, the anchored head is still there
                    unchanged (without one, entries removed from the end cannot be detected)
      triggers      the append-only triggers on raw records, chunks and the custody log exist
                    as created
    No trusted time-stamp (RFC 3161, OpenTimestamps) is taken: keep the anchor file elsewhere.

    \b
    Exit codes: 0 every check passed; 3 a finding (each line names the record, comment and
    field, import run or custody entry); 2 an anchor file that cannot be read; 4 a storage
    failure. --rebuild-search on a store with findings rebuilds nothing and exits 3.

    \b
    Example:
      otklik verify --files --export-anchor ~/elsewhere/case-head.json
      otklik verify --anchor ~/elsewhere/case-head.json
    """
    import json

    from ..ingest.recheck import check_comments
    from ..store.custody import head
    from ..store.verify import rebuild_search_index, verify_store

    anchor = None
    if anchor_file is not None:
        try:
            anchor = json.loads(anchor_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            fail(f"cannot read the anchor file {anchor_file}: {e}", EXIT_BAD_INPUT)
        if not isinstance(anchor, dict):
            fail(f"{anchor_file} is not an anchor written by `otklik verify --export-anchor`", EXIT_BAD_INPUT)

    def check(search: bool) -> dict:
        with obj.engine.connect() as conn:
            res = verify_store(conn, check_files, anchor, search=search)
            comments = check_comments(conn)
        res["comments_checked"] = comments["comments_checked"]
        res["mismatches"] += comments["mismatches"]
        res["notes"] = comments["notes"] + res["notes"]
        res["ok"] = res["ok"] and not comments["mismatches"]
        return res

    def human(r):
        click.echo(f"raw records checked: {r['raw_records']}; comments checked against them: "
                   f"{r['comments_checked']}; mismatches: {len(r['mismatches'])}")
        for m in r["mismatches"]:
            click.echo(f"  MISMATCH {m}")
        click.echo(f"custody log entries: {r['custody_entries']}; problems: {len(r['custody_problems'])}")
        for m in r["custody_problems"]:
            click.echo(f"  PROBLEM {m}")
        for f in r["files"]:
            click.echo(f"  source file {f['file']}: {f['status']}")
        for n in r["notes"]:
            click.echo(f"  note: {n}")
        click.echo("OK" if r["ok"] else "FAILED")

    if rebuild_search:
        res = check(search=False)
        if not res["ok"]:
            emit(res, as_json, human)
            click.echo("error: the search index was not rebuilt: the store fails the checks above "
                       "(a rebuild would hide an edited comment)", err=True)
            sys.exit(EXIT_VERIFY_FAILED)
        with obj.engine.begin() as conn:
            rebuild_search_index(conn)
    res = check(search=True)
    if export_file is not None and res["ok"]:
        with obj.engine.connect() as conn:
            res["anchor"] = head(conn)
        export_file.write_text(json.dumps(res["anchor"], indent=2) + "\n", encoding="utf-8")
    emit(res, as_json, human)
    if export_file is not None and not as_json:
        click.echo(f"custody head written to {export_file}" if res["ok"] else
                   f"no anchor written to {export_file}: the store did not verify", err=True)
    if not res["ok"]:
        sys.exit(EXIT_VERIFY_FAILED)
