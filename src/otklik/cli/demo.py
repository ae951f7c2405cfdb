"""`otklik demo`: the main job (demo/run.py) on the bundled fictional demo case, shown step by step."""

from __future__ import annotations

import click

from .analysis import _print_analysis
from .base import EXIT_BAD_INPUT, EXIT_VERIFY_FAILED, Ctx, fail
from .imports import _print_summary
from .look import show_cmd
from .progress import progress


@click.command("demo")
@click.option("--stance-backend", default="default", show_default=True, hidden=True)
@click.pass_obj
@click.pass_context
def demo_cmd(ctx, obj: Ctx, stance_backend):
    """Run the main job on the bundled fictional demo case.

    Creates the case `demo`, imports its Instagram (Instaloader) and Telegram exports, loads
    its case file, analyses it, and writes verified reports into the workspace folder:
    report.ru.md, report.en.md, report.html, report.docx, report.json.

    \b
    Example:
      otklik --home demo-out demo
    """
    from ..demo.run import run_demo
    from ..ingest import ImportFailed
    from ..report.service import ReportRejected

    obj.allow_create()

    def step(name, data):
        if name == "import":
            case, summary = data
            click.echo(f"== import ({obj.home})")
            _print_summary(summary.as_json())
            click.echo("\n== case")
            ctx.invoke(show_cmd, case_name=case["name"], as_json=False)
            click.echo("\n== analysis")
        elif name == "analysis":
            _print_analysis(data)
            click.echo("\n== reports")
        elif name == "report":
            click.echo(f"wrote {data['path']} ({data['quotes']} quotes verified against the store, "
                       f"sha256 {data['sha256'][:16]})")

    try:
        with progress(obj) as bar:
            upcoming = run_demo(obj.engine, obj.home, stance_backend, step=step, progress=bar.stage)
    except ImportFailed as e:
        fail("; ".join(e.problems), EXIT_BAD_INPUT)
    except ReportRejected as e:
        for p in e.problems:
            click.echo(f"  {p}", err=True)
        fail("a demo report failed verification", EXIT_VERIFY_FAILED)
    for d in upcoming:
        click.echo(f"upcoming deadline: {d['date']} (in {d['days_left']} days): {d['text_en'] or d['text_ru']}")
