"""The command line: a thin layer over the service modules (cases, ingest, export, verify)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .cases import CaseError

EXIT_BAD_INPUT = 2
EXIT_VERIFY_FAILED = 3


class Ctx:
    def __init__(self, home: Path):
        self.home = home
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from .store import open_store

            self._engine = open_store(self.home)
        return self._engine


def _emit(data, as_json: bool, human) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human(data)


def _fail(msg: str, code: int = 1) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="OTKLIK_HOME",
              default="otklik-data", show_default=True,
              help="Workspace folder (store, keys, reports). Also $OTKLIK_HOME.")
@click.version_option(__version__, prog_name="otklik")
@click.pass_context
def main(ctx, home: Path):
    """otklik: turn public comment threads about a case into evidence-grade data.

    \b
    A first session:
      otklik case new movlaev --subject "Мансур Мовлаев" --alias Мовлаев --alias Movlaev --tz Europe/Moscow
      otklik import --case movlaev export/2024-05-01_12-00-00_UTC_comments.json
      otklik show --case movlaev
      otklik verify
    """
    ctx.obj = Ctx(home)


# ------------------------------------------------------------------ cases

@main.group()
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
    from .cases import create_case

    try:
        with obj.engine.begin() as conn:
            c = create_case(conn, name, subject, list(aliases), tz, list(langs) or ["ru"])
    except CaseError as e:
        _fail(str(e))
    _emit(c, as_json, lambda c: click.echo(f"created case {c['name']!r}: subject {c['subject']}, "
                                           f"aliases {', '.join(c['aliases']) or '-'}, tz {c['tz']}, "
                                           f"languages {', '.join(c['langs'])}; workspace {obj.home}"))


@main.command("cases")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def cases_cmd(obj: Ctx, as_json):
    """List cases with their post and comment counts.

    \b
    Example:
      otklik cases --json
    """
    from .cases import list_cases

    with obj.engine.connect() as conn:
        rows = list_cases(conn)

    def human(rows):
        if not rows:
            click.echo("no cases yet; create one with `otklik case new NAME --subject ...`")
        for c in rows:
            click.echo(f"{c['name']:<20} {c['subject']:<30} posts {c['posts']:>5}  comments {c['comments']:>8}")
    _emit(rows, as_json, human)


# ------------------------------------------------------------------ import

def _parse_map(spec: str | None) -> dict | None:
    if not spec:
        return None
    from .importers.generic import parse_mapping

    try:
        return parse_mapping(spec)
    except ValueError as e:
        _fail(f"--map: {e}", EXIT_BAD_INPUT)


@main.command("import")
@click.option("--case", "case_name", required=True, help="The case the posts and comments belong to.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="Importer to use instead of detecting it (see `otklik formats`).")
@click.option("--skip-bad", is_flag=True, help="Import the good records; list each skipped one with its reason.")
@click.option("--captured-at", help="Capture time to record instead of the export's or the file's (ISO-8601).")
@click.option("--map", "mapping", help="Generic importer: field=column pairs, e.g. text=body,author=user.")
@click.option("--platform", help="Generic importer: the platform the rows come from.")
@click.option("--local-tz", help="Time zone of the computer that made an export with local times "
                                 "(old Telegram Desktop exports). Default UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_obj
def import_cmd(obj: Ctx, case_name, files, fmt, skip_bad, captured_at, mapping, platform, local_tz, as_json):
    """Import export files into a case, all in one transaction.

    The format is detected from each file's content. Re-importing a file changes nothing; a
    newer export of the same thread adds new comments and new counts. On any bad record the
    whole run is rolled back (unless --skip-bad) and the error names the file and record.

    \b
    Examples:
      otklik import --case movlaev profile.json 2024-05-01_12-00-00_UTC.json 2024-05-01_12-00-00_UTC_comments.json
      otklik import --case movlaev channel/result.json group/result.json --json
      otklik import --case movlaev comments.csv --format generic --map text=body,author=user,time=date
    """
    from .importers import Options
    from .ingest import ImportFailed, import_files

    opts = Options(mapping=_parse_map(mapping), platform=platform, local_tz=local_tz)
    try:
        summary = import_files(obj.engine, case_name, files, fmt=fmt, skip_bad=skip_bad,
                               captured_at=captured_at, opts=opts)
    except ImportFailed as e:
        for p in e.problems:
            click.echo(f"error: {p}", err=True)
        click.echo("nothing was imported (the store is unchanged)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except CaseError as e:
        _fail(str(e))
    _emit(summary.as_json(), as_json, _print_summary)


def _print_summary(s: dict) -> None:
    from .ingest import summary_lines

    for line in summary_lines(s):
        click.echo(line)


@main.command("formats")
@click.option("--json", "as_json", is_flag=True)
def formats_cmd(as_json):
    """List the import formats with an example each.

    \b
    Example:
      otklik formats
    """
    from .importers import REGISTRY

    rows = [{"name": i.name, "version": i.version, "description": i.description, "example": i.example}
            for i in sorted(REGISTRY.values(), key=lambda i: i.name)]

    def human(rows):
        for r in rows:
            click.echo(f"{r['name']}  (v{r['version']})\n    {r['description']}\n    e.g. {r['example']}\n")
    _emit(rows, as_json, human)


# ------------------------------------------------------------------ look

@main.command("show")
@click.option("--case", "case_name", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_cmd(obj: Ctx, case_name, as_json):
    """Show a case's sources, posts, comment counts and latest observations.

    \b
    Example:
      otklik show --case movlaev
    """
    from .cases import show_case

    try:
        with obj.engine.connect() as conn:
            data = show_case(conn, case_name)
    except CaseError as e:
        _fail(str(e))

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
    _emit(data, as_json, human)


@main.command("search")
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
    from .cases import search

    try:
        with obj.engine.connect() as conn:
            rows = search(conn, case_name, query, limit)
    except CaseError as e:
        _fail(str(e))

    def human(rows):
        for r in rows:
            click.echo(f"{r['published_at'] or '':<21} {r['author_handle'] or '?':<20} {r['snippet']}")
        click.echo(f"{len(rows)} match(es)")
    _emit(rows, as_json, human)


@main.command("export")
@click.option("--case", "case_name", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--pseudonymise", is_flag=True, help="Replace accounts (and @mentions of them) with stable pseudonyms.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout).")
@click.pass_obj
def export_cmd(obj: Ctx, case_name, fmt, pseudonymise, output):
    """Export a case's comments as CSV or JSONL, with the analysis columns (lang, stance,
    stance_confidence, theme, theme_label, coordinated) once the case is analysed.

    \b
    Example:
      otklik export --case movlaev --format csv --pseudonymise -o movlaev.csv
    """
    from .analysis.pipeline import annotations_for_export
    from .cases import get_case
    from .export import ANALYSIS_COLUMNS, export_case

    try:
        with obj.engine.begin() as conn:
            extra = annotations_for_export(conn, get_case(conn, case_name)["id"])
            args = dict(pseudonymise=pseudonymise, extra=extra, columns=ANALYSIS_COLUMNS)
            if output:
                with open(output, "w", encoding="utf-8", newline="") as f:
                    res = export_case(conn, obj.home, case_name, fmt, f, **args)
            else:
                res = export_case(conn, obj.home, case_name, fmt, sys.stdout, **args)
    except CaseError as e:
        _fail(str(e))
    if output:
        click.echo(f"wrote {res['rows']} comment(s) to {output} (sha256 {res['sha256']})", err=True)


@main.command("verify")
@click.option("--files", "check_files", is_flag=True, help="Also re-hash the imported source files still on disk.")
@click.option("--rebuild-search", is_flag=True,
              help="First rebuild SQLite's full-text search index from the stored comments (logged in custody; "
                   "PostgreSQL's index is kept by the database and needs none).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify_cmd(obj: Ctx, check_files, rebuild_search, as_json):
    """Recompute every stored hash, check the custody log and that the search index matches
    the stored comments; exit 3 on any mismatch.

    \b
    Example:
      otklik verify --files
    """
    from .verify import rebuild_search_index, verify_store

    if rebuild_search:
        with obj.engine.begin() as conn:
            rebuild_search_index(conn)
    with obj.engine.connect() as conn:
        res = verify_store(conn, check_files)

    def human(r):
        click.echo(f"raw records checked: {r['raw_records']}; mismatches: {len(r['mismatches'])}")
        for m in r["mismatches"]:
            click.echo(f"  MISMATCH {m}")
        click.echo(f"custody log entries: {r['custody_entries']}; problems: {len(r['custody_problems'])}")
        for m in r["custody_problems"]:
            click.echo(f"  PROBLEM {m}")
        for f in r["files"]:
            click.echo(f"  source file {f['file']}: {f['status']}")
        click.echo("OK" if r["ok"] else "FAILED")
    _emit(res, as_json, human)
    if not res["ok"]:
        sys.exit(EXIT_VERIFY_FAILED)


# ------------------------------------------------------------------ analysis

def _progress(stage: str, done: int, total: int) -> None:
    if total:
        click.echo(f"\r  {stage:<12} {done:>8}/{total}", err=True, nl=done >= total)


@main.command("analyze")
@click.option("--case", "case_name", required=True)
@click.option("--stance-backend", default="default", show_default=True, help="Stance backend (registry name).")
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
    from .analysis.pipeline import analyze_case
    from .analysis.summary import case_summary

    config = json.loads(config_file.read_text()) if config_file else {}
    config.setdefault("stance", {})["backend"] = stance_backend
    try:
        run = analyze_case(obj.engine, case_name, config, progress=(lambda *a: None) if as_json else _progress)
        with obj.engine.connect() as conn:
            summary = case_summary(conn, case_name)
    except (CaseError, ValueError) as e:
        _fail(str(e))
    summary["run"] = run
    _emit(summary, as_json, _print_analysis)


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


@main.command("label")
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
    from .analysis.pipeline import set_label

    value = None if stance == "none" else int(stance)
    try:
        set_label(obj.engine, case_name, comment_id, "stance", value)
    except (CaseError, ValueError) as e:
        _fail(str(e))
    click.echo(f"comment {comment_id}: stance {stance} (takes effect on the next `otklik analyze`)")


@main.group()
def theme():
    """Editor decisions on themes, kept across analysis runs."""


def _theme_decision(obj, case_name, kind, payload):
    from .analysis.pipeline import add_theme_decision

    try:
        add_theme_decision(obj.engine, case_name, kind, payload)
    except (CaseError, ValueError) as e:
        _fail(str(e))
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
        _fail("merge needs at least two theme keys")
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


@main.group("eval")
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
    from .evaluation.stance import adaptation_curve, run

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
    from .evaluation.demo import score_demo

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


@eval_group.command("themes")
@click.option("--argkp", "argkp", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def eval_themes(argkp, as_json):
    """ARI, NMI and key-point coverage of themes and quotes on ArgKP.

    \b
    Example:
      otklik eval themes --argkp ../shared/data/argkp2021/kpm_data --json
    """
    from .evaluation.themes import run

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
    from .evaluation.lang import run

    try:
        res = run(data)
    except ValueError as e:
        _fail(str(e), EXIT_BAD_INPUT)
    _emit(res, as_json, lambda r: click.echo(
        f"n {r['n']}, accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}\n" + "\n".join(
            f"  {k}: P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f} (n {v['support']})"
            for k, v in r["per_lang"].items())))


@main.command("train")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default="../shared/data", show_default=True, help="Folder holding rusentne2023/ and argkp2021/.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the model (default: the package's models folder).")
def train_cmd(data_dir, out_dir):
    """Train the default offline stance model, reproducibly, on licensed data only.

    \b
    Example:
      otklik train --data ../shared/data --out /tmp/model
    """
    from .training import train_default

    res = train_default(data_dir, out_dir)
    click.echo(json.dumps(res, ensure_ascii=False, indent=2))


@main.group()
def bench():
    """Benchmarks that print figures (medians of several runs)."""


@bench.command("import")
@click.option("--comments", "n", default=1_000_000, show_default=True, help="Comments in the generated export.")
@click.option("--runs", default=3, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default="bench-data", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_import_cmd(n, runs, data_dir, as_json):
    """Import speed and peak memory on a generated Zeeschuimer TikTok-comments export.

    \b
    Example:
      otklik bench import --comments 1000000 --runs 3
    """
    from .bench import bench_import

    res = bench_import(n, runs, data_dir, echo=(lambda m: None) if as_json else click.echo)
    _emit(res, as_json, lambda r: click.echo(
        f"machine: {r['machine']}\ndata: {r['data']}\n"
        f"import: {r['import_comments_per_s_median']:,.0f} comments/s (median of {r['runs']}; target >= 50,000), "
        f"peak memory {r['import_peak_mb_median']:.0f} MB (target < 1024)\n"
        f"re-import of the same file: {r['reimport_comments_per_s_median']:,.0f} comments/s (target >= 200,000)"))


@bench.command("analyze")
@click.option("--comments", "n", default=100_000, show_default=True)
@click.option("--runs", default=1, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default="bench-data", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_analyze_cmd(n, runs, data_dir, as_json):
    """Speed and peak memory of the default analysis pipeline on a generated case.

    \b
    Example:
      otklik bench analyze --comments 100000
    """
    from .analysis.bench import bench_analyze

    res = bench_analyze(n, runs, data_dir, echo=(lambda m: None) if as_json else click.echo)
    _emit(res, as_json, lambda r: click.echo(
        f"analysis: {r['comments_per_s_median']:,.0f} comments/s (median of {r['runs']}; target >= 500), "
        f"peak {r['peak_mb_median']:.0f} MB (target <= 2048); stages (s): {r['stages_of_median_run']}; "
        f"report after analysis {r['report_seconds_median']:.2f} s (target < 2)"))


@bench.command("report")
@click.option("--comments", "n", default=100_000, show_default=True)
@click.option("--runs", default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_report_cmd(n, runs, as_json):
    """Compose + render + verify time of a report from a synthetic large digest (limit 2 s).
    `otklik bench analyze` also times a whole report, digest included, on its analysed case.

    \b
    Example:
      otklik bench report --comments 100000
    """
    from .report.bench import bench_report

    res = bench_report(n, runs)
    _emit(res, as_json, lambda r: click.echo(json.dumps(r, ensure_ascii=False, indent=2)))


@bench.command("web")
@click.option("--comments", "n", default=1_000_000, show_default=True)
@click.option("--requests", "requests_", default=500, show_default=True)
@click.option("--threads", default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_web_cmd(n, requests_, threads, as_json):
    """p50/p95 of the web comments page (filtered and unfiltered) under a local load generator.

    \b
    Example:
      otklik bench web --comments 1000000 --requests 500
    """
    from .web.bench import bench_comments_page

    res = bench_comments_page(n, requests_, threads, echo=(lambda m: None) if as_json else click.echo)
    _emit(res, as_json, lambda r: click.echo(json.dumps(r, ensure_ascii=False, indent=2)))


@main.command("demo")
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
    from .analysis.pipeline import analyze_case
    from .analysis.summary import case_summary
    from .casefile import list_events
    from .demo.run import setup_demo
    from .ingest import ImportFailed
    from .report.service import ReportRejected, write_report

    try:
        case, summary = setup_demo(obj.engine)
    except ImportFailed as e:
        _fail("; ".join(e.problems), EXIT_BAD_INPUT)
    click.echo(f"== import ({obj.home})")
    _print_summary(summary.as_json())
    click.echo("\n== case")
    ctx.invoke(show_cmd, case_name=case["name"], as_json=False)
    click.echo("\n== analysis")
    run = analyze_case(obj.engine, case["name"], {"stance": {"backend": stance_backend}}, progress=_progress)
    with obj.engine.connect() as conn:
        s = case_summary(conn, case["name"])
    s["run"] = run
    _print_analysis(s)
    click.echo("\n== reports")
    outputs = [("ru", "md", "report.ru.md"), ("en", "md", "report.en.md"), ("ru", "html", "report.html"),
               ("ru", "docx", "report.docx"), ("ru", "json", "report.json")]
    try:
        for lang, fmt, name in outputs:
            with obj.engine.begin() as conn:
                res = write_report(conn, case["name"], lang, fmt, obj.home / name,
                                   events=list_events(conn, case["id"]) or None)
            click.echo(f"wrote {res['path']} ({res['quotes']} quotes verified against the store, "
                       f"sha256 {res['sha256'][:16]})")
    except ReportRejected as e:
        for p in e.problems:
            click.echo(f"  {p}", err=True)
        _fail("a demo report failed verification", EXIT_VERIFY_FAILED)
    with obj.engine.connect() as conn:
        upcoming = [e for e in list_events(conn, case["id"]) if e.get("upcoming")]
    for e in upcoming:
        click.echo(f"upcoming deadline: {e['date']} (in {e['days_left']} days): {e['text_en'] or e['text_ru']}")


def _attach_commands() -> None:
    """Commands that live beside their service modules."""
    from .casefile_commands import event, timeline_cmd
    from .labelling.cli import labels
    from .report.commands import report
    from .web.commands import serve, user

    main.add_command(serve)
    main.add_command(user)
    main.add_command(event)
    main.add_command(labels)
    main.add_command(report)
    case.add_command(timeline_cmd)
    from .review_commands import attach as attach_review; attach_review(main, bench)  # noqa: E702


_attach_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
