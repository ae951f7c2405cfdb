"""`otklik eval case DIR [--review K]`: the whole pipeline on a labelled case, scored against its gold.

The case folder's exports are imported into a fresh temporary workspace (never the user's
store), the case is created from the gold file (subject, aliases, time zone, dated events),
analysed, and every figure the report rests on is scored (the scorers below are pure functions):

- stance toward the subject: accuracy and macro-F1 over the four outcomes +1 / 0 / -1 / not about
  the case, the confusion matrix (rows gold, columns predicted), and the usual three-class figures;
- the supportive share by comments and by people, as shares of ALL the gold's case comments (and
  people), next to the truth; a person's stance is the gold README's rule (`author_stance`);
- whether the digest's 95% interval (`digest["stance_estimate"]`) covers the true share; when the
  digest has no estimate, coverage is null and the output says so (no interval is invented);
- language: exact-label accuracy, and accuracy where Ingush (`inh`, which no detector here knows)
  counts as read when it is read as the other Nakh language, Chechen (`ce`); `mixed` and `und`
  count only when predicted as such;
- proposals: precision and recall of the (author, country) pairs and of the (comment, country)
  pairs; predicted names come from the digest (`European Union`/`EU` are the gold's `Europe`);
- themes: a gold theme is recovered when one predicted theme (not "other") holds >= 50% of its
  comments with purity >= 50%; ARI over the comments with a gold theme (unthemed and "other"
  comments form one predicted group);
- coordination: precision and recall of the comments in coordinated bursts.

`--review K` simulates an editor who answers the review queue's first K questions with the gold
labels (`otklik.analysis.review`), re-analyses, and scores stance on the comments not answered.
"""

from __future__ import annotations

import numpy as np

import tempfile
import time
from collections import Counter
from pathlib import Path

from ..analysis.summary import author_stance
from .case_gold import CaseDirError, GoldCase, load_case_dir

OUTCOMES = (1, 0, -1, None)
NAME = {1: "1", 0: "0", -1: "-1", None: "none"}
PLACE_NAMES = {"European Union": "Europe", "EU": "Europe", "ЕС": "Europe", "Европа": "Europe", "Türkiye": "Turkey"}
NAKH = {"inh": "ce"}  # Ingush read as Chechen counts as read (no detector here knows Ingush)


class CaseEvalError(ValueError):
    """The evaluation cannot run (bad folder, failed import, missing review module)."""


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


# ------------------------------------------------------------------ scorers (pure)


def stance_scores(gold: list, pred: list) -> dict:
    """Accuracy, macro-F1 over the four outcomes (+1, 0, -1, None), per-class figures and the
    confusion matrix {gold: {pred: n}} (keys "1", "0", "-1", "none")."""
    from .stance import prf, stance_metrics

    if len(gold) != len(pred):
        raise ValueError("gold and predicted labels differ in length")
    n = len(gold)
    per = {NAME[c]: prf(gold, pred, c) for c in OUTCOMES}
    present = [_f1(gold, pred, c) for c in OUTCOMES if c in gold]
    confusion = {NAME[g]: {NAME[p]: 0 for p in OUTCOMES} for g in OUTCOMES}
    for g, p in zip(gold, pred):
        confusion[NAME[g]][NAME[p]] += 1
    three = stance_metrics(gold, pred)
    return {"n": n, "accuracy": _r(sum(g == p for g, p in zip(gold, pred)) / n) if n else None,
            "macro_f1": _r(sum(present) / len(present)) if present else None, "per_class": per,
            "confusion": confusion,
            "three_class": {k: three[k] for k in ("n_relevant", "macro_f1", "f1_pn", "relevance_f1") if k in three}}


def _f1(gold: list, pred: list, cls) -> float:
    tp = sum(g == cls and p == cls for g, p in zip(gold, pred))
    n = sum(g == cls for g in gold) + sum(p == cls for p in pred)
    return 2 * tp / n if n else 0.0


