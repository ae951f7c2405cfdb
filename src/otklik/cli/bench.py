"""`otklik bench import|analyze|report|web|review|fuzz|readers|kill`: benchmarks that print figures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .base import emit


@click.group()
def bench():
    """Benchmarks that print figures (medians of several runs)."""


def _options(comments: int, runs: int | None = None, data_dir: bool = False):
    """The options the benchmarks share: how many comments to generate, how many runs, the
    folder for the generated data, and --json."""
    def wrap(fn):
        fn = click.option("--json", "as_json", is_flag=True)(fn)
        if data_dir:
            fn = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default="bench-data",
                              show_default=True)(fn)
        if runs is not None:
            fn = click.option("--runs", default=runs, show_default=True)(fn)
        return click.option("--comments", "n", default=comments, show_default=True,
                            help="Comments in the generated data.")(fn)
    return wrap


def _progress(as_json: bool):
    """Where a benchmark's progress lines go: the terminal, or nowhere when the output is JSON."""
    return (lambda m: None) if as_json else click.echo


@bench.command("import")
@_options(comments=1_000_000, runs=3, data_dir=True)
def bench_import_cmd(n, runs, data_dir, as_json):
    """Import speed and peak memory on a generated Zeeschuimer TikTok-comments export.

    \b
    Example:
      otklik bench import --comments 1000000 --runs 3
    """
    from ..bench.imports import bench_import

    res = bench_import(n, runs, data_dir, echo=_progress(as_json))
    emit(res, as_json, lambda r: click.echo(
        f"machine: {r['machine']}\ndata: {r['data']}\n"
        f"import: {r['import_comments_per_s_median']:,.0f} comments/s (median of {r['runs']}; target >= 50,000), "
        f"peak memory {r['import_peak_mb_median']:.0f} MB (target < 1024)\n"
        f"re-import of the same file: {r['reimport_comments_per_s_median']:,.0f} comments/s (target >= 200,000)"))


@bench.command("analyze")
@_options(comments=100_000, runs=1, data_dir=True)
def bench_analyze_cmd(n, runs, data_dir, as_json):
    """Speed and peak memory of the default analysis pipeline on a generated case.

    \b
    Example:
      otklik bench analyze --comments 100000
    """
    from ..bench.analysis import bench_analyze

    res = bench_analyze(n, runs, data_dir, echo=_progress(as_json))
    emit(res, as_json, lambda r: click.echo(
        f"analysis: {r['comments_per_s_median']:,.0f} comments/s (median of {r['runs']}; target >= 500), "
        f"peak {r['peak_mb_median']:.0f} MB (target <= 2048); stages (s): {r['stages_of_median_run']}; "
        f"report after analysis {r['report_seconds_median']:.2f} s (target < 2)"))


@bench.command("report")
@_options(comments=100_000, runs=5)
def bench_report_cmd(n, runs, as_json):
    """Compose + render + verify time of a report from a synthetic large digest (limit 2 s).
    `otklik bench analyze` also times a whole report, digest included, on its analysed case.

    \b
    Example:
      otklik bench report --comments 100000
    """
    from ..report.bench import bench_report

    res = bench_report(n, runs)
    emit(res, as_json, lambda r: click.echo(json.dumps(r, ensure_ascii=False, indent=2)))


@bench.command("web")
@_options(comments=1_000_000)
@click.option("--requests", "requests_", default=500, show_default=True)
@click.option("--threads", default=2, show_default=True)
def bench_web_cmd(n, requests_, threads, as_json):
    """p50/p95 of the web comments page (filtered and unfiltered) under a local load generator.

    \b
    Example:
      otklik bench web --comments 1000000 --requests 500
    """
    from ..web.bench import bench_comments_page

    res = bench_comments_page(n, requests_, threads, echo=_progress(as_json))
    emit(res, as_json, lambda r: click.echo(json.dumps(r, ensure_ascii=False, indent=2)))


