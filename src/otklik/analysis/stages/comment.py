"""The per-comment stages: language, the working text, entities and stance. Each stores one
annotation per comment; a comment whose input hash is unchanged is not recomputed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from ..stance_backends import STANCE_BACKENDS
from .base import CommentStage, input_hash, stage


@stage
class LanguageStage(CommentStage):
    name = "language"
    assigns = ("comment.language",)
    backend, method = "lingua+orthography", "language"

    def compute(self, ctx, items):
        from ..language import LangParams, detect_languages

        langs = tuple(self.params.get("langs") or sorted(set(ctx.case["langs"]) | {"ru", "kk", "en", "uk", "tr"}))
        res = detect_languages([c.text for c in items], LangParams(langs=langs))
        return [{"lang": r.lang, "confidence": round(r.confidence, 4), "parts": list(r.parts)} for r in res]


@stage
class NormalStage(CommentStage):
    """The working text for analysis: NFC, no zero-width characters, whitespace collapsed,
    URLs and @mentions replaced by placeholders. The evidence copy is never touched."""

    name = "normal"
    assigns = ("comment.normal",)

    def compute(self, ctx, items):
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
    requires = ("comment.normal",)
    assigns = ("comment.entities",)
    backend, method = "gazetteer+pymorphy3", "entities"

    def extra_hash(self, ctx):
        return input_hash(ctx.case["subject"], ctx.case["aliases"])

    def compute(self, ctx, items):
        from ..entities import SubjectMatcher, annotation, entity_mentions

        m = SubjectMatcher(ctx.case["subject"], ctx.case["aliases"])
        return [annotation(m.mentions(c.text), entity_mentions(c.text)) for c in items]


@stage
class StanceStage(CommentStage):
    """Stance toward the case's subject from the configured backend (`stance_backends.py`);
    an editor's label overrides the model."""

    name = "stance"
    requires = ("comment.normal", "comment.entities")
    assigns = ("comment.stance",)
    sensitive = ("api_key",)

    def __init__(self, params):
        super().__init__(params)
        self.backend = params.get("backend", "default")
        if self.backend not in STANCE_BACKENDS:
            raise ValueError(f"unknown stance backend {self.backend!r}; known: {', '.join(STANCE_BACKENDS)}")
        self.version = "2"
        if self.backend == "default":  # new weights must recompute every comment's stance
            from ..thread_stance import DEFAULT_MODEL

            self.version += "+model" + hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()[:12]

    @classmethod
    def secret_options(cls, params):
        backend = STANCE_BACKENDS.get(params.get("backend", "default"))
        return set(cls.sensitive) | set(getattr(backend, "sensitive", ()))

    def extra_hash(self, ctx):
        # editor labels change the adapted model, so they are part of every comment's input
        return input_hash(ctx.case["subject"], ctx.case["aliases"],
                          sorted((k, v.get("stance")) for k, v in ctx.labels.items() if "stance" in v))

    def compute(self, ctx, items):
        labelled = [(c, ctx.labels[c.id]["stance"]) for c in ctx.comments if "stance" in ctx.labels.get(c.id, {})]
        out = STANCE_BACKENDS[self.backend](ctx, items, labelled)
        for c, o in zip(items, out):  # an editor's label overrides the model
            if "stance" in ctx.labels.get(c.id, {}):
                v = ctx.labels[c.id]["stance"]
                o.update(label=v, relevant=v is not None, confidence=1.0, source="editor")
        return out