def supportive_shares(rows: list[tuple[str, int | None]]) -> dict:
    """rows: (author, stance) per comment -> supportive share of all comments and of all people."""
    by_author: dict[str, list] = {}
    for a, s in rows:
        by_author.setdefault(a, []).append(s)
    people = [author_stance(v) for v in by_author.values()]
    return {"by_comments": _r(sum(s == 1 for _, s in rows) / len(rows)) if rows else None,
            "by_authors": _r(sum(s == 1 for s in people) / len(people)) if people else None,
            "n_comments": len(rows), "n_authors": len(people)}


def interval_check(estimate: dict | None, truth: float | None) -> dict:
    """Does a reported {share, low, high} cover the true share? None when nothing was reported."""
    if not estimate or truth is None:
        return {"share": None, "low": None, "high": None, "truth": truth, "covers": None, "error": None}
    low, high, share = estimate.get("low"), estimate.get("high"), estimate.get("share")
    covers = None if low is None or high is None else bool(low <= truth <= high)
    return {"share": share, "low": low, "high": high, "truth": truth, "covers": covers,
            "error": _r(share - truth) if share is not None else None}


def language_scores(gold: list[str | None], pred: list[str | None]) -> dict:
    """Exact accuracy, accuracy with Ingush read as Chechen accepted, and recall per gold language."""
    pairs = [(g, p) for g, p in zip(gold, pred) if g is not None]
    if not pairs:
        return {"n": 0, "accuracy": None, "accuracy_exact": None, "per_lang": {}}
    exact = sum(g == p for g, p in pairs)
    mapped = sum(g == p or NAKH.get(g) == p for g, p in pairs)
    per = {}
    for lang in sorted({g for g, _ in pairs}):
        mine = [p for g, p in pairs if g == lang]
        per[lang] = {"n": len(mine), "recall": _r(sum(p == lang or NAKH.get(lang) == p for p in mine) / len(mine)),
                     "predicted_as": dict(Counter(str(p) for p in mine).most_common())}
    return {"n": len(pairs), "accuracy": _r(mapped / len(pairs)), "accuracy_exact": _r(exact / len(pairs)),
            "per_lang": per, "rule": "inh read as ce counts; mixed and und only when predicted as such"}


def set_scores(gold: set, pred: set) -> dict:
    """Precision and recall of a predicted set of items against the gold set (None: undefined)."""
    tp = len(gold & pred)
    p = tp / len(pred) if pred else None
    r = tp / len(gold) if gold else None
    f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else (0.0 if p is not None and r is not None else None)
    return {"precision": _r(p), "recall": _r(r), "f1": _r(f1), "tp": tp, "n_gold": len(gold), "n_pred": len(pred)}


def proposal_scores(gold: dict, pred: dict, author_of: dict) -> dict:
    """gold/pred: comment key -> list of country names; author_of: comment key -> author.
    Per author: the sets of (author, country); per comment: the sets of (comment, country)."""
    g = {(k, c) for k, cs in gold.items() for c in cs}
    p = {(k, PLACE_NAMES.get(c, c)) for k, cs in pred.items() for c in cs}
    by_author = set_scores({(author_of[k], c) for k, c in g}, {(author_of[k], c) for k, c in p})
    return {"per_author": by_author, "per_comment": set_scores(g, p),
            "missed": sorted({c for _, c in g - p}), "extra": sorted({c for _, c in p - g})}


