"""`otklik analyze`: the stages of `analysis/stages/` over a case's comments, in the order the
configuration gives, each writing its results with provenance.

Stages are looked up in a registry and configured by name (backends too). The run order is
`config["pipeline"]` (default `DEFAULT_PIPELINE`) and is checked before anything runs
(`check_pipeline`, as spaCy's `analyze_pipes`): an unknown stage, or one that requires what no
earlier stage assigns, stops the run naming it. Per-comment stages store one annotation per
comment with the stage, backend, version, parameters and an input hash; a comment whose input
hash is unchanged is not recomputed. Case-level stages store one result per case, recomputed
only when their inputs' hash changes. Editor decisions (stance labels, theme renames/merges/moves)
live in their own tables and are replayed on every run. Options a stage or backend declares
`sensitive` are masked wherever the configuration is recorded.
"""

from __future__ import annotations

import json
import time
from typing import Callable

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from .. import __version__
from ..cases import get_case
from ..store import custody
from ..store.schema import analysis_run, annotation, case_result, editor_label, migrate, theme_decision
from ..store.sql import bulk_insert, chunked, in_case
from .stages import STAGES, CaseStage, CommentStage, CommentView, Context, input_hash, stage
from .stance_backends import STANCE_BACKENDS, stance_backend

__all__ = ["DEFAULT_PIPELINE", "STAGES", "STANCE_BACKENDS", "CommentView", "Context", "PipelineError",
           "add_theme_decision", "analysis_run", "analyze_case", "annotation", "annotations_for_export",
           "case_result", "check_pipeline", "editor_label", "load_comments", "public_params", "set_label", "stage",
           "stance_backend", "theme_decision"]

DEFAULT_PIPELINE = ("language", "normal", "entities", "stance", "coordination", "discovery", "themes")
# what the run's summary (`summary.compute_case_summary`, read by every report and page) reads
SUMMARY_REQUIRES = ("comment.language", "comment.stance", "case.coordination", "case.themes")


class PipelineError(ValueError):
    """A run order that cannot run: an unknown stage, or a requirement no earlier stage assigns."""


def check_pipeline(names) -> list[type]:
    """The stage classes of `names`, in order, once every requirement is met by an earlier stage."""
    classes, assigned = [], set()
    for n in names:
        if n not in STAGES:
            raise PipelineError(f"unknown stage {n!r} in the pipeline; known: {', '.join(sorted(STAGES))}")
        cls = STAGES[n]
        missing = [r for r in cls.requires if r not in assigned]
        if missing:
            raise PipelineError(f"stage {n!r} requires {', '.join(missing)}, which no stage before it assigns")
        if n in (c.name for c in classes):
            raise PipelineError(f"stage {n!r} appears twice in the pipeline")
        classes.append(cls)
        assigned.update(cls.assigns)
    missing = [r for r in SUMMARY_REQUIRES if r not in assigned]
    if missing:
        raise PipelineError(f"the run's summary requires {', '.join(missing)}, which no stage in the pipeline assigns")
    return classes


def public_params(config: dict) -> dict:
    """A run's configuration as recorded in provenance: the options each stage (and its backend)
    declares sensitive are masked, so secrets never reach the store."""
    return {k: (STAGES[k].public(v) if k in STAGES and isinstance(v, dict) else v) for k, v in config.items()}


def ensure_schema(engine: Engine) -> None:
    """The analysis' tables are in the store's migrations (`open_store` runs them): this only
    brings a store opened some other way up to date."""
    migrate(engine)


def _run_comment_stage(ctx: Context, st: CommentStage, run_id: int) -> dict:
    conn = ctx.conn
    params = json.dumps(st.public(st.params), sort_keys=True)
    extra = st.extra_hash(ctx)
    want = {c.id: input_hash(st.name, st.backend, st.version, params, extra, c.text,
                             [c.ann.get(d) for d in st.deps]) for c in ctx.comments}
    have = {}
    for part in chunked(list(want)):
        for cid, h, v in conn.execute(select(annotation.c.comment_id, annotation.c.input_hash, annotation.c.value)
                                      .where(annotation.c.stage == st.name, annotation.c.comment_id.in_(part))):
            have[cid] = (h, v)
    todo = [c for c in ctx.comments if have.get(c.id, (None,))[0] != want[c.id]]
    for c in ctx.comments:
        if c.id in have and c not in todo:
            c.ann[st.name] = json.loads(have[c.id][1])
    batch = 5000
    for i in range(0, len(todo), batch):
        part = todo[i:i + batch]
        values = st.compute(ctx, part)
        conn.execute(annotation.delete().where(annotation.c.stage == st.name,
                                               annotation.c.comment_id.in_([c.id for c in part])))
        bulk_insert(conn, annotation, [
            {"comment_id": c.id, "stage": st.name, "value": json.dumps(v, ensure_ascii=False), "backend": st.backend,
             "version": st.version, "params": params, "run_id": run_id,
             # a backend's failure on an item is kept for the record but asked again next run
             "input_hash": "retry" if isinstance(v, dict) and "error" in v else want[c.id]}
            for c, v in zip(part, values)])
        for c, v in zip(part, values):
            c.ann[st.name] = v
        ctx.progress(st.name, min(i + batch, len(todo)), len(todo))
    return {"computed": len(todo), "reused": len(ctx.comments) - len(todo), "backend": st.backend, "version": st.version}


