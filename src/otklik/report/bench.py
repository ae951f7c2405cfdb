"""Benchmark: compose, render and verify a report for a synthetic 100,000-comment case.

The digest is small whatever the case size (counts, a few dozen themes, three quotes each), so
this times the report path itself. `bench_report()` returns the timings; `otklik bench report`
prints them.
"""

from __future__ import annotations

import random
import statistics
import time

from .service import produce

WORDS = "не выдавайте его там убьют помогите казахстан убежище суд закон беженец германия турция оон".split()


def synthetic_digest(n_comments: int = 100_000, n_themes: int = 60, seed: int = 7) -> tuple[dict, dict]:
    """A digest shaped like build_digest's for a case of n_comments, and the quoted comments' texts."""
    rnd = random.Random(seed)
    authors = n_comments * 2 // 3
    comments, themes, cid = {}, [], 0
    left_c, left_a = n_comments, authors
    for k in range(n_themes):
        nc = max(3, left_c // 3) if k < n_themes - 1 else left_c
        na = max(3, min(nc, left_a // 3))
        left_c, left_a = max(0, left_c - nc), max(0, left_a - na)
        quotes = []
        for _ in range(3):
            cid += 1
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 30)))
            comments[cid] = text
            quotes.append({"comment_id": cid, "platform": "tiktok", "platform_id": str(7400000000 + cid),
                           "author": f"user_{cid}", "published_at": "2026-11-25T12:00:00Z", "start": 0,
                           "end": len(text), "text": text, "whole": True, "lang": "ru", "stance": 1,
                           "raw_sha256": f"{cid:064x}", "post_url": None})
        themes.append({"key": f"t{k}", "label": f"{WORDS[k % len(WORDS)]}, {WORDS[(k + 3) % len(WORDS)]}",
                       "keywords": WORDS[:4], "n_comments": nc, "n_authors": na, "stances": {"1": nc},
                       "entities": [{"name": "Germany", "comments": min(nc, 5)}], "quotes": quotes})
    sup_c, sup_a = n_comments * 9 // 10, authors * 9 // 10

    def block(n_sup, total):
        return {"total": total, "supportive": {"n": n_sup, "share": round(n_sup / total, 4)},
                "hostile": {"n": total - n_sup, "share": round((total - n_sup) / total, 4)},
                "neutral": {"n": 0, "share": 0.0}, "not_about_case": {"n": 0, "share": 0.0}}
    stance = {"comments": block(sup_c, n_comments), "authors": block(sup_a, authors)}
    digest = {
        "digest_version": 1,
        "case": {"name": "bench", "subject": "Ильяс Мударов", "aliases": ["Ilyas Mudarov"], "tz": "Europe/Moscow",
                 "langs": ["ru", "en"]},
        "snapshot_at": "2026-11-25T19:20:00Z",
        "sources": [{"id": 1, "platform": "tiktok", "kind": "account", "title": "Bench", "handle": "bench",
                     "url": None, "followers": {"value": 50_000, "observed_at": "2026-11-25T19:20:00Z"}}],
        "posts": [{"id": i, "platform": "tiktok", "platform_id": str(7300000000 + i), "url": None, "source_id": 1,
                   "published_at": "2026-11-25T07:00:00Z", "text": "", "comments_observed": None,
                   "comments_stored": n_comments // 50, "replies_stored": n_comments // 200} for i in range(50)],
        "totals": {"comments": n_comments, "replies": n_comments // 4, "authors": authors,
                   "by_language": {"ru": n_comments * 8 // 10, "kk": n_comments - n_comments * 8 // 10}},
        "stance": stance, "stance_without_coordinated": stance, "themes": themes,
        "proposals": [{"entity": "Germany", "kind": "country", "n_comments": 900, "n_authors": 800,
                       "comment_ids": list(range(900))}],
        "coordination": {"window_s": 300.0, "bursts": [{"comment_ids": list(range(40)), "n_comments": 40,
                                                        "n_accounts": 40, "start": "2026-11-25T12:38:18Z",
                                                        "end": "2026-11-25T12:42:28Z"}]},
        "events": [{"date": "2026-12-08", "deadline": True, "text_ru": "Срок обжалования.",
                    "text_en": "Appeal deadline.", "upcoming": True, "days_left": 12}],
        "provenance": {"analysis_run": 1, "code_version": "bench", "digest_sha256": "0" * 64},
    }
    return digest, comments


def bench_report(n_comments: int = 100_000, runs: int = 5, marker_factory=None, translator=None) -> dict:
    """Median seconds for compose+render+verify per format and language (limit: 2 s)."""
    digest, comments = synthetic_digest(n_comments)
    out = {"comments": n_comments, "runs": runs, "seconds": {}}
    for lang in ("ru", "en"):
        for fmt in ("md", "html", "docx", "json"):
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                produce(digest, comments, lang, fmt, marker_factory(lang) if marker_factory else None, translator)
                times.append(time.perf_counter() - t0)
            out["seconds"][f"{lang}.{fmt}"] = round(statistics.median(times), 4)
    out["max_seconds"] = max(out["seconds"].values())
    out["ok"] = out["max_seconds"] < 2.0
    return out
