"""Read a labelled case folder for `otklik eval case`: its export files, the case to create, and
the gold label of every comment, in one shape for both layouts.

- gazdiev's layout: `gold.json` (summary + `comments` keyed by discussion message id +
  `non_case_messages`), Telegram Desktop exports under any sub-folder (`channel/`, `discussion/`),
  `background_events.json` ({date, event, kind: past|deadline}) as the case's dated events.
- the demo's layout (`src/otklik/demo/data/`): `truth.json` (per platform, comments keyed by
  Instagram comment id or Telegram group message id), `instagram/**.json`, `telegram/**/result.json`,
  and the case (subject, aliases, tz, languages, events) in `case.json` beside it or one folder up.

A gold comment is keyed by (platform, id as the gold file writes it); the store's Telegram ids are
"<chat>/<message>", so a store comment is matched on its id, else on the id's last part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class CaseDirError(ValueError):
    """The folder is not a labelled case this command can read; the message names the file."""


@dataclass
class GoldCase:
    folder: Path
    layout: str  # "gazdiev" | "demo"
    name: str
    subject: str
    aliases: list[str]
    tz: str
    langs: list[str]
    captured_at: str | None
    files: list[Path]
    events: list[dict]
    # (platform, id) -> {stance, lang, theme, proposals (list, or None when the gold has none),
    #                    coordinated, author}
    comments: dict[tuple[str, str], dict]
    non_case: set[tuple[str, str]] = field(default_factory=set)  # imported messages that are no case comment

    def key_of(self, platform: str, platform_id: str) -> tuple[str, str] | None:
        """The gold key of a stored comment, or None when the gold does not label it."""
        for k in ((platform, platform_id), (platform, platform_id.rsplit("/", 1)[-1])):
            if k in self.comments or k in self.non_case:
                return k
        return None


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CaseDirError(f"{path}: cannot read it as JSON ({e})") from None


def _telegram_exports(folder: Path) -> list[Path]:
    """Telegram Desktop result.json files, channels before groups (a group's copies of posts need
    the channel's posts), then by path."""
    found = sorted(folder.rglob("result.json"))
    return sorted(found, key=lambda p: (not str(_read_json(p).get("type", "")).endswith("channel"), str(p)))


def _need(d: dict, key: str, where: str):
    if key not in d:
        raise CaseDirError(f"{where}: missing {key!r}")
    return d[key]


def load_case_dir(folder: str | Path, name: str = "eval") -> GoldCase:
    folder = Path(folder)
    if not folder.is_dir():
        raise CaseDirError(f"{folder}: not a folder")
    if (folder / "gold.json").exists():
        return _gazdiev(folder, name)
    if (folder / "truth.json").exists():
        return _demo(folder, name)
    raise CaseDirError(f"{folder}: neither gold.json (gazdiev layout) nor truth.json (demo layout) is there")


def _gazdiev(folder: Path, name: str) -> GoldCase:
    path = folder / "gold.json"
    gold = _read_json(path)
    summary = _need(gold, "summary", str(path))
    subj = _need(summary, "subject", f"{path} summary")
    subject = subj.get("name_ru") or _need(subj, "name_en", f"{path} summary.subject")
    aliases = [a for a in subj.get("aliases", []) if a != subject]
    snapshot = summary.get("snapshot", {})
    comments = {}
    for cid, c in _need(gold, "comments", str(path)).items():
        where = f"{path} comment {cid}"
        comments[("telegram", str(cid))] = {
            "stance": _need(c, "stance", where), "lang": c.get("lang"), "theme": c.get("theme"),
            "proposals": list(c["proposals"]) if "proposals" in c else None,
            "coordinated": bool(c.get("coordinated")), "author": str(_need(c, "author", where))}
    events = []
    ev_path = folder / "background_events.json"
    if ev_path.exists():
        for i, e in enumerate(_read_json(ev_path)):
            where = f"{ev_path} item {i}"
            events.append({"date": _need(e, "date", where), "text_ru": _need(e, "event", where),
                           "deadline": e.get("kind") == "deadline"})
    files = _telegram_exports(folder)
    if not files:
        raise CaseDirError(f"{folder}: no Telegram export (result.json) under it")
    return GoldCase(folder, "gazdiev", name, subject, aliases,
                    "Europe/Moscow" if "moscow" in snapshot else "UTC", ["ru", "en"], snapshot.get("utc"),
                    files, events, comments, {("telegram", str(k)) for k in gold.get("non_case_messages", {})})


def _demo(folder: Path, name: str) -> GoldCase:
    path = folder / "truth.json"
    truth = _read_json(path)
    spec_path = next((p for p in (folder / "case.json", folder.parent / "case.json") if p.exists()), None)
    if spec_path is None:
        raise CaseDirError(f"{folder}: truth.json needs a case.json (subject, aliases) beside it or one folder up")
    spec = _read_json(spec_path)
    comments = {}
    for platform in ("instagram", "telegram"):
        for cid, c in truth.get(platform, {}).get("comments", {}).items():
            where = f"{path} {platform} comment {cid}"
            comments[(platform, str(cid))] = {
                "stance": _need(c, "stance", where), "lang": c.get("lang"), "theme": c.get("theme"),
                "proposals": list(c["proposals"]) if "proposals" in c else None,
                "coordinated": bool(c.get("burst")), "author": str(_need(c, "author", where))}
    if not comments:
        raise CaseDirError(f"{path}: no labelled comments under instagram/telegram")
    files = sorted((folder / "instagram").rglob("*.json")) + _telegram_exports(folder / "telegram")
    if not files:
        raise CaseDirError(f"{folder}: no export files under instagram/ or telegram/")
    return GoldCase(folder, "demo", name, _need(spec, "subject", str(spec_path)), list(spec.get("aliases", [])),
                    spec.get("tz", "Europe/Moscow"), list(spec.get("langs", ["ru"])), truth.get("captured_at"),
                    files, list(spec.get("events", [])), comments)