def theme_scores(gold: dict, pred: dict, min_share: float = 0.5, min_purity: float = 0.5) -> dict:
    """gold: comment -> gold theme (None: no theme, not scored); pred: comment -> predicted theme
    key (None or "other": none). A gold theme is recovered when one predicted theme holds at
    least `min_share` of its comments with purity (its comments of this gold theme / its
    comments that have a gold theme) at least `min_purity`."""
    from sklearn.metrics import adjusted_rand_score

    keys = [k for k, t in gold.items() if t is not None]
    pred_of = {k: (pred.get(k) if pred.get(k) not in (None, "other") else None) for k in keys}
    size = Counter(p for p in pred_of.values() if p is not None)
    per = {}
    for theme in sorted({gold[k] for k in keys}):
        members = [k for k in keys if gold[k] == theme]
        overlap = Counter(pred_of[k] for k in members if pred_of[k] is not None)
        cands = [{"predicted": p, "share": round(n / len(members), 4), "purity": round(n / size[p], 4),
                  "recovered": n / len(members) >= min_share and n / size[p] >= min_purity}
                 for p, n in overlap.items()]
        best = max(cands, key=lambda c: (c["recovered"], c["share"], c["purity"]), default=None)
        per[theme] = {"n": len(members), **(best or {"predicted": None, "share": 0.0, "purity": 0.0, "recovered": False})}
    ari = adjusted_rand_score([gold[k] for k in keys], [pred_of[k] or "-none-" for k in keys]) if keys else None
    return {"n_comments": len(keys), "n_gold_themes": len(per), "n_predicted_themes": len(size),
            "recovered": sum(v["recovered"] for v in per.values()), "ari": _r(ari), "per_theme": per}


# ------------------------------------------------------------------ the run


def _review_api():
    from ..analysis.review import answer, next_questions

    return next_questions, answer


def simulate_review(engine, case_name: str, k: int, gold_stance, next_questions, answer, rng=None) -> list[str]:
    """Answer the queue's first k questions with `gold_stance(platform_id)`, one at a time (each
    answer may change the next question). Returns the platform ids answered, in order. `rng` seeds
    the queue's random draws, so an evaluation can be repeated exactly (an editor's queue is not seeded)."""
    asked: list[str] = []
    seeded = {"rng": rng} if rng is not None else {}
    for _ in range(k):
        qs = next_questions(engine, case_name, n=1, **seeded)
        if not qs:
            break
        pid = qs[0]["platform_id"]
        if pid in asked:
            raise CaseEvalError(f"the review queue asked about comment {pid} twice")
        answer(engine, case_name, pid, gold_stance(pid), user="eval-case")
        asked.append(pid)
    return asked


def _predictions(engine, case_name: str, gold: GoldCase) -> tuple[dict, dict, dict, list]:
    """(store comment id -> gold key, store platform id -> gold key, gold key -> predicted fields,
    the stored comments the gold does not label)."""
    from sqlalchemy import text

    from ..analysis.pipeline import annotations_for_export
    from ..cases import get_case

    with engine.connect() as conn:
        case = get_case(conn, case_name)
        ann = annotations_for_export(conn, case["id"])
        rows = conn.execute(text(
            "SELECT c.id, c.platform, c.platform_id FROM comment c WHERE c.post_id IN "
            "(SELECT post_id FROM case_post WHERE case_id = :cid) ORDER BY c.id"), {"cid": case["id"]}).all()
    key_of, key_of_pid, pred, unknown = {}, {}, {}, []
    for cid, platform, pid in rows:
        k = gold.key_of(platform, pid)
        if k is None:
            unknown.append(f"{platform}:{pid}")
            continue
        key_of[cid] = key_of_pid[pid] = k
        a = ann.get(cid, {})
        st = a.get("stance")
        pred[k] = {"stance": None if st in (None, "not_about_case") else st, "lang": a.get("lang"),
                   "theme": a.get("theme"), "coordinated": bool(a.get("coordinated")), "proposals": [],
                   "store_id": cid}
    return key_of, key_of_pid, pred, unknown


