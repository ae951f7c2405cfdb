"""Labelling policy: the legally required marks on designated organisations and platforms.

Russian media must label organisations that Russian courts designated (extremist, terrorist,
"undesirable", foreign agents) and, by practice, the platforms of Meta. A report that reads like a
newsroom's own text has to carry the same marks, so this module holds three things:

- a **registry** (TOML, user-editable, each entry with its legal basis, a dated source and when it
  was last checked) of designated entities and the names they go by — `load_registry(path)`;
- a per-outlet **policy**: asterisk footnotes («Instagram*» + «*Принадлежит компании Meta…») or
  inline wording («Adat (an organization recognized as extremist and banned in Russia)»), on/off
  per language — `Policy(...)`;
- a **marker** that applies the policy to text at the *first mention* of each entity, across every
  call on the same marker, and collects the footnotes — `Marker(registry, policy, lang)`.

What gets marked: generated report text and the *translations* of quotes. Never a verbatim original
quote: the renderer does not pass originals in, and `mark(text, protect=[...])` leaves any verbatim
span inside a generated sentence untouched. Matching is on the entity, not the string: «адаты и
обычаи» (customary law) is not the movement «Адат», a URL containing "instagram.com" is not a
mention, and a name already followed by an asterisk or a label is not marked twice.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable

SHIPPED = Path(__file__).with_name("registry.toml")
STYLES = ("asterisk", "inline", "none")
LANGS = ("ru", "en")

__all__ = ["Entry", "Registry", "RegistryError", "Policy", "Marker", "load_registry", "SHIPPED", "STYLES"]


class RegistryError(ValueError):
    """A registry file that cannot be used: a label without its legal basis or source is not shipped."""


@dataclass(frozen=True)
class Entry:
    """One designated entity: what it is, why it is labelled, how it is named and how the label reads."""

    id: str
    name: str
    kind: str  # platform | organisation | person
    designation: str  # extremist | terrorist | undesirable | foreign_agent | platform_of_extremist …
    legal_basis: str
    date: str
    last_checked: str
    sources: tuple[dict, ...]
    wording: dict  # {"ru_inline": ..., "ru_footnote": ..., "en_inline": ..., "en_footnote": ...}
    names: tuple[str, ...] = ()
    names_any_case: tuple[str, ...] = ()
    names_ambiguous: tuple[str, ...] = ()
    exclude_following: str | None = None
    style: dict = field(default_factory=dict)  # per-language default style for this entry
    designation_text: str = ""
    owner: str | None = None

    def text(self, lang: str, style: str) -> str | None:
        """The wording for a language and style; falls back to the other style rather than to nothing."""
        other = "footnote" if style == "inline" else "inline"
        key = "inline" if style == "inline" else "footnote"
        return self.wording.get(f"{lang}_{key}") or self.wording.get(f"{lang}_{other}")


@dataclass
class Registry:
    """The entries in force, plus the file's own metadata (version, when checked) for the report's provenance."""

    entries: list[Entry]
    meta: dict = field(default_factory=dict)
    paths: tuple[str, ...] = ()

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    def stale(self, today: date | None = None, max_age_days: int = 183) -> list[Entry]:
        """Entries not checked for longer than `max_age_days`: designations change, an editor should look again."""
        today = today or date.today()
        out = []
        for e in self.entries:
            checked = _parse_partial_date(e.last_checked)
            if checked is None or (today - checked).days > max_age_days:
                out.append(e)
        return out

    def _patterns(self) -> list[tuple[Entry, re.Pattern, bool]]:
        if not hasattr(self, "_compiled"):
            self._compiled = [(e, *p) for e in self.entries for p in _entry_patterns(e)]
        return self._compiled


def _parse_partial_date(s: str) -> date | None:
    """'2026-11' or '2026-11-26' → a date (the first of the month when no day is given)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", str(s).strip())
    if not m:
        return None
    return date(int(m[1]), int(m[2]), int(m[3] or 1))


_REQUIRED = ("id", "name", "kind", "designation", "legal_basis", "date", "last_checked", "sources", "wording")


