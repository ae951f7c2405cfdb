import copy
import json
from datetime import date
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "report" / "demo_digest.json"
TODAY = date(2026, 11, 26)  # the fixture's "today": the appeal deadline is 12 days ahead


def marker(lang):
    """The real labelling policy a report gets by default: the shipped registry, the default Policy."""
    from otklik.labelling import Marker, Policy, load_registry

    return Marker(load_registry(), Policy(), lang)


class FakeTranslator:
    """Stand-in for an otklik.translate.Translator: tags each text so tests can see it was translated."""

    name = "fake"

    def __init__(self, extra=""):
        self.extra = extra

    def translate(self, texts, source, target):
        return [f"{source}→{target}: {t}{self.extra}" for t in texts]

    def note(self, lang):
        return "Переведено автоматически (тест)." if lang == "ru" else "Translated automatically (test)."


@pytest.fixture
def digest():
    return copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))


def quoted(digest):
    """Stored comment texts of the digest's quotes (the demo's theme quotes are whole comments; a
    reason is a span, standing for its comment when no whole quote of it is in the digest)."""
    from otklik.digest import digest_quotes

    out = {}
    for q in sorted(digest_quotes(digest), key=lambda q: q.get("whole", False)):
        out[q["comment_id"]] = q["text"]
    return out


def with_estimate(digest, supportive, low, high, n_draws=40, n_checked=52):
    """Add a stance estimate: supportive (share, low, high) by people and comments, the rest split."""
    rest = (1 - supportive) / 3

    def block():
        return {"supportive": {"share": supportive, "low": low, "high": high},
                **{k: {"share": rest, "low": max(0.0, rest - 0.05), "high": rest + 0.05}
                   for k in ("neutral", "hostile", "not_about_case")}}
    digest["stance_estimate"] = {"method": "active-ppi" if n_draws else "model-documented-error", "level": 0.95,
                                 "n_checked": n_checked, "n_draws": n_draws, "n_comments": 246, "n_authors": 224,
                                 "by_comments": block(), "by_authors": block()}
    return digest


SIDES = ("supportive", "hostile", "neutral")


def report_with_sides(digest, lang="ru"):
    """The digest's report with its quotes given the three sides in turn (for the renderers)."""
    from otklik.report.compose import compose

    report = compose(digest, lang, marker(lang), FakeTranslator())
    for i, b in enumerate(b for b in report["blocks"] if b["type"] == "quote"):
        b["side"] = SIDES[i % 3]
    return report
