"""`otklik analyze`, `label`, `theme rename|merge|move`: the analysis and the editor's decisions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cases import CaseError
from .base import Ctx, emit, fail
from .progress import progress


@click.command("analyze")
@click.option("--case", "case_name", required=True)
@click.option("--stance-backend", default=None, help="Stance backend (registry name); default: stance.backend in the "
              "configuration, else the shipped model.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file with per-stage parameters, e.g. {\"coordination\": {\"window_s\": 600}}.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def analyze_cmd(obj: Ctx, case_name, stance_backend, config_file, as_json):
    """Analyse a case: language, normalised text, subject and entities, stance toward the subject,
    coordination, themes and quotes. Unchanged inputs are not recomputed.

    \b
    Example:
      otklik analyze --case movlaev
    """
    from ..analysis.pipeline import analyze_case
    from ..analysis.summary import case_summary

    config = json.loads(config_file.read_text()) if config_file else {}
    config["stance"] = {**obj.config.section("stance"), **config.get("stance", {})}  # the file's table wins
    config["stance"]["backend"] = stance_backend or config["stance"].get("backend") or "default"
    obj.unchanged = "nothing was changed: the analysis run was rolled back"
    try:
        with progress(obj, as_json) as bar:
            run = analyze_case(obj.engine, case_name, config, progress=bar.stage)
        with obj.engine.connect() as conn:
            summary = case_summary(conn, case_name)
    except (CaseError, ValueError) as e:
        fail(str(e))
    summary["run"] = run
    emit(summary, as_json, _print_analysis)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _print_analysis(s: dict) -> None:
    st = s["run"]["stages"]
    click.echo("stages: " + ", ".join(
        f"{k} ({v['computed']} computed, {v['reused']} reused)" if "computed" in v else
        f"{k} ({'recomputed' if v['recomputed'] else 'unchanged'})" for k, v in st.items()))
    click.echo(f"{s['comments']} comments by {s['authors']} people; languages: "
               + ", ".join(f"{k} {v}" for k, v in s["languages"].items()))
    for title, sh in (("stance toward the subject", s["stance"]),
                      ("without coordinated comments", s["stance_without_coordinated"])):
        c, a = sh["comments"], sh["authors"]
        click.echo(f"{title}: " + "; ".join(
            f"{k} {_pct(a[k]['share'])} of people ({a[k]['n']}), {_pct(c[k]['share'])} of comments ({c[k]['n']})"
            for k in ("supportive", "hostile", "neutral", "not_about_case")))
    click.echo("themes:")
    for t in s["themes"]:
        click.echo(f"  [{t['key']}] {t['label']}: {t['n_authors']} people, {t['n_comments']} comments; "
                   f"keywords: {', '.join(t['keywords'][:5])}")
        for q in t["quotes"][:1]:
            click.echo(f"      «{q['text']}» ({q['author']}, comment {q['platform_id']})")
    if s.get("discovered_names"):
        click.echo("names found by NER that the case does not know yet: " + ", ".join(
            f"{d['name']} ({d['type']}, {d['comments']})" for d in s["discovered_names"][:10]))
    coord = [g for g in s["coordination"]["groups"] if g["coordinated"]]
    click.echo(f"coordination (window {s['coordination']['window_s']:.0f} s): {len(coord)} burst(s)")
    for g in coord:
        click.echo(f"  {len(g['burst_ids'])} near-identical comments from {len(g['accounts'])} accounts, "
                   f"{g['start']} .. {g['end']}")


@click.command("label")
@click.option("--case", "case_name", required=True)
@click.argument("comment_id")
@click.option("--stance", required=True, type=click.Choice(["+1", "1", "0", "-1", "none"]),
              help="+1 supportive/concerned, -1 hostile, 0 neutral, none = not about the case.")
@click.pass_obj
def label_cmd(obj: Ctx, case_name, comment_id, stance):
    """Label a comment's stance (the platform's comment id); overrides the model and adapts it.

    \b
    Example:
      otklik label --case movlaev 17912345678 --stance +1
    """
    from ..analysis.pipeline import set_label

    value = None if stance == "none" else int(stance)
    try:
        set_label(obj.engine, case_name, comment_id, "stance", value)
    except (CaseError, ValueError) as e:
        fail(str(e))
    click.echo(f"comment {comment_id}: stance {stance} (the review queue and the reported shares use it at once; "
               "the model is refitted on it at the next `otklik analyze`)")


@click.group()
def theme():
    """Editor decisions on themes, kept across analysis runs."""


def _theme_decision(obj, case_name, kind, payload):
    from ..analysis.pipeline import add_theme_decision

    try:
        add_theme_decision(obj.engine, case_name, kind, payload)
    except (CaseError, ValueError) as e:
        fail(str(e))
    click.echo(f"{kind}: {payload} (takes effect on the next `otklik analyze`)")


@theme.command("rename")
@click.option("--case", "case_name", required=True)
@click.argument("key")
@click.argument("label")
@click.pass_obj
def theme_rename(obj, case_name, key, label):
    """Give a theme a label.

    \b
    Example:
      otklik theme rename --case movlaev t123 "Fear of torture"
    """
    _theme_decision(obj, case_name, "rename", {"key": key, "label": label})


@theme.command("merge")
@click.option("--case", "case_name", required=True)
@click.argument("keys", nargs=-1, required=True)
@click.pass_obj
def theme_merge(obj, case_name, keys):
    """Merge themes (the first key names the result). Example: otklik theme merge --case movlaev t12 t40"""
    if len(keys) < 2:
        fail("merge needs at least two theme keys")
    _theme_decision(obj, case_name, "merge", {"keys": list(keys)})


@theme.command("move")
@click.option("--case", "case_name", required=True)
@click.argument("comment_id", type=int)
@click.argument("key")
@click.pass_obj
def theme_move(obj, case_name, comment_id, key):
    """Move a comment (store id) to a theme or "other" — how a theme is split.
    Example: otklik theme move --case movlaev 1234 other"""
    _theme_decision(obj, case_name, "move", {"comment_id": comment_id, "key": key})
