"""An editor's draft after the data changed, and a draft as a structured report again.

`refresh` is a three-way merge of the report the draft was made from (old), the editor's draft
and the report generated from the current data (new), line by line and, inside a paragraph the
editor changed, sentence by sentence:

- a line or sentence the editor did not touch is replaced by its counterpart in the new report
  (counterparts are found on the skeleton, the text with its figures taken out, so a sentence
  whose figures changed is still the same sentence); one the new report no longer has is dropped;
- one the editor changed is kept as the editor wrote it, and flagged when the figures of its
  original changed in the new report (the editor must look at it again);
- one the editor wrote is kept; one only the new report has is inserted after its neighbour.

The notes block is the new report's unless the editor changed it. `parse` reads a Markdown draft
back into the report dict the HTML and DOCX renderers take, so an edited draft exports in every
format.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .slots import SENTENCE_END, Tokenizer, parse_quote_line
from .verify import NOTES_RULE, normalise, unescape_markdown


def _split_notes(text: str) -> tuple[list[str], str]:
    rules = [m.start() for m in NOTES_RULE.finditer(text)]
    end = rules[-1] if rules else len(text)
    return text[:end].split("\n"), text[end:]


def _pairs(a: list[str], b: list[str], key_a: list[str], key_b: list[str], threshold: float = 0.6) -> dict[int, int]:
    """index in a -> index in b: equal keys in order, then similar ones inside changed stretches."""
    out: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, key_a, key_b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.update({i1 + k: j1 + k for k in range(i2 - i1)})
        elif tag == "replace":
            used: set[int] = set()
            for i in range(i1, i2):
                if not a[i].strip():
                    continue
                best, score = None, threshold
                for j in range(j1, j2):
                    if j in used or not b[j].strip():
                        continue
                    r = SequenceMatcher(None, key_a[i].split(), key_b[j].split(), autojunk=False).ratio()
                    if r > score:
                        best, score = j, r
                if best is not None:
                    used.add(best)
                    out[i] = best
    return out


class Merger:
    def __init__(self, lang: str, names: list[str]):
        self.tok = Tokenizer(lang, names)
        self.flagged: list[tuple[str, str]] = []  # (the kept text, why it is flagged)

    def skeleton(self, text: str) -> str:
        plain = unescape_markdown(text)
        q = parse_quote_line(plain)
        if q:
            return f"⟨quote {q['comment_id'] or normalise(q['text'])[:40]}⟩"
        return self.tok.skeleton(plain, self.tok.tokens(plain))

    def figures(self, text: str) -> list[str]:
        plain = unescape_markdown(text)
        return [t["text"] for t in self.tok.tokens(plain) if t["kind"] != "stance"]

    def merge(self, old: list[str], draft: list[str], new: list[str], sentences: bool) -> list[str]:
        sk = [self.skeleton(x) for x in old], [self.skeleton(x) for x in draft], [self.skeleton(x) for x in new]
        touched = _pairs(draft, old, draft, old, threshold=1.01)  # exact: the editor did not touch it
        edited_from = _pairs(draft, old, sk[1], sk[0])  # what an edited piece was
        to_new = _pairs(old, new, sk[0], sk[2])
        emitted: dict[int, int] = {}  # new index -> position in out
        out: list[str] = []
        for j, piece in enumerate(draft):
            if not piece.strip():
                out.append(piece)
                continue
            i = touched.get(j)
            if i is not None:
                k = to_new.get(i)
                if k is not None:
                    emitted[k] = len(out)
                    out.append(new[k])
                continue  # untouched and gone from the new report: dropped
            i = edited_from.get(j)
            k = to_new.get(i) if i is not None else None
            if i is None or k is None:  # the editor's own text, or one the new report has no counterpart of
                out.append(piece)
                continue
            if not sentences and old[i] != new[k] and self.splittable(old[i], piece, new[k]):
                emitted[k] = len(out)
                out.append(" ".join(self.merge(self.split(old[i]), self.split(piece), self.split(new[k]), True)))
                continue
            emitted[k] = len(out)
            was, now = self.figures(old[i]), self.figures(new[k])
            if was != now:
                changed = [f"{a} → {b}" for a, b in zip(was, now) if a != b] or [f"{was} → {now}"]
                self.flagged.append((piece, "the data changed under your edit: " + ", ".join(changed)))
            out.append(piece)
        self.insert_new(out, new, to_new, emitted, sentences)
        return out

    def insert_new(self, out, new, to_new, emitted, sentences) -> None:
        known = set(to_new.values())
        for k, piece in enumerate(new):
            if k in known or k in emitted or not piece.strip():
                continue
            prev = max((p for n, p in emitted.items() if n < k), default=None)
            at = len(out) if prev is None else prev + 1
            block = [piece] if sentences else ["", piece] if at < len(out) and out[at - 1].strip() else [piece, ""]
            out[at:at] = block
            emitted = {n: (p + len(block) if p >= at else p) for n, p in emitted.items()}
            emitted[k] = at if sentences else at + block.index(piece)

    @staticmethod
    def split(line: str) -> list[str]:
        return SENTENCE_END.split(line.strip())

    def splittable(self, old: str, draft: str, new: str) -> bool:
        return not parse_quote_line(unescape_markdown(draft)) and len(self.split(old)) > 1


def refresh(old_text: str, draft_text: str, new_text: str, lang: str, names: list[str]) -> tuple[str, list[tuple[int, str, str]]]:
    """(merged Markdown, [(line, text, why)] of the editor's sentences the editor must look at again)."""
    old, old_notes = _split_notes(old_text)
    draft, draft_notes = _split_notes(draft_text)
    new, new_notes = _split_notes(new_text)
    m = Merger(lang, names)
    body = m.merge(old, draft, new, sentences=False)
    notes = new_notes if draft_notes.strip() == old_notes.strip() else draft_notes
    merged = "\n".join(body) + notes
    lines = merged.split("\n")
    flagged = []
    for piece, why in m.flagged:
        line = next((n for n, text in enumerate(lines, 1) if piece.strip() and piece.strip() in text), 0)
        flagged.append((line, piece, why))
    return merged, flagged


# ------------------------------------------------------------------ Markdown back to a report

DATED = re.compile(r"^- (⚠ )?\*\*(.+?)\.\*\* (.*)$")


def parse(text: str, lang: str, quotes: dict[int, dict] | None = None) -> dict:
    """A Markdown report (as `render_md` writes it, perhaps edited) as a report dict. `quotes`
    gives the known quote blocks by comment id (platform, raw hash, ...) to fill in what the
    Markdown does not show."""
    quotes = quotes or {}
    body, notes = _split_notes(text)
    report: dict = {"lang": lang, "headline": "", "lede": "", "blocks": [], "notes": []}
    for raw in body:
        line = unescape_markdown(raw).rstrip()
        if not line.strip():
            continue
        if line.startswith("# ") and not report["headline"]:
            report["headline"] = line[2:].strip()
        elif line.startswith("**") and line.endswith("**") and not report["lede"] and not report["blocks"]:
            report["lede"] = line.strip("*").strip()
        elif re.match(r"^#{2,6} ", line):
            level = len(line) - len(line.lstrip("#"))
            report["blocks"].append({"type": "heading", "level": level, "text": line[level:].strip()})
        elif (d := DATED.match(line)):
            report["blocks"].append({"type": "dated", "date": "", "label": d.group(2), "text": d.group(3),
                                     "upcoming": bool(d.group(1))})
        elif (q := parse_quote_line(line)) is not None:
            known = quotes.get(q["comment_id"]) or next(
                (b for b in quotes.values() if normalise(b["text"]) == normalise(q["text"])), {})
            report["blocks"].append({**{"platform": "", "platform_id": "", "raw_sha256": "", "lang": None},
                                     **known, "type": "quote", "text": q["text"], "translation": q["translation"],
                                     "comment_id": q["comment_id"] or known.get("comment_id") or 0,
                                     "attribution": q["attribution"].rstrip(".")})
        else:
            report["blocks"].append({"type": "para", "text": line.strip()})
    for raw in NOTES_RULE.sub("", notes, count=1).split("\n"):
        line = unescape_markdown(raw).strip()
        if line:
            report["notes"].append({"type": "para", "text": line.lstrip("- ")})
    return report