def run_case(folder: str | Path, review: int = 0, backend: str = "default", seed: int = 0) -> dict:
    """Import, analyse and score a labelled case folder in a temporary workspace."""
    from ..analysis.pipeline import analyze_case
    from ..casefile import load_events
    from ..cases import create_case
    from ..digest import build_digest
    from ..ingest import ImportFailed, import_files
    from ..store import open_store

    t0 = time.perf_counter()
    try:
        gold = load_case_dir(folder)
    except CaseDirError as e:
        raise CaseEvalError(str(e)) from None
    api = _review_api() if review else None
    config = {"stance": {"backend": backend}}
    with tempfile.TemporaryDirectory(prefix="otklik-eval-case-") as home:
        engine = open_store(Path(home))
        try:
            with engine.begin() as conn:
                create_case(conn, gold.name, gold.subject, gold.aliases, gold.tz, gold.langs)
            try:
                import_files(engine, gold.name, gold.files, captured_at=gold.captured_at)
            except ImportFailed as e:
                raise CaseEvalError("import failed: " + "; ".join(e.problems)) from None
            load_events(engine, gold.name, gold.events)
            analyze_case(engine, gold.name, config)
            asked: list[str] = []
            _, key_of_pid, _, _ = _predictions(engine, gold.name, gold)
            if review:
                def gold_stance(pid):
                    if pid not in key_of_pid:
                        raise CaseEvalError(f"the review queue asked about comment {pid}, which the gold does not label")
                    k = key_of_pid[pid]
                    return gold.comments[k]["stance"] if k in gold.comments else None  # non-case messages: not about it
                asked = simulate_review(engine, gold.name, review, gold_stance, *api, rng=np.random.default_rng(seed))
                analyze_case(engine, gold.name, config)
            key_of, key_of_pid, pred, unknown = _predictions(engine, gold.name, gold)
            with engine.connect() as conn:
                digest = build_digest(conn, gold.name)
        finally:
            engine.dispose()
    for p in digest.get("proposals", []):
        if p.get("kind") == "organisation":
            continue
        for cid in p.get("comment_ids", []):
            if cid in key_of and key_of[cid] in pred:
                pred[key_of[cid]]["proposals"].append(p["entity"])
    out = score(gold, pred, digest, {key_of_pid[a] for a in asked})
    out["review"]["platform_ids"] = asked
    out.update(case=str(gold.folder), layout=gold.layout, backend=backend,
               unlabelled_comments=unknown, seconds=round(time.perf_counter() - t0, 1))
    return out


def score(gold: GoldCase, pred: dict, digest: dict, answered: set = frozenset()) -> dict:
    """Every figure of `eval case` from the gold labels, the predictions per gold key, the digest
    and the gold keys the simulated editor answered (stance is scored on the others)."""
    keys = list(gold.comments)
    missing = [k for k in keys if k not in pred]
    p_of = {k: pred.get(k, {"stance": None, "lang": None, "theme": None, "coordinated": False, "proposals": []})
            for k in keys}
    rest = [k for k in keys if k not in answered]
    g = gold.comments
    true = supportive_shares([(g[k]["author"], g[k]["stance"]) for k in keys])
    machine = supportive_shares([(g[k]["author"], p_of[k]["stance"]) for k in keys])
    reported = digest.get("stance", {})
    est = digest.get("stance_estimate")
    shares = {}
    for by, rep_key, est_key in (("by_comments", "comments", "by_comments"), ("by_authors", "authors", "by_authors")):
        rep = reported.get(rep_key, {}).get("supportive", {}).get("share")
        shares[by] = {"true": true[by], "predicted": machine[by], "error": _r(machine[by] - true[by]),
                      "reported": rep, "reported_error": _r(rep - true[by]) if rep is not None else None,
                      "interval": interval_check((est or {}).get(est_key, {}).get("supportive"), true[by])}
    noncase = [pred[k] for k in gold.non_case if k in pred]
    has_props = all(g[k]["proposals"] is not None for k in keys)
    out = {
        "comments": {"gold": len(keys), "missing_from_store": [f"{p}:{i}" for p, i in missing],
                     "non_case_messages": {"n": len(noncase), "predicted_about_case": sum(p["stance"] is not None for p in noncase)}},
        "review": {"answered": len(answered), "platform_ids": [],
                   "stance_scored_on": "the comments not answered" if answered else "all gold comments"},
        "stance": stance_scores([g[k]["stance"] for k in rest], [p_of[k]["stance"] for k in rest]),
        "supportive_share": shares,
        "interval": {"available": est is not None, "n_checked": (est or {}).get("n_checked"),
                     "note": None if est is not None else
                     "the digest has no stance_estimate yet: no interval to check, coverage is null"},
        "language": language_scores([g[k]["lang"] for k in keys], [p_of[k]["lang"] for k in keys]),
        "proposals": (proposal_scores({k: g[k]["proposals"] for k in keys}, {k: p_of[k]["proposals"] for k in keys},
                                      {k: g[k]["author"] for k in keys})
                      if has_props else {"note": "the gold has no per-comment proposals"}),
        "themes": theme_scores({k: g[k]["theme"] for k in keys}, {k: p_of[k]["theme"] for k in keys}),
        "coordination": {"per_comment": set_scores({k for k in keys if g[k]["coordinated"]},
                                                   {k for k in keys if p_of[k]["coordinated"]})},
    }
    return out


