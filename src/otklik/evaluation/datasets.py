"""Readers for the labelled stance/sentiment datasets, all mapped to one row shape.

Why one shape: the evaluation, the training and the few-shot experiments all want the same
thing — (text, target, label, optional target offsets) — whatever the source file looks like.

Row: {"text", "target", "aliases", "label", "start", "end", "group"}
  label: -1 / 0 / +1 toward the target, or None = the text is not about the target.
  group: a sub-population name used for per-group figures (entity type, claim, target).
Every reader takes a path and reads only that file; nothing here downloads or copies data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import zipfile
from pathlib import Path

# RuArg-2022 claims, in the wording of the task ("X is beneficial for society"), with the keyword
# stems a user would give as aliases of such a target.
RUARG_CLAIMS = {
    "masks": ("Ношение масок полезно для общества", ["маск", "респиратор"]),
    "quarantine": ("Карантин полезен для общества", ["карантин", "самоизоляц", "изоляци", "локдаун"]),
    "vaccines": ("Вакцинация полезна для общества", ["вакцин", "прививк", "привив", "прививат"]),
}
RUARG_STANCE = {"2": 1, "0": -1, "1": 0, "-1": None}

# RUW targets with the aliases a user would list for them (leaders, capitals, adjectives).
RUW_ALIASES = {
    "Russia": ["Russia", "Russian", "Russians", "Putin", "Kremlin", "Moscow"],
    "Ukraine": ["Ukraine", "Ukrainian", "Ukrainians", "Zelensky", "Zelenskyy", "Kyiv", "Kiev"],
}
RUW_STANCE = {"FAVOR": 1, "AGAINST": -1, "NONE": 0}


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes: how a model records, and the evaluation checks, its data."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _row(text, target, label, aliases=(), start=None, end=None, group=None) -> dict:
    return {"text": text, "target": target, "aliases": list(aliases), "label": label,
            "start": start, "end": end, "group": group}


def read_rusentne(path) -> list[dict]:
    """RuSentNE-2023 TSV: sentiment toward an entity given by char offsets (end exclusive)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        # Sentences holding quotes are CSV-quoted ("" inside); offsets refer to the unquoted text.
        for r in csv.DictReader(f, delimiter="\t"):
            start, end = int(r["entity_pos_start_rel"]), int(r["entity_pos_end_rel"])
            rows.append(_row(r["sentence"], r["entity"], int(r["label"]), start=start, end=end,
                             group=r["entity_tag"]))
    return rows


def read_ruarg(path) -> list[dict]:
    """RuArg-2022 TSV: one row per (sentence, claim); the claim's text is the target."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):  # quoted texts hold "" escapes
            for key, (claim, aliases) in RUARG_CLAIMS.items():
                rows.append(_row(r["text"], claim, RUARG_STANCE[r[f"{key}_stance"].strip()],
                                 aliases=aliases, group=key))
    return rows


def read_ruw(path) -> list[dict]:
    """RUW CSV: two rows per tweet, one per named target (Russia, Ukraine)."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            for i in ("1", "2"):
                target = r[f"Target {i}"].strip()
                rows.append(_row(r["Tweet"], target, RUW_STANCE[r[f"Stance {i}"].strip().upper()],
                                 aliases=RUW_ALIASES.get(target, [target]), group=target))
    return rows


def read_argkp(path) -> list[dict]:
    """ArgKP-2021 arguments CSV: stance +1/-1 of an argument toward its debate topic."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows.append(_row(r["argument"], r["topic"], int(r["stance"]), group=r["topic"]))
    return rows


def read_kazsandra(path, sample: int | None = 2000, seed: int = 13) -> list[dict]:
    """KazSAnDRA zip (reviews, 0 neg / 1 pos): polarity of the review, no target.

    A stratified random sample (fixed seed) keeps the check fast; the target is empty, i.e.
    "the reviewed object", so the model falls back to whole-text features.
    """
    with zipfile.ZipFile(path) as z:
        name = sorted(n for n in z.namelist() if n.endswith(".csv"))[0]
        text = z.read(name).decode("utf-8-sig")
    by_label: dict[int, list[dict]] = {-1: [], 1: []}
    for r in csv.DictReader(io.StringIO(text)):
        t = (r.get("text") or "").strip()
        if not t:
            continue
        lab = 1 if str(r["label"]).strip() == "1" else -1
        by_label[lab].append(_row(t, "", lab, group=r.get("domain") or None))
    if sample is None:
        return by_label[-1] + by_label[1]
    total = sum(len(v) for v in by_label.values())
    rng = random.Random(seed)
    rows = []
    for lab in (-1, 1):
        k = round(sample * len(by_label[lab]) / total)
        rows += rng.sample(by_label[lab], min(k, len(by_label[lab])))
    return rows


def read_jsonl(path) -> list[dict]:
    """otklik's own JSONL: {"text","target","label"[, "aliases", "start", "end", "group"]}."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            lab = r.get("label")
            rows.append(_row(r["text"], r.get("target") or "", None if lab is None else int(lab),
                             aliases=r.get("aliases") or (), start=r.get("start"), end=r.get("end"),
                             group=r.get("group")))
    return rows


def detect_kind(path) -> str:
    """Name the dataset kind of a file from its name and first line."""
    p = Path(path)
    if p.suffix == ".zip":
        return "kazsandra"
    if p.suffix == ".jsonl":
        return "jsonl"
    with open(p, encoding="utf-8-sig", errors="replace") as f:
        head = f.readline()
    if head.lstrip().startswith("{"):
        return "jsonl"
    if "entity_pos_start_rel" in head:
        return "rusentne"
    if "masks_stance" in head:
        return "ruarg"
    if "Target 1" in head and "Stance 1" in head:
        return "ruw"
    if head.startswith("arg_id") and "stance" in head:
        return "argkp"
    raise ValueError(f"{path}: unknown dataset format (first line: {head[:80]!r})")


READERS = {"rusentne": read_rusentne, "ruarg": read_ruarg, "ruw": read_ruw, "argkp": read_argkp,
           "kazsandra": read_kazsandra, "jsonl": read_jsonl}


def read_any(path) -> tuple[str, list[dict]]:
    """Detect the kind of a file and read it: (kind, rows)."""
    kind = detect_kind(path)
    return kind, READERS[kind](path)
