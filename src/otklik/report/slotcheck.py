"""Check an edited report against its slot map (`slots.py`): every figure stays in its place.

The edited text's sentences are aligned to the map's sentences on their skeletons (difflib), so a
sentence keeps its identity when only a figure in it changed. Then:

- in an aligned sentence, the words are diffed with each token as one word: a token replaced by
  anything is a problem that names what it should be and the digest field it came from (205 → 202
  is caught although 202 is another figure of the digest); a token only deleted is an editor's
  cut and passes; a token inserted must be a value of the digest of its kind;
- a sentence with no counterpart (written by the editor) gets the value-level check of
  `verify.verify_report`;
- a quote line is identified by its `[#N]` or, in the publication copy, by its text; it must be a
  verbatim span of comment N, attributed to comment N's author, and stay under the heading and
  after the paragraph it was placed under (when those are still in the text);
- when the digest changed since the map was made, a figure left as it was whose digest field no
  longer holds it is reported as stale.

What is not caught: a word that is not a token (e.g. a negation added to a sentence), and a
figure in a sentence the editor rewrote beyond recognition that equals some digest figure.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .slots import WHEN_KINDS, Tokenizer, _walk, digest_index, paths_for, units
from .verify import Problem, figures, normalise, verify_report

FIGURES = ("number", "percent", "range", "date", "month", "time")


def _lookup(comments: dict, cid: int):
    for key in (cid, str(cid)):
        if key in comments:
            return comments[key]
    return None


def align(orig: list[dict], new: list[dict]) -> dict[int, int]:
    """new unit index -> the original unit it stands for (same or similar skeleton)."""
    sm = SequenceMatcher(None, [u["skeleton"] for u in orig], [u["skeleton"] for u in new], autojunk=False)
    pair: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            pair.update({j1 + k: i1 + k for k in range(i2 - i1)})
        elif tag == "replace":
            used: set[int] = set()
            for j in range(j1, j2):
                best, score = None, 0.5
                for i in range(i1, i2):
                    if i in used or orig[i]["kind"] != new[j]["kind"] or new[j]["kind"] == "quote":
                        continue
                    r = SequenceMatcher(None, orig[i]["skeleton"].split(), new[j]["skeleton"].split()).ratio()
                    if r > score:
                        best, score = i, r
                if best is not None:
                    used.add(best)
                    pair[j] = best
    # a sentence moved elsewhere (a paragraph or a section cut and pasted): same skeleton, unpaired
    free: dict[str, list[int]] = {}
    for i in sorted(set(range(len(orig))) - set(pair.values()), reverse=True):
        free.setdefault(orig[i]["skeleton"], []).append(i)
    for j, u in enumerate(new):
        if j not in pair and u["kind"] != "quote" and free.get(u["skeleton"]):
            pair[j] = free[u["skeleton"]].pop()
    return pair


def _items(u: dict) -> list[tuple]:
    """A sentence as a word list with each token one item: ("T", kind, value, token) / ("W", word)."""
    out: list[tuple] = []
    pos, text = 0, u["text"]
    for t in u["tokens"]:
        out += [("W", w) for w in text[pos:t["start"]].split()]
        out.append(("T", t["kind"], t["value"], t))
        pos = t["end"]
    return out + [("W", w) for w in text[pos:].split()]


def _key(item: tuple) -> tuple:
    return item[:3]


def _kind(t: dict) -> str:
    return {"range": "percent", "month": "date", "quoted": "quote"}.get(t["kind"], t["kind"])


def _should(t: dict) -> str:
    where = f" ({', '.join(t['paths'])})" if t.get("paths") else ""
    return f"{t['text']!r}{where}"


class Checker:
    def __init__(self, slotmap: dict, digest: dict, comments: dict, idx: dict | None = None):
        self.map, self.digest, self.comments = slotmap, digest, comments
        self.lang = slotmap["lang"]
        self.tok = Tokenizer(self.lang, slotmap["names"])
        self.idx = idx or digest_index(digest)
        self.names = set(slotmap["names"])
        self.problems: list[Problem] = []
        self._texts: list[str] | None = None

    def add(self, kind, line, found, message):
        self.problems.append(Problem(kind, line, found, message))

    def run(self, text: str, markdown: bool = True) -> list[Problem]:
        orig = self.map["units"]
        new = units(text, self.tok, markdown)
        for u in new:
            if u["kind"] == "quote":
                u["rec"] = self.identify(u["quote"])
                u["cid"] = u["rec"]["comment_id"] if u["rec"] else None
                u["skeleton"] = f"⟨quote {u['cid'] if u['cid'] is not None else '?'}⟩"
        pair = align(orig, new)
        present = set(pair.values())
        for j, u in enumerate(new):
            if u["kind"] == "quote":
                self.quote(u, j, new, pair, present)
            elif j in pair:
                self.compare(orig[pair[j]], u)
            else:
                self.inserted(u)
        if self.map.get("digest_sha256") != (self.digest.get("provenance") or {}).get("digest_sha256"):
            self.stale(orig, new, pair)
        return sorted(self.problems, key=lambda p: p.line)

    # ------------------------------------------------------------ sentences

    def compare(self, o: dict, u: dict) -> None:
        a, b = _items(o), _items(u)
        sm = SequenceMatcher(None, [_key(x) for x in a], [_key(x) for x in b], autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            was = [x[3] for x in a[i1:i2] if x[0] == "T"]
            now = [x[3] for x in b[j1:j2] if x[0] == "T"]
            if tag == "replace" and was:
                for k, t in enumerate(was):
                    same = [n for n in now if n["kind"] == t["kind"]]
                    if same:
                        n = same[min(k, len(same) - 1)]
                        self.add(_kind(t), u["line"], n["text"][:120], f"should be {_should(t)}")
                    else:
                        found = " ".join(x[1] if x[0] == "W" else x[3]["text"] for x in b[j1:j2])
                        self.add(_kind(t), u["line"], found, f"replaces the {t['kind']} {_should(t)}")
            elif tag in ("insert", "replace"):
                for n in now:
                    self.new_token(n, u["line"])

    def new_token(self, t: dict, line: int) -> None:
        kind, value = t["kind"], t["value"]
        if kind in FIGURES:
            if value.startswith("<"):
                ok = value == "<1" and figures(self.digest)["small_share"]
            else:
                ok = bool(paths_for(self.idx, kind, value))
            if not ok:
                self.add(kind if kind != "range" else "percent", line, t["text"], f"not a {kind} in the digest")
        elif kind == "quote":
            self.inline_quote(t, line)
        elif kind == "quoted" and not self.quotable(value):
            self.add("quote", line, t["text"][:120], "quoted text that is in no comment, title or post of the data")
        elif kind == "name" and value not in self.names:
            self.add("name", line, t["text"], "not a name in the digest")

    def quotable(self, text: str) -> bool:
        """Whether quoted text without a reference is a span of the data's texts."""
        if self._texts is None:
            strings = [v for _, v in _walk(self.digest, "") if isinstance(v, str) and len(v) > 3]
            self._texts = [normalise(x) for x in strings + [str(v) for v in self.comments.values()]]
        return bool(text) and any(text in x for x in self._texts)

    def inline_quote(self, t: dict, line: int) -> None:
        problems = verify_report(t["text"], self.digest, self.comments, lang=self.lang, markdown=False)
        for p in problems:
            self.add(p.kind, line, p.found, p.message)

    def inserted(self, u: dict) -> None:
        for p in verify_report(u["text"], self.digest, self.comments, lang=self.lang, markdown=False):
            self.add(p.kind, u["line"], p.found, p.message + " (a sentence not in the generated report)")

    # ------------------------------------------------------------ quotes

    def records(self, cid: int | None) -> list[dict]:
        return [q for q in self.map["quotes"] if q["comment_id"] == cid]

    def identify(self, q: dict) -> dict | None:
        """The map's record of the quote a quote line shows: by its [#N] (several quotes of one
        comment: the one with this text), else by its text (the publication copy)."""
        text = normalise(q["text"])
        recs = self.map["quotes"]
        if q["comment_id"] is not None:
            recs = self.records(q["comment_id"])
            if not recs:
                return {"comment_id": q["comment_id"], "new": True}
        for test in (lambda r: r["text"] == text, lambda r: text and text in r["text"]):
            hits = [r for r in recs if test(r)]
            if hits:
                by_author = [r for r in hits if r.get("shown") and _has(q["attribution"], r["shown"])]
                return (by_author or hits)[0]
        best, score = (recs[0] if q["comment_id"] is not None else None), 0.6
        for r in recs:
            s = SequenceMatcher(None, r["text"], text, autojunk=False).ratio()
            if s > score:
                best, score = r, s
        return best

    def quote(self, u: dict, j: int, new: list[dict], pair: dict, present: set) -> None:
        q, cid, line = u["quote"], u["cid"], u["line"]
        shown = normalise(q["text"])[:120]
        if cid is None:
            self.add("quote", line, shown, "a quotation that is none of the report's quotes: add its comment as "
                                           "[#N] right after the closing quotation mark")
            return
        stored = _lookup(self.comments, cid)
        if stored is None:
            self.add("reference", line, f"[#{cid}]", f"comment {cid} is not a stored comment of this case")
        elif not shown or normalise(q["text"]) not in normalise(stored):
            self.add("quote", line, shown, f"does not match comment {cid} verbatim (stored: {normalise(stored)[:120]!r})")
        if q.get("translation") and stored is not None:
            digits = set(re.findall(r"\d+", q["text"]))
            for n in re.findall(r"\d+", q["translation"]):
                if n not in digits:
                    self.add("translation", line, n, f"number in the translation of comment {cid} is not in the original")
        rec = u["rec"]
        if rec.get("new"):  # a quote the editor added: verbatim is all that can be checked
            return
        who = q["attribution"]
        others = [n for n in self.map_authors() if _has(who, n) and not _has(rec["attribution"], n)]
        name = rec.get("shown")  # the author's name as the report showed it (None: a page, no name)
        if name and not _has(who, name):
            self.add("author", line, who, f"comment {cid} was written by {name!r}")
        elif others:
            self.add("author", line, who, f"comment {cid} is not by {others[0]!r}; it was attributed as "
                                          f"{rec['attribution']!r}")
        was = [(t["kind"], t["value"]) for t in rec.get("when", [])]  # «в Telegram 18 марта»: when it was written
        now = [t for t in self.tok.tokens(who) if t["kind"] in WHEN_KINDS]
        if was != [(t["kind"], t["value"]) for t in now]:
            self.add("date", line, " ".join(t["text"] for t in now) or who,
                     f"the attribution of comment {cid} should say {' '.join(t['text'] for t in rec['when']) or 'no date'}")
        self.placement(rec, j, new, pair, present, line)

    def map_authors(self) -> set[str]:
        return {q["shown"] for q in self.map["quotes"] if q.get("shown")}

    def placement(self, rec: dict, j: int, new: list[dict], pair: dict, present: set, line: int) -> None:
        section = anchor = None
        for k in range(j - 1, -1, -1):
            if new[k]["kind"] == "quote" or k not in pair:
                continue
            o = pair[k]
            anchor = o if anchor is None else anchor
            if new[k]["kind"] == "heading":
                section = o
                break
        units_ = self.map["units"]
        side = f" ({rec['side']})" if rec.get("side") else ""
        if rec["section"] is not None and rec["section"] in present and section != rec["section"]:
            self.add("placement", line, rec["text"][:80], f"quote of comment {cid_of(rec)}{side} moved from under "
                     f"{units_[rec['section']]['text']!r}")
        elif rec["anchor"] is not None and rec["anchor"] in present and anchor != rec["anchor"]:
            self.add("placement", line, rec["text"][:80], f"quote of comment {cid_of(rec)}{side} moved away from "
                     f"the paragraph it was placed after: {units_[rec['anchor']]['text'][:80]!r}")

    # ------------------------------------------------------------ changed data

    def stale(self, orig: list[dict], new: list[dict], pair: dict) -> None:
        for j, i in pair.items():
            now = {(t["kind"], t["value"]) for t in new[j]["tokens"]}
            for t in orig[i]["tokens"]:
                if t["kind"] in FIGURES and (t["kind"], t["value"]) in now and t.get("paths"):
                    if not set(t["paths"]) & set(paths_for(self.idx, t["kind"], t["value"], limit=None)):
                        self.add("stale", new[j]["line"], t["text"], f"the data changed: {', '.join(t['paths'])} no "
                                                                     f"longer holds this value")


def _has(text: str, name: str) -> bool:
    """Whether `name` is in `text` as a whole name (igor6990 is not in igor69901)."""
    return re.search(rf"(?<![\w@]){re.escape(name)}(?!\w)", text) is not None


def cid_of(rec: dict) -> int:
    return rec["comment_id"]


def check(text: str, slotmap: dict, digest: dict, comments: dict, *, markdown: bool = True,
          idx: dict | None = None) -> list[Problem]:
    """Every problem of `text` (a report rendered with `slotmap`, perhaps edited) against the data.
    `idx` is `slots.digest_index(digest)` when the caller has it already."""
    return Checker(slotmap, digest, comments, idx).run(text, markdown)
