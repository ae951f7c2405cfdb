"""`otklik eval stance|demo|case|themes|lang` and `otklik train`: measure the analysis on labelled data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .base import EXIT_BAD_INPUT, emit, fail
from .progress import progress


@click.group("eval")
def eval_group():
    """Quality figures on labelled data (never trains on the file it scores)."""


@eval_group.command("stance")
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path),
              help="JSONL {text,target,label}, or a RuSentNE / RuArg / RUW / KazSAnDRA file.")
@click.option("--adapt", "adapt_ks", default=None, metavar="K,K,...",
              help="Instead: the adaptation curve, macro-F1 after K editor labels per target (e.g. 10,30,100).")
@click.option("--seeds", default=5, show_default=True, help="With --adapt: random draws of the K labels.")
@click.option("--json", "as_json", is_flag=True)
def eval_stance(data, adapt_ks, seeds, as_json):
    """Macro-F1 of stance toward the target.

    \b
    Examples:
      otklik eval stance --data ../shared/data/ruarg2022/dev.tsv --json
      otklik eval stance --data ../shared/data/ruw_en/raw_val_Russia_Ukraine.csv --adapt 10,30,100
    """
    from ..evaluation.stance import adaptation_curve, run

    if adapt_ks is None:
        run(data, as_json)
        return
    try:
        ks = tuple(int(k) for k in adapt_ks.split(",") if k.strip())
        if not ks or min(ks) < 1:
            raise ValueError
    except ValueError:
        raise click.BadParameter("give label counts like 10,30,100", param_hint="--adapt") from None
    try:
        adaptation_curve(data, ks, seeds, as_json)
    except ValueError as e:
        raise click.ClickException(str(e)) from None


@eval_group.command("demo")
@click.option("--stance-backend", default="default", show_default=True, help="Stance backend (registry name).")
@click.option("--json", "as_json", is_flag=True)
def eval_demo(stance_backend, as_json):
    """Stance on the bundled demo case, through the whole pipeline, against its built-in truth.

    The demo is fictional and in the product's genre; no model is trained on it. Prints the
    accuracy over -1 / 0 / +1 / not-about-the-case and macro-F1 over the comments about the case.

    \b
    Example:
      otklik eval demo --json
    """
    from ..evaluation.demo import score_demo

    r = score_demo(stance_backend)
    if as_json:
        click.echo(json.dumps(r, ensure_ascii=False, indent=2))
        return
    click.echo(f"demo case, stance backend {r['backend']}: {r['n']} comments ({r['n_relevant']} about the case)")
    click.echo(f"  accuracy {r['accuracy']:.3f} (four outcomes); macro-F1 {r['macro_f1']:.3f}, "
               f"F1 of -1/+1 {r['f1_pn']:.3f}, relevance-F1 {r.get('relevance_f1', float('nan')):.3f}")
    for c, m in r["per_class"].items():
        click.echo(f"  {c:>2}: precision {m['precision']:.3f} recall {m['recall']:.3f} F1 {m['f1']:.3f} "
                   f"(support {m['support']})")


@eval_group.command("case")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--review", "review", default=0, show_default=True, type=click.IntRange(min=0),
              help="First let a simulated editor answer the review queue's first K questions from the gold.")
@click.option("--backend", "backend", default="default", show_default=True, help="Stance backend (registry name).")
@click.option("--seed", default=0, show_default=True, help="Seed of the simulated editor's queue (runs repeat exactly).")
@click.option("--json", "as_json", is_flag=True)
def eval_case(folder, review, backend, seed, as_json):
    """Import, analyse and score a labelled case folder (gazdiev's gold.json or the demo's
    truth.json layout) in a temporary workspace: stance, shares and their interval, languages,
    proposals, themes, coordination.

    \b
    Examples:
      otklik eval case ../shared/data/cases/gazdiev --json
      otklik eval case src/otklik/demo/data --review 40
    """
    from ..evaluation.case import CaseEvalError, human_lines, run_case

    try:
        r = run_case(folder, review, backend, seed)
    except CaseEvalError as e:
        fail(str(e), EXIT_BAD_INPUT)
    emit(r, as_json, lambda r: click.echo("\n".join(human_lines(r))))


@eval_group.command("themes")
@click.option("--argkp", "argkp", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def eval_themes(argkp, as_json):
    """ARI, NMI and key-point coverage of themes and quotes on ArgKP.

    \b
    Example:
      otklik eval themes --argkp ../shared/data/argkp2021/kpm_data --json
    """
    from ..evaluation.themes import run

    run(argkp, as_json)


@eval_group.command("lang")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL rows {\"text\": ..., \"lang\": ...}.")
@click.option("--json", "as_json", is_flag=True)
def eval_lang(data, as_json):
    """Accuracy and per-language F1 of language detection.

    \b
    Example:
      otklik eval lang --data comments_lang.jsonl
    """
    from ..evaluation.lang import run

    try:
        res = run(data)
    except ValueError as e:
        fail(str(e), EXIT_BAD_INPUT)
    emit(res, as_json, lambda r: click.echo(
        f"n {r['n']}, accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}\n" + "\n".join(
            f"  {k}: P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f} (n {v['support']})"
            for k, v in r["per_lang"].items())))


@click.command("train")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default="../shared/data", show_default=True, help="Folder holding rusentne2023/ and argkp2021/.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the model (default: the package's models folder).")
@click.pass_obj
def train_cmd(obj, data_dir, out_dir):
    """Train the default offline stance model, reproducibly, on licensed data only.

    \b
    Example:
      otklik train --data ../shared/data --out /tmp/model
    """
    from ..evaluation.training import train_default

    with progress(obj) as bar:
        res = train_default(data_dir, out_dir, progress=bar.stage)
    click.echo(json.dumps(res, ensure_ascii=False, indent=2))
