"""`otklik eval lang`: language detection against {"text", "lang"} JSONL rows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..analysis.language import LangParams, detect_languages


def run(path: Path) -> dict:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                rows.append((r["text"], r["lang"]))
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}, line {n}: need a JSON object with 'text' and 'lang' ({e})") from None
    if not rows:
        raise ValueError(f"{path}: no rows")
    gold_langs = sorted({g for _, g in rows})
    params = LangParams(langs=tuple(sorted(set(gold_langs) - {"und", "mixed", "ce"} | {"ru", "en"})))
    pred = [r.lang for r in detect_languages([t for t, _ in rows], params)]
    tp, fp, fn = Counter(), Counter(), Counter()
    for (_, g), p in zip(rows, pred):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    per = {}
    for lang in gold_langs:
        p = tp[lang] / (tp[lang] + fp[lang]) if tp[lang] + fp[lang] else 0.0
        r = tp[lang] / (tp[lang] + fn[lang]) if tp[lang] + fn[lang] else 0.0
        per[lang] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                     "support": tp[lang] + fn[lang]}
    return {"n": len(rows), "accuracy": sum(tp.values()) / len(rows),
            "macro_f1": sum(v["f1"] for v in per.values()) / len(per), "per_lang": per}
