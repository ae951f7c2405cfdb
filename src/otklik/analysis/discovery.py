"""Discovery of names the gazetteer does not know: natasha's Russian NER over a sample of comments.

NER is slow (tens of comments per second here) and fails on lowercase and non-Russian text, so it
is not used for matching (entities.py does that); it runs over a deterministic sample of the
comments most likely to name someone or something — those with a capitalised word inside a
sentence — and reports the people, places and organisations found most often, for the editor to
add to the case's aliases or the gazetteer.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

VERSION = "2"
_MID_CAPITAL = re.compile(r"(?<=[а-яёa-z,;:] )[А-ЯЁ][а-яё]{2,}")


@dataclass(frozen=True)
class DiscoveryParams:
    max_comments: int = 200
    top: int = 20


@lru_cache(maxsize=1)
def _natasha():
    import pymorphy3

    # natasha's MorphVocab imports the abandoned pymorphy2, which breaks on Python 3.11; pymorphy3
    # is its maintained drop-in replacement.
    sys.modules.setdefault("pymorphy2", pymorphy3)
    from natasha import Doc, MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    return Doc, Segmenter(), MorphVocab(), NewsMorphTagger(emb), NewsNERTagger(emb)


def discover(ids: list[int], texts: list[str], known: set[str], stems: tuple[str, ...] = (),
             params: DiscoveryParams = DiscoveryParams()) -> list[dict]:
    """[{name, type (PER/LOC/ORG), comments, example_ids}] for names that are neither in `known`
    (lowercase forms) nor start with one of `stems` (the gazetteer's)."""
    long_stems = tuple(st for st in stems if len(st) > 3)
    sample = [(i, t) for i, t in sorted(zip(ids, texts)) if _MID_CAPITAL.search(t)][:params.max_comments]
    if not sample:
        return []
    Doc, seg, vocab, morph, ner = _natasha()
    counts: Counter = Counter()
    where: dict[tuple[str, str], list[int]] = {}
    for cid, text in sample:
        doc = Doc(text)
        doc.segment(seg)
        doc.tag_morph(morph)  # before normalize(): it needs the morphology
        doc.tag_ner(ner)
        seen = set()
        for span in doc.spans:
            span.normalize(vocab)
            name = span.normal or span.text
            low = name.lower()
            if low in known or any(w in known for w in low.split()) or low.startswith(long_stems):
                continue
            key = (name, span.type)
            if key not in seen:
                seen.add(key)
                counts[key] += 1
                where.setdefault(key, []).append(cid)
    return [{"name": n, "type": t, "comments": k, "example_ids": where[(n, t)][:5]}
            for (n, t), k in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:params.top]]