def _run_case_stage(ctx: Context, st: CaseStage, run_id: int) -> dict:
    conn = ctx.conn
    ph = json.dumps(st.public(st.params), sort_keys=True)
    h = input_hash(st.name, st.backend, st.version, ph, st.inputs(ctx))
    row = conn.execute(select(case_result.c.input_hash, case_result.c.payload).where(
        case_result.c.case_id == ctx.case["id"], case_result.c.stage == st.name)).first()
    recomputed = not (row and row[0] == h)
    if recomputed:
        payload = st.compute(ctx)
        conn.execute(case_result.delete().where(case_result.c.case_id == ctx.case["id"], case_result.c.stage == st.name))
        conn.execute(case_result.insert().values(
            case_id=ctx.case["id"], stage=st.name, payload=json.dumps(payload, ensure_ascii=False), backend=st.backend,
            version=st.version, params=ph, input_hash=h, run_id=run_id))
    else:
        payload = json.loads(row[1])
    ctx.results[st.name] = payload
    return {"recomputed": recomputed, st.count_key: st.count(payload)}


def _peak_mb() -> int:
    """The process's peak resident memory so far (MB): after each stage, so a benchmark shows
    which stage sets the peak."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def load_comments(conn: Connection, case_id: int) -> list[CommentView]:
    rows = conn.execute(text(
        "SELECT c.id, c.text, COALESCE(a.platform || ':' || a.platform_id, c.author_handle, '?'), c.published_at, "
        f"c.platform_id FROM comment c LEFT JOIN author a ON a.id = c.author_id WHERE {in_case('c')} ORDER BY c.id"),
        {"cid": case_id})
    return [CommentView(*r) for r in rows]


def _write_snapshots(conn: Connection, case_id: int, run_id: int, stages) -> None:
    """The case-wide copies the review state and the digest read (`snapshots.py`)."""
    import numpy as np
    import orjson

    from . import snapshots
    from .estimate import pack_array, probs_row

    if "stance" in stages:
        rows = conn.execute(text(
            "SELECT c.id, c.platform_id, COALESCE(a.platform || ':' || a.platform_id, c.author_handle, '?'), "
            "s.value, s.backend FROM comment c JOIN annotation s ON s.comment_id = c.id AND s.stage = 'stance' "
            f"LEFT JOIN author a ON a.id = c.author_id WHERE {in_case('c')} ORDER BY c.id"), {"cid": case_id}).all()
        if rows:
            probs, machine = zip(*(probs_row(orjson.loads(r[3])) for r in rows))
            units = sorted({r[2] for r in rows})
            pos = {u: i for i, u in enumerate(units)}
            snapshots.write(conn, case_id, snapshots.STANCE, run_id, {
                "ids": pack_array(np.array([r[0] for r in rows], np.int64)), "pids": [r[1] for r in rows],
                "units": units, "author_idx": pack_array(np.array([pos[r[2]] for r in rows], np.int64)),
                "probs": pack_array(np.array(probs, float)), "machine": pack_array(np.array(machine, bool)),
                "backends": sorted({r[4] for r in rows})})
    if "entities" in stages:
        snapshots.write(conn, case_id, snapshots.PROPOSING, run_id,
                        {"rows": {str(c): e for c, e in snapshots.proposing_from_annotations(conn, case_id).items()}})


def analyze_case(engine: Engine, case_name: str, config: dict | None = None,
                 progress: Callable[[str, int, int], None] = lambda *a: None) -> dict:
    """Run the configured stages; return the summary (per-stage counts and timings)."""
    config = config or {}
    classes = check_pipeline(config.get("pipeline", DEFAULT_PIPELINE))
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        run_id = conn.execute(analysis_run.insert().values(
            case_id=case["id"], started_at=custody.now_utc(), code_version=__version__,
            config=json.dumps(public_params(config), sort_keys=True))).inserted_primary_key[0]
        ctx = Context(case, config, conn, load_comments(conn, case["id"]), progress)
        for cid, fld, val in conn.execute(select(editor_label.c.comment_id, editor_label.c.field, editor_label.c.value)
                                          .where(editor_label.c.case_id == case["id"])):
            ctx.labels.setdefault(cid, {})[fld] = json.loads(val)
        stages = {}
        for cls in classes:
            t = time.perf_counter()
            st = cls(config.get(cls.name, {}))
            run = _run_comment_stage if cls.level == "comment" else _run_case_stage
            stages[cls.name] = run(ctx, st, run_id)
            stages[cls.name]["seconds"] = round(time.perf_counter() - t, 3)
            stages[cls.name]["peak_mb"] = _peak_mb()
        summary = {"case": case["name"], "run": run_id, "comments": len(ctx.comments), "stages": stages}
        _write_snapshots(conn, case["id"], run_id, stages)
        # what the run found, computed once here for every report and page that shows it
        from .summary import compute_case_summary

        found = compute_case_summary(conn, case["name"]) | {"analysis_run": run_id}
        conn.execute(case_result.delete().where(case_result.c.case_id == case["id"], case_result.c.stage == "summary"))
        conn.execute(case_result.insert().values(
            case_id=case["id"], stage="summary", payload=json.dumps(found, ensure_ascii=False), backend="summary",
            version="1", params="{}", input_hash=str(run_id), run_id=run_id))
        conn.execute(analysis_run.update().where(analysis_run.c.id == run_id).values(
            finished_at=custody.now_utc(), summary=json.dumps(summary, ensure_ascii=False)))
        custody.append(conn, "analyze", actor=None, case_id=case["id"], outputs={"analysis_run": run_id},
                       details={"config": public_params(config), "stages": stages})
    return summary


def set_label(engine: Engine, case_name: str, comment_platform_id: str, field_: str, value, user: str | None = None) -> None:
    """An editor's label for a comment (stance: -1/0/1, or None = not about the case)."""
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        cid = conn.execute(text(f"SELECT c.id FROM comment c WHERE c.platform_id = :p AND {in_case('c')}"),
                           {"p": comment_platform_id, "cid": case["id"]}).scalar()
        if cid is None:
            raise ValueError(f"no comment {comment_platform_id!r} in case {case_name!r}")
        conn.execute(editor_label.delete().where(editor_label.c.case_id == case["id"], editor_label.c.comment_id == cid,
                                                 editor_label.c.field == field_))
        conn.execute(editor_label.insert().values(case_id=case["id"], comment_id=cid, field=field_, value=json.dumps(value),
                                                  user=user or custody.os_user(), at=custody.now_utc()))
        custody.append(conn, "label", case_id=case["id"], actor=user,
                       details={"comment": comment_platform_id, "field": field_, "value": value})