# ------------------------------------------------------------------ the terminal table


def _f(x, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"


def human_lines(r: dict) -> list[str]:
    st, sh, lang, th = r["stance"], r["supportive_share"], r["language"], r["themes"]
    c = r["comments"]
    lines = [f"case {r['case']} ({r['layout']} layout), stance backend {r['backend']}: {c['gold']} gold comments"
             + (f", {len(c['missing_from_store'])} not imported" if c["missing_from_store"] else "")
             + (f"; editor answered {r['review']['answered']} (stance scored on the rest)" if r["review"]["answered"] else ""),
             "", f"{'what':<34}{'figure':>12}",
             f"{'stance accuracy (4 outcomes)':<34}{_f(st['accuracy']):>12}",
             f"{'stance macro-F1 (4 outcomes)':<34}{_f(st['macro_f1']):>12}"]
    for by, title in (("by_comments", "comments"), ("by_authors", "people")):
        s = sh[by]
        lines.append(f"{'supportive share, ' + title:<34}{_f(s['predicted'], True):>12}  true {_f(s['true'], True)}, "
                     f"error {_f(s['error'], True)}; report says {_f(s['reported'], True)}")
        iv = s["interval"]
        lines.append(f"{'  95% interval, ' + title:<34}{'n/a' if iv['covers'] is None else ('covers' if iv['covers'] else 'MISSES'):>12}"
                     + (f"  {_f(iv['share'], True)} ({_f(iv['low'], True)}-{_f(iv['high'], True)})" if iv["low"] is not None else ""))
    if r["interval"]["note"]:
        lines.append(f"  ({r['interval']['note']})")
    lines += [f"{'language accuracy (inh~ce)':<34}{_f(lang['accuracy']):>12}  exact {_f(lang['accuracy_exact'])}"]
    pr = r["proposals"]
    if "per_author" in pr:
        for by in ("per_author", "per_comment"):
            lines.append(f"{'proposals ' + by.replace('_', ' '):<34}{'P ' + _f(pr[by]['precision']):>12}  "
                         f"R {_f(pr[by]['recall'])} ({pr[by]['tp']} of {pr[by]['n_gold']} gold, {pr[by]['n_pred']} predicted)")
    else:
        lines.append(f"{'proposals':<34}{'n/a':>12}  {pr['note']}")
    lines.append(f"{'themes recovered':<34}{th['recovered']:>9} / {th['n_gold_themes']}  ARI {_f(th['ari'])}, "
                 f"{th['n_predicted_themes']} predicted themes")
    co = r["coordination"]["per_comment"]
    lines.append(f"{'coordination per comment':<34}{'P ' + _f(co['precision']):>12}  R {_f(co['recall'])} "
                 f"({co['tp']} of {co['n_gold']} gold, {co['n_pred']} predicted)")
    lines += ["", "confusion (rows gold, columns predicted):", "        " + "".join(f"{k:>7}" for k in st["confusion"])]
    lines += [f"  {g:>5} " + "".join(f"{n:>7}" for n in row.values()) for g, row in st["confusion"].items()]
    lines.append("themes: " + ", ".join(f"{t} {'ok' if v['recovered'] else '--'} ({v['share']:.0%}/{v['purity']:.0%})"
                                       for t, v in th["per_theme"].items()))
    lines.append("languages (recall): " + ", ".join(f"{k} {v['recall']:.2f} (n {v['n']})" for k, v in lang["per_lang"].items()))
    lines.append(f"({r['seconds']} s)")
    return lines
