"""The command line: thin click commands over the service modules, one module per command group.

    base       Ctx (the workspace), emit (JSON or text), fail and the exit codes
    cases      case new, cases                    imports    import, formats
    look       show, search, export, verify       analysis   analyze, label, theme …
    casefile   event …, case timeline              report     report, report check
    evaluation eval …, train                       bench      bench import|analyze|report|web
    labels     labels …                            web        serve, user add|list
    users      user disable|enable|delete|passwd|role|sessions revoke
    review     review (the editor's check), bench review
    demo       demo (the main job is demo/run.py)
    config     config show (the effective configuration, see otklik/config.py)

A new command or group is a click command in its module, registered below in `_register`.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from .base import EXIT_BAD_INPUT, EXIT_STORAGE, Ctx, fail, setup_logging  # noqa: F401 (what other modules and tests import from otklik.cli)


class _Group(click.Group):
    """Every command: a storage failure (disk full, I/O error, read-only) is one line, exit 4."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as e:  # noqa: BLE001  (only storage failures are handled; others re-raised)
            from ..store.errors import STORE_UNCHANGED, storage_problem

            cause = storage_problem(e)
            if cause is None:
                raise
            fail(f"{cause}; {STORE_UNCHANGED}", EXIT_STORAGE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Workspace folder (store, keys, reports). Also $OTKLIK_HOME or `workspace` in "
                   "$XDG_CONFIG_HOME/otklik/config.toml; default ./otklik-data, which only `case new` "
                   "and `demo` create.")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr: -v what is done, -vv debugging.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr (no warnings).")
@click.version_option(__version__, prog_name="otklik")
@click.pass_context
def main(ctx, home: Path, verbose: int, quiet: bool):
    """otklik: turn public comment threads about a case into evidence-grade data.

    \b
    A first session:
      otklik case new movlaev --subject "Мансур Мовлаев" --alias Мовлаев --alias Movlaev --tz Europe/Moscow
      otklik import --case movlaev export/2024-05-01_12-00-00_UTC_comments.json
      otklik show --case movlaev
      otklik verify
    """
    from ..config import ConfigError

    setup_logging(verbose, quiet)
    try:
        ctx.obj = Ctx(home)
    except ConfigError as e:
        fail(str(e), EXIT_BAD_INPUT)


def _register() -> None:
    """Every command and group of `otklik`, in one place."""
    from . import analysis, bench, casefile, cases, config, demo, evaluation, imports, labels, look, report, review, users, web

    cases.case.add_command(casefile.timeline_cmd)
    bench.bench.add_command(review.bench_review)
    for command in users.COMMANDS:
        web.user.add_command(command)
    for command in (
        cases.case, cases.cases_cmd, imports.import_cmd, imports.formats_cmd,
        look.show_cmd, look.search_cmd, look.export_cmd, look.verify_cmd,
        analysis.analyze_cmd, analysis.label_cmd, analysis.theme,
        evaluation.eval_group, evaluation.train_cmd, bench.bench, demo.demo_cmd,
        web.serve, web.user, casefile.event, labels.labels, report.report, review.review, config.config,
    ):
        main.add_command(command)


_register()