@bench.command("readers")
@_options(comments=100_000, data_dir=True)
@click.option("--readers", default=20, show_default=True, help="Concurrent readers of the comments page.")
def bench_readers_cmd(n, data_dir, readers, as_json):
    """The comments page of `otklik serve` while an import writes: READERS logged-in readers load
    it during an import of a generated file; errors (any answer but 200) and p50/p95 of the page,
    during the import (while its transaction is open, and after its commit, when one read
    rebuilds the page's facets). Exit 1 on any error.

    \b
    Example:
      otklik bench readers --comments 100000 --readers 20
    """
    from ..web.bench_readers import bench_readers

    res = bench_readers(n, readers, data_dir, echo=_progress(as_json))

    def human(r):
        click.echo(f"{r['readers']} readers of the comments page, import of {r['comments']:,} comments "
                   f"({r['import_seconds']} s)")
        for part in ("during_import", "import_open", "after_commit"):
            p = r[part]
            click.echo(f"  {part.replace('_', ' '):<14} {p['requests']:>5} pages, {p['errors']} errors "
                       f"{p['errors_by_kind'] or ''}, p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms "
                       f"(target < 300), max {p['max_ms']} ms")
    emit(res, as_json, human)
    if res["during_import"]["errors"] or res["after_commit"]["errors"]:
        raise SystemExit(1)


@bench.command("kill")
@_options(comments=300_000, data_dir=True)
@click.option("--kills", default=5, show_default=True, help="Imports killed, each at a random moment.")
@click.option("--seed", default=16, show_default=True)
def bench_kill_cmd(n, data_dir, kills, seed, as_json):
    """kill -9 an import of a generated file at random moments (one in each KILLS-th of its run):
    processes left behind, the store before and after (every table's rows), verify; then the
    next import. Exit 1 if a process was left, the store changed or anything failed.

    \b
    Example:
      otklik bench kill --comments 300000 --kills 5
    """
    from ..bench.reliability import bench_kill

    res = bench_kill(n, kills, data_dir, seed, echo=_progress(as_json))
    if as_json:
        emit(res, True, None)
    nxt = res["next_import"]
    if res["orphans"] or res["store_changed"] or nxt["exit"] or nxt["verify_exit"] \
            or any(r["verify_exit"] for r in res["kills"]):
        raise SystemExit(1)


@bench.command("diskfull")
@click.option("--workspace", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="An analysed workspace with a case `demo` (default: made once by `otklik demo` in DATA_DIR).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default="bench-data", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_diskfull_cmd(workspace, data_dir, as_json):
    """import, analyze, export, report and verify with the workspace on a small tmpfs that is
    full (0, 64 and 256 KB left), then read-only: exit code, the message, one line or not, the store afterwards
    (every table's rows, verify), files left. Linux, as root (it mounts the tmpfs). Exit 1 on
    a failure that is not one line with exit 4, changes the store or leaves a file.

    \b
    Example:
      sudo otklik bench diskfull
    """
    from ..bench.reliability import bench_diskfull

    res = bench_diskfull(workspace, data_dir, echo=_progress(as_json))
    if as_json:
        emit(res, True, None)
    if res["bad"]:
        raise SystemExit(1)


@bench.command("fuzz")
@click.option("--files", default=2000, show_default=True, help="Mutated export files to import.")
@click.option("--seed", default=1, show_default=True)
def bench_fuzz_cmd(files, seed):
    """Import mutated copies of every importer's test fixtures (huge and non-finite numbers, big
    integers, lone surrogates, list ids, deep nesting, truncation, byte flips, BOMs, huge fields)
    and count tracebacks, store changes on failure and verify failures; exit 1 if any.

    \b
    Example (from a checkout, where tests/fixtures exists):
      otklik bench fuzz --files 2500 --seed 16
    """
    from ..ingest.fuzz import main as fuzz_main

    raise SystemExit(fuzz_main(["--files", str(files), "--seed", str(seed)]))