def _entry(raw: dict, where: str) -> Entry:
    eid = raw.get("id", "?")
    missing = [k for k in _REQUIRED if not raw.get(k)]
    if missing:
        raise RegistryError(f"{where}: entry {eid!r} lacks {', '.join(missing)} (every label needs its legal basis, "
                            f"date and a dated source)")
    sources = raw["sources"]
    if not isinstance(sources, list) or not all(isinstance(s, dict) and s.get("title") and s.get("date")
                                                 for s in sources):
        raise RegistryError(f"{where}: entry {eid!r}: every source needs a title and a date")
    if not (raw.get("names") or raw.get("names_any_case") or raw.get("names_ambiguous")):
        raise RegistryError(f"{where}: entry {eid!r} has no names to match")
    wording = {k: str(v).lstrip("*").strip() for k, v in raw["wording"].items()}
    for lang in LANGS:
        if not (wording.get(f"{lang}_inline") or wording.get(f"{lang}_footnote")):
            raise RegistryError(f"{where}: entry {eid!r} has no {lang} wording ({lang}_inline or {lang}_footnote)")
    style = dict(raw.get("style") or {})
    bad = {v for v in style.values() if v not in STYLES}
    if bad:
        raise RegistryError(f"{where}: entry {eid!r}: unknown style {sorted(bad)}; use one of {STYLES}")
    if raw.get("exclude_following"):
        try:
            re.compile(raw["exclude_following"])
        except re.error as exc:
            raise RegistryError(f"{where}: entry {eid!r}: exclude_following is not a valid regex: {exc}") from None
    return Entry(
        id=str(raw["id"]), name=raw["name"], kind=raw["kind"], designation=raw["designation"],
        legal_basis=raw["legal_basis"].strip(), date=str(raw["date"]), last_checked=str(raw["last_checked"]),
        sources=tuple(sources), wording=wording, names=tuple(raw.get("names", ())),
        names_any_case=tuple(raw.get("names_any_case", ())), names_ambiguous=tuple(raw.get("names_ambiguous", ())),
        exclude_following=raw.get("exclude_following"), style=style,
        designation_text=raw.get("designation_text", ""), owner=raw.get("owner"))


def _read(path: Path) -> tuple[dict, list[dict]]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RegistryError(f"labelling registry not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    return data.get("registry", {}), data.get("entity", [])


def load_registry(path: str | Path | None = None) -> Registry:
    """The shipped registry (path None) or a user's file, which replaces the shipped one — or extends it
    when its [registry] table says ``extends = "shipped"`` (same id replaces, ``enabled = false`` removes)."""
    meta, raws = _read(SHIPPED)
    paths = [str(SHIPPED)]
    if path is not None:
        user_meta, user_raws = _read(Path(path))
        if user_meta.get("extends") in ("shipped", True):
            by_id = {r["id"]: r for r in raws}
            for r in user_raws:
                by_id[r.get("id")] = r
            raws = list(by_id.values())
            meta = {**meta, **user_meta}
            paths.append(str(path))
        else:
            meta, raws, paths = user_meta, user_raws, [str(path)]
    entries, seen = [], set()
    for raw in raws:
        if raw.get("enabled", True) is False:
            continue
        e = _entry(raw, paths[-1])
        if e.id in seen:
            raise RegistryError(f"{paths[-1]}: entry id {e.id!r} appears twice")
        seen.add(e.id)
        entries.append(e)
    return Registry(entries, dict(meta), tuple(paths))


# ---- matching ------------------------------------------------------------------------------------

_QUOTES = "«»„“”\""
_QUOTE_CLASS = "[«»„“”\"]"
_BRACED = re.compile(r"\{([^{}]+)\}")


from otklik.morph import morph as _morph  # noqa: E402 (the one shared analyzer)


@lru_cache(maxsize=512)
def _forms(word: str) -> tuple[str, ...]:
    """Every inflected form of a Russian word, with the word's own capitalisation (pymorphy3 lexemes)."""
    forms = {word.lower()}
    try:
        for p in _morph().parse(word)[:2]:
            forms.update(f.word for f in p.lexeme)
    except Exception:  # pymorphy3 unavailable: the word as written still matches
        pass
    if word[:1].isupper():
        forms = {f[:1].upper() + f[1:] for f in forms}
    return tuple(sorted(forms, key=len, reverse=True))


def _name_regex(name: str) -> str:
    """A registry name → regex: {word} inflected, any quote mark for any quote mark, any spacing for a space."""
    out, pos = [], 0
    for m in _BRACED.finditer(name):
        out.append(_literal(name[pos:m.start()]))
        out.append("(?:" + "|".join(re.escape(f).replace("ё", "[её]") for f in _forms(m[1])) + ")")
        pos = m.end()
    out.append(_literal(name[pos:]))
    return "".join(out)


def _literal(s: str) -> str:
    parts = []
    for ch in s:
        if ch in _QUOTES:
            parts.append(_QUOTE_CLASS)
        elif ch.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


# a name is a whole word: not glued to letters, digits, _, @ or # (handles, hashtags, other words)
_BEFORE = r"(?<![\w@#/])"
_AFTER = r"(?![\w])"


def _entry_patterns(e: Entry) -> list[tuple[re.Pattern, bool]]:
    """(pattern, ambiguous) pairs for an entry; longest names first so «движение «Адат»» beats «Адат»."""
    out = []
    for names, flags, ambiguous in ((e.names, 0, False), (e.names_any_case, re.I, False),
                                    (e.names_ambiguous, 0, True)):
        if names:
            alts = sorted((_name_regex(n) for n in names), key=len, reverse=True)
            out.append((re.compile(_BEFORE + "(?:" + "|".join(alts) + ")" + _AFTER, flags | re.U), ambiguous))
    return out


_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|ru|org|net|me|io|eu|kz|kg|uz|info)\b\S*", re.I)
_OPENERS = " \t" + _QUOTES + "([—–-#>*"
_WORD_TAIL = re.compile(r"['’]s\b|-\w+")
_ALREADY_ASTERISK = re.compile(r"\*+")
_ALREADY_INLINE = re.compile(r"\s*\([^()]{0,160}?(?:экстремист|террорист|нежелательн|иноагент|иностранн\w* агент|"
                             r"extremist|terrorist|undesirable|foreign agent)", re.I)


