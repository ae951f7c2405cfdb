"""Case-level stages over the raw comments: coordinated bursts and names the gazetteer does not
know. Each stores one result per case, recomputed only when the hash of its inputs changes."""

from __future__ import annotations

from dataclasses import asdict

from .base import CaseStage, stage


@stage
class CoordinationStage(CaseStage):
    name = "coordination"
    assigns = ("case.coordination",)
    backend, method, count_key = "minhash", "coordination", "groups"

    def inputs(self, ctx):
        return [(c.id, c.text, c.author, c.published_at) for c in ctx.comments]

    def compute(self, ctx):
        from ..coordination import CoordParams, find_groups

        cs = ctx.comments
        groups, window = find_groups([c.id for c in cs], [c.text for c in cs], [c.author for c in cs],
                                     [c.published_at for c in cs], CoordParams(**self.params))
        return {"window_s": window, "groups": [asdict(g) for g in groups]}

    def count(self, payload):
        return len(payload["groups"])


@stage
class DiscoveryStage(CaseStage):
    name = "discovery"
    assigns = ("case.discovery",)
    backend, method, count_key = "natasha", "discovery", "names"

    def inputs(self, ctx):
        return [(c.id, c.text) for c in ctx.comments]

    def compute(self, ctx):
        from ..discovery import DiscoveryParams, discover
        from ..entities import GAZETTEER, name_forms

        cs = ctx.comments
        known = name_forms([ctx.case["subject"], *ctx.case["aliases"]]) | {n.lower() for n in GAZETTEER}
        stems = tuple(sorted({st for _, sts in GAZETTEER.values() for st in sts}))
        return {"names": discover([c.id for c in cs], [c.text for c in cs], known, stems, DiscoveryParams(**self.params))}

    def count(self, payload):
        return len(payload["names"])
