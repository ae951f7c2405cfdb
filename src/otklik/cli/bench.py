"""`otklik bench import|analyze|report|web|review|fuzz`: benchmarks that print figures."""

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
