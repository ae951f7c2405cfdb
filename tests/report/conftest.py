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
    """Stored comment texts of the digest's quotes (the demo quotes are whole comments)."""
    return {q["comment_id"]: q["text"] for t in digest["themes"] for q in t["quotes"]}
