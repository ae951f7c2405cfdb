"""`otklik case new`, `otklik cases`: create and list cases."""

from __future__ import annotations


import click

from ..cases import CaseError
from .base import Ctx, emit, fail


@click.group()
def case():
    """Create and inspect cases."""


@case.command("new")
@click.argument("name")
@click.option("--subject", required=True, help="The person the reaction is about, as written in reports.")
@click.option("--alias", "aliases", multiple=True, help="Other names: surname, Latin spellings. Repeatable.")
@click.option("--tz", default="Europe/Moscow", show_default=True, help="Time zone reports use (IANA name).")
@click.option("--lang", "langs", multiple=True, help="Report language(s): ru, en. Repeatable. Default ru.")
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")
@click.pass_obj
def case_new(obj: Ctx, name, subject, aliases, tz, langs, as_json):
    """Create a case.

    \b
    Example:
      otklik case new movlaev --subject "Мансур Мовлаев" --alias Мовлаев --alias "Mansur Movlaev" --lang ru --lang en
    """
    from ..cases import create_case

    obj.allow_create()
    try:
        with obj.engine.begin() as conn:
            c = create_case(conn, name, subject, list(aliases), tz, list(langs) or ["ru"])
    except CaseError as e:
        fail(str(e))
    emit(c, as_json, lambda c: click.echo(f"created case {c['name']!r}: subject {c['subject']}, "
                                           f"aliases {', '.join(c['aliases']) or '-'}, tz {c['tz']}, "
                                           f"languages {', '.join(c['langs'])}; workspace {obj.home}"))


@click.command("cases")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def cases_cmd(obj: Ctx, as_json):
    """List cases with their post and comment counts.

    \b
    Example:
      otklik cases --json
    """
    from ..cases import list_cases

    with obj.engine.connect() as conn:
        rows = list_cases(conn)

    def human(rows):
        if not rows:
            click.echo("no cases yet; create one with `otklik case new NAME --subject ...`")
        for c in rows:
            click.echo(f"{c['name']:<20} {c['subject']:<30} posts {c['posts']:>5}  comments {c['comments']:>8}")
    emit(rows, as_json, human)
