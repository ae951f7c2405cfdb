import copy
import json
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent.parent / "fixtures" / "report" / "demo_digest.json"


class FakeMarker:
    """Stand-in for otklik.labelling.Marker: marks the first «Instagram» with an asterisk."""

    def __init__(self):
        self.seen = []

    def mark(self, text, protect=()):
        if "Instagram" in text and not self.seen:
            self.seen.append("Instagram")
            return text.replace("Instagram", "Instagram*", 1)
        return text

    def footnotes(self):
        return ["*Принадлежит компании Meta, признанной экстремистской и запрещённой в России."] if self.seen else []


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
