"""`otklik config show`: the effective configuration, where each value came from, secrets masked."""

from __future__ import annotations

import click

from ..config import user_file
from .base import Ctx, emit


@click.group("config")
def config():
    """The configuration (user file, workspace otklik.toml, environment)."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON: [{key, value, source}].")
@click.pass_obj
def show(obj: Ctx, as_json):
    """Print the effective configuration: every value, masked where secret, and where it came from.

    \b
    Example:
      otklik config show
    """
    rows = [{"key": k, "value": v, "source": s} for k, v, s in obj.config.masked()]

    def human(rows):
        click.echo(f"# user file: {user_file()}; workspace file: {obj.home / 'otklik.toml'}")
        width = max(len(r["key"]) for r in rows)
        for r in rows:
            click.echo(f"{r['key']:<{width}}  {r['value']:<40}  ({r['source']})")
    emit(rows, as_json, human)