def _at_sentence_start(text: str, pos: int) -> bool:
    """True when only spaces, quotes, brackets, dashes or Markdown marks stand between `pos` and the
    previous sentence end (or the start of the text): a capitalised word there may be an ordinary word."""
    before = text[:pos].rstrip(_OPENERS)
    return not before or before[-1] in ".!?…\n"


# ---- policy and marker ---------------------------------------------------------------------------


@dataclass
class Policy:
    """An outlet's labelling choices.

    `ru` / `en`: the style for that language — "asterisk" («Instagram*» and a footnote), "inline"
    (the wording in brackets after the name) or "none". An entry's own default (`style` in the
    registry: organisations on the extremist list are inline in Russian too) overrides the
    language style; `entries` — {entry id: {lang: style}} — is the outlet's per-entry choice and
    overrides both. `enabled` switches labelling off for a language altogether.
    """

    ru: str = "asterisk"
    en: str = "inline"
    enabled: dict = field(default_factory=lambda: {"ru": True, "en": True})
    entries: dict = field(default_factory=dict)

    def __post_init__(self):
        for lang in LANGS:
            if getattr(self, lang) not in STYLES:
                raise ValueError(f"labelling style for {lang} must be one of {STYLES}, not {getattr(self, lang)!r}")
        for eid, per_lang in self.entries.items():
            bad = {v for v in per_lang.values() if v not in STYLES}
            if bad:
                raise ValueError(f"labelling style for {eid} must be one of {STYLES}, not {sorted(bad)}")

    @classmethod
    def from_dict(cls, cfg: dict | None) -> "Policy":
        """From an outlet's config table, e.g. {"ru": "inline", "enabled": {"en": False}}; missing keys keep defaults."""
        cfg = dict(cfg or {})
        enabled = {"ru": True, "en": True, **(cfg.pop("enabled", None) or {})}
        return cls(enabled=enabled, **{k: v for k, v in cfg.items() if k in ("ru", "en", "entries")})

    def is_enabled(self, lang: str) -> bool:
        return lang in LANGS and bool(self.enabled.get(lang, True))

    def style_for(self, entry: Entry, lang: str) -> str:
        if not self.is_enabled(lang):
            return "none"
        return (self.entries.get(entry.id, {}).get(lang) or entry.style.get(lang) or getattr(self, lang))