def add_theme_decision(engine: Engine, case_name: str, kind: str, payload: dict, user: str | None = None) -> None:
    if kind not in ("rename", "merge", "move", "pin", "reject"):
        raise ValueError(f"unknown theme decision {kind!r}")
    if kind in ("pin", "reject") and not isinstance(payload.get("comment_id"), int):
        raise ValueError(f"{kind} needs the comment's store id (an integer)")
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        conn.execute(theme_decision.insert().values(case_id=case["id"], kind=kind, payload=json.dumps(payload, ensure_ascii=False),
                                                    user=user or custody.os_user(), at=custody.now_utc()))
        custody.append(conn, "theme-" + kind, case_id=case["id"], actor=user, details=payload)


def annotations_for_export(conn: Connection, case_id: int) -> dict[int, dict]:
    """Per comment id: lang, stance, stance_confidence, theme, theme_label, coordinated."""
    out: dict[int, dict] = {}
    if not conn.dialect.has_table(conn, "annotation"):
        return out
    for cid, st, v in conn.execute(text(
            "SELECT a.comment_id, a.stage, a.value FROM annotation a JOIN comment c ON c.id = a.comment_id "
            f"WHERE a.stage IN ('language', 'stance') AND {in_case('c')}"),
            {"cid": case_id}):
        v = json.loads(v)
        d = out.setdefault(cid, {})
        if st == "language":
            d["lang"] = v["lang"]
        else:
            d["stance"] = v["label"] if v["relevant"] else "not_about_case"
            d["stance_confidence"] = v["confidence"]
    results = dict(conn.execute(select(case_result.c.stage, case_result.c.payload).where(case_result.c.case_id == case_id)).all())
    if "themes" in results:
        for th in json.loads(results["themes"])["themes"]:
            for cid in th["member_ids"]:
                out.setdefault(cid, {}).update(theme=th["key"], theme_label=th["label"])
    burst = set()
    if "coordination" in results:
        burst = {i for g in json.loads(results["coordination"])["groups"] if g["coordinated"] for i in g["burst_ids"]}
    for cid, d in out.items():
        d["coordinated"] = cid in burst
    return out
