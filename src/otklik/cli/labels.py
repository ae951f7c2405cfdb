"""`otklik labels …`: look at the registry in force, check an outlet's own file, preview marks on a text.

The click group `labels`, registered in `cli/__init__.py`.
"""

from __future__ import annotations

import json
from datetime import date

import click

from otklik.labelling import STYLES, Marker, Policy, RegistryError, load_registry


def _load(path):
    try:
        return load_registry(path)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("labels")
def labels():
    """Labelling registry: designated organisations and platforms, and how reports mark them."""


@labels.command("show")
@click.option("--registry", "path", type=click.Path(dir_okay=False), help="An outlet's registry file (TOML).")
@click.option("--json", "as_json", is_flag=True)
def show_cmd(path, as_json):
    """List the entries in force, with their legal basis, sources and when they were last checked."""
    reg = _load(path)
    stale = {e.id for e in reg.stale()}
    rows = [{"id": e.id, "name": e.name, "kind": e.kind, "designation": e.designation, "date": e.date,
             "last_checked": e.last_checked, "stale": e.id in stale, "legal_basis": e.legal_basis,
             "sources": list(e.sources)} for e in reg]
    if as_json:
        click.echo(json.dumps({"registry": reg.meta, "files": list(reg.paths), "entries": rows}, ensure_ascii=False,
                              indent=2))
        return
    click.echo(f"registry {reg.version or '(no version)'} — {', '.join(reg.paths)}")
    for r in rows:
        flag = "  [check again]" if r["stale"] else ""
        click.echo(f"  {r['id']:<12} {r['kind']:<13} {r['designation']:<22} since {r['date']}, "
                   f"checked {r['last_checked']}{flag}")


@labels.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def check_cmd(path):
    """Validate a registry file: every entry needs a legal basis, a date and dated sources."""
    reg = _load(path)
    click.echo(f"{path}: {len(reg)} entries OK")
    for e in reg.stale(date.today()):
        click.echo(f"  {e.id}: last checked {e.last_checked} — check the designation again")


@labels.command("mark")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="ru", show_default=True)
@click.option("--style", type=click.Choice(STYLES), help="Override the default style for this language.")
@click.option("--registry", "path", type=click.Path(dir_okay=False))
@click.argument("text")
def mark_cmd(lang, style, path, text):
    """Preview: TEXT with its first mentions labelled, and the footnotes."""
    policy = Policy(**({lang: style} if style else {}))
    marker = Marker(_load(path), policy, lang)
    click.echo(marker.mark(text))
    for line in marker.footnotes():
        click.echo(line)