class Marker:
    """Marks the first mention of each designated entity in the text of one report (one language),
    or every mention with `every=True` (an outlet's house style: «Instagram*» each time; an inline
    wording is still given at the first mention only, as repeating a bracketed sentence reads badly).

    Keep one Marker per report and pass every generated paragraph and every quote translation
    through `mark` in reading order: "first mention" is across all calls. `footnotes()` then gives
    the footnote lines the asterisks refer to. Distinct footnote texts get "*", "**", "***" in the
    order they are first needed; entities sharing a footnote (Instagram, Facebook) share the mark.
    """

    def __init__(self, registry: Registry, policy: Policy | None = None, lang: str = "ru", every: bool = False):
        self.registry = registry
        self.every = every
        self.policy = policy or Policy()
        self.lang = lang
        self.marked: list[str] = []  # entry ids, in order of first mention
        self._footnotes: dict[str, str] = {}  # footnote text -> asterisk(s)

    def mark(self, text: str, protect: Iterable[str] = ()) -> str:
        """`text` with the first mention of each not-yet-marked entity labelled.

        `protect`: verbatim strings inside `text` (an original quote within a generated sentence)
        that are neither marked nor counted as a mention.
        """
        if not text or not self.policy.is_enabled(self.lang):
            return text
        blocked = [m.span() for m in _URL.finditer(text)]
        for p in protect:
            if p:
                blocked += [(m.start(), m.end()) for m in re.finditer(re.escape(p), text)]
        candidates = []
        for entry, pattern, ambiguous in self.registry._patterns():
            if entry.id in self.marked and not self.every:
                continue
            for m in pattern.finditer(text):
                s, e = m.span()
                if any(s < be and bs < e for bs, be in blocked):
                    continue
                if ambiguous and (_at_sentence_start(text, s) or (
                        entry.exclude_following and re.match(entry.exclude_following, text[e:], re.I))):
                    continue
                candidates.append((s, -(e - s), e, entry))
                if not self.every:
                    break  # the first acceptable match of this pattern is enough
        # per entity, its earliest mention; overlapping mentions of different entities: the longer/earlier wins
        inserts, taken = [], []
        for s, _neg, e, entry in sorted(candidates, key=lambda c: (c[0], c[1])):
            again = entry.id in self.marked
            if again and (not self.every or self.policy.style_for(entry, self.lang) != "asterisk"):
                continue  # every mention gets an asterisk; inline wording is said at the first only
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            if entry.id not in self.marked:
                self.marked.append(entry.id)
            if s and text[s - 1] in "«„“\"" and text[e:e + 1] in "»“”\"":
                e += 1  # «Мета Платформс» — the label goes after the closing quote, not inside it
            emphasis = re.search(r"[*_]+$", text[max(0, s - 3):s])
            if emphasis and text.startswith(emphasis.group(0), e):
                e += len(emphasis.group(0))  # Markdown **Instagram**: the label goes after the closing marks
            insert = self._label(entry, text, e)
            if insert.startswith(" ") and (tail := _WORD_TAIL.match(text, e)):
                e = tail.end()  # "Instagram's (owned by …) page", «Инстаграм-страница (…)»: not inside a word
            if insert:
                inserts.append((e, insert))
        for pos, insert in sorted(inserts, reverse=True):
            text = text[:pos] + insert + text[pos:]
        return text

    def _label(self, entry: Entry, text: str, end: int) -> str:
        """What to insert after a first mention ending at `end` ('' when already labelled or style none)."""
        already = _ALREADY_ASTERISK.match(text, end)
        if already:  # «Instagram*» written by hand: keep it, make sure its footnote is there
            note = entry.text(self.lang, "asterisk")
            if note and note not in self._footnotes:
                self._footnotes[note] = already.group(0)
            return ""
        if _ALREADY_INLINE.match(text, end):
            return ""
        style = self.policy.style_for(entry, self.lang)
        if style == "none":
            return ""
        if style == "asterisk" and not entry.wording.get(f"{self.lang}_footnote"):
            style = "inline"  # no footnote wording for this language: the inline wording still labels it
        if style == "inline":
            return " " + entry.text(self.lang, "inline")
        note = entry.text(self.lang, "asterisk")
        if note not in self._footnotes:
            used = set(self._footnotes.values())
            n = 1
            while "*" * n in used:
                n += 1
            self._footnotes[note] = "*" * n
        return self._footnotes[note]

    def footnotes(self) -> list[str]:
        """Footnote lines for the asterisks placed so far, in order: «*Принадлежит компании Meta, …»."""
        return [mark + note for note, mark in self._footnotes.items()]
