"""Write the fictional demo case's export files, byte for byte the same on every run.

    python -m otklik.demo.generate OUTDIR

writes, under OUTDIR:
  instagram/<page>/<page>_<id>.json                 Instaloader profile metadata (node_type Profile)
  instagram/<page>/<date>_UTC.json                  the post (GraphQL node, as --no-compress-json saves it)
  instagram/<page>/<date>_UTC_comments.json         its comments (--comments), replies in "answers"
  telegram/channel/result.json                      Telegram Desktop export of the monitor's channel
  telegram/group/result.json                        ... and of its linked discussion group
  truth.json                                        the ground truth built in (not an export)

The words and their labels live in content.py; this module turns them into the shapes the real
tools write (see reference/formats.md §2 and §3.1): it picks accounts, times and ids with a
seeded random generator, so that re-running gives the same bytes. Python's `random` with a fixed
integer seed yields the same sequence on every CPython 3 version; nothing here iterates a set.
"""

from __future__ import annotations

import json
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .content import (BURST_TEXTS, CHANNEL_NAME, CHANNEL_POSTS, IG, PAGE_BIO, PAGE_CAPTION, SUBJECT,
                      TG, Spec)

SEED = 20261126
UTC = timezone.utc
MSK = timezone(timedelta(hours=3))  # Telegram Desktop writes `date` in the exporting computer's time

PAGE = "ilyas_mudarov_svoboda"
PAGE_ID = 58213370412
PAGE_NAME = "Свободу Ильясу Мударову"
FOLLOWERS = 161
SHORTCODE = "DGq7Lk2oTzW"
POST_ID = "3771204456610523891"
POST_AT = datetime(2026, 11, 25, 7, 35, 12, tzinfo=UTC)
THREAD_START = POST_AT + timedelta(minutes=12)
THREAD_END = POST_AT + timedelta(hours=10, minutes=20)  # last comment ~10 h after the post
BURST_AT = POST_AT + timedelta(hours=5, minutes=3)  # 8 accounts, one text, within five minutes
# When the exports were made: 22:20 Moscow time on the day of the post. The files carry no capture
# time (importers fall back to file mtimes), so truth.json records it for `--captured-at`.
CAPTURED_AT = "2026-11-25T19:20:00Z"
HIDDEN_COMMENTS = 3  # the post's comment count includes a few the export does not list
PIC = "https://example.invalid/ig/u.jpg"

CHANNEL_ID = 1873402915
GROUP_ID = 1962218837
GROUP_NAME = "Хроника преследований — обсуждение"
NO_FILE = "(File not included. Change data exporting settings to download.)"

# Accounts that comment more than once (content.py names them in `who`).
IG_RECURRING = {  # handle, full name
    "page": (PAGE, PAGE_NAME),
    "madina": ("madina.khas_92", "Мадина"),
    "zakon": ("zakon_i_poryadok_77", ""),
    "aizhan": ("aizhan.sarsenkyzy", "Айжан Сарсенқызы"),
    "lena": ("lena_k_berlin", "Lena K."),
}
TG_RECURRING = {  # display name, user id
    "tg_hostile": ("Виктор Н.", 5120448371),
    "tg_zarema": ("Zarema 🌸", 6034917722),
}

# Invented handles and names are built from first names, by the language a commenter writes in.
FIRST = {
    "kk": "aigerim Айгерим, aizhan Айжан, dana Дана, asel Асель, nurlan Нурлан, yerlan Ерлан, dias Диас, "
          "arman Арман, madi Мади, zhanna Жанна, saule Сауле, gulnara Гүлнара, bakhyt Бақыт, timur Тимур, "
          "aruzhan Аружан, dariga Дариға, askar Асқар, zhansaya Жансая, ainur Айнұр, samat Самат, "
          "yerbol Ербол, meruyert Меруерт, kairat Қайрат, akmaral Ақмарал, aliya Әлия, daulet Дәулет",
    "ce": "zelimkhan Зелимхан, magomed Магомед, ruslan Руслан, adam Адам, khasan Хасан, movsar Мовсар, "
          "aslan Аслан, zarema Зарема, madina Мадина, khava Хава, luiza Луиза, amina Амина, islam Ислам, "
          "akhmed Ахмед, said Саид, bilal Билал, rustam Рустам, zaur Заур, elina Элина, milana Милана, "
          "deni Дени, yakub Якуб, seda Седа, kheda Хеда",
    "ru": "anna Анна, elena Елена, dima Дмитрий, sergey Сергей, olga Ольга, natasha Наталья, pavel Павел, "
          "irina Ирина, misha Михаил, sveta Светлана, andrey Андрей, tanya Татьяна, max Максим, "
          "ksenia Ксения, igor Игорь, yulia Юлия, vlad Влад, marina Марина, alina Алина, kirill Кирилл",
    "en": "sarah Sarah, tomasz Tomasz, hannah Hannah, lukas Lukas, emma Emma, david David, julia Julia, "
          "mark Mark, nina Nina, jonas Jonas",
}
NAMES = {lang: [tuple(pair.split()) for pair in names.split(", ")] for lang, names in FIRST.items()}
TAIL = ["kz", "almaty", "astana", "ast", "nur", "official", "life", "mama", "style", "grozny", "95",
        "88", "2003", "07", "k", "m", "s", "x", "pro", "blog"]
INITIALS = {"kk": "АБДЕЖКМНОСТҚ", "ce": "АБГДИМСХЦЭ", "ru": "АБВГДЕЗИКЛМНПРСТФ", "en": "BCDKLMRS"}


class Accounts:
    """Invents accounts: a new one per comment unless the comment names a recurring account."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: dict[str, bool] = {h: True for h, _ in IG_RECURRING.values()}
        self.ids: dict[int, bool] = {PAGE_ID: True} | {uid: True for _, uid in TG_RECURRING.values()}

    def new_id(self, lo: int, hi: int) -> int:
        while True:
            n = self.rng.randint(lo, hi)
            if n not in self.ids:
                self.ids[n] = True
                return n

    def person(self, lang: str) -> tuple[str, str]:
        """(Latin first name for a handle, the name as the person writes it)."""
        return self.rng.choice(NAMES.get(lang, NAMES["ru"]))

    def ig_handle(self, first: str) -> str:
        rng = self.rng
        while True:
            h = rng.choice([f"{first}_{rng.choice(TAIL)}", f"{first}.{rng.choice(TAIL)}{rng.randint(1, 99)}",
                            f"_{first}_{rng.randint(80, 99)}", f"{first}{rng.randint(100, 9999)}"])
            if h not in self.taken:
                self.taken[h] = True
                return h

    def display_name(self, lang: str, name: str) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return f"{name} {self.rng.choice(INITIALS.get(lang, INITIALS['ru']))}."
        return name + " 🌙" if roll < 0.5 else name


# ------------------------------------------------------------------ Instagram


def vary(rng: random.Random, spec: Spec) -> str:
    """Small edits people make to the same kind of sentence: a dropped full stop, a lowercase start."""
    text = spec.text
    if spec.lang == "und" or spec.burst:
        return text
    if text.endswith(".") and rng.random() < 0.3:
        text = text[:-1]
    if text[:1].isupper() and rng.random() < 0.1:
        text = text[0].lower() + text[1:]
    if spec.stance == 1 and spec.theme in ("a", "b") and rng.random() < 0.12:
        text += rng.choice([" 🙏", " 😢", " 💔", "🙏🙏"])
    return text


def ig_thread(rng: random.Random) -> list[dict]:
    """Every Instagram comment as a flat dict (author, time, text, truth), parents before replies."""
    acc = Accounts(rng)
    roots = list(IG)
    rng.shuffle(roots)
    # front-loaded arrival: most comments in the first hours after the post
    span = (THREAD_END - THREAD_START).total_seconds()
    times = sorted(THREAD_START + timedelta(seconds=int(span * rng.random() ** 1.6)) for _ in roots)
    authors: dict[str, dict] = {}

    def author(spec: Spec) -> dict:
        key = spec.who or f"new{len(authors)}"
        if key not in authors:
            if spec.who:
                handle, full = IG_RECURRING[spec.who]
            else:
                first, name = acc.person(spec.lang)
                handle = acc.ig_handle(first)
                full = acc.display_name(spec.lang, name) if rng.random() < 0.7 else ""  # many leave it empty
            uid = PAGE_ID if spec.who == "page" else acc.new_id(10**9, 7 * 10**10)
            authors[key] = {"handle": handle, "full_name": full, "id": uid}
        return authors[key]

    out: list[dict] = []
    for root, at in zip(roots, times):
        at = min(at, THREAD_END - timedelta(minutes=40))
        out.append(_ig_record(rng, root, author(root), at, None, None))
        thread = [out[-1]]
        for reply in root.replies:
            target = thread[0] if reply.to is None else thread[1 + reply.to]
            at = max(r["at"] for r in thread) + timedelta(seconds=rng.randint(90, 40 * 60))
            at = min(at, THREAD_END)
            rec = _ig_record(rng, reply, author(reply), at, thread[0], target["author"]["handle"])
            thread.append(rec)
            out.append(rec)
    for i, text in enumerate(BURST_TEXTS):
        spec = Spec("ru", 1, "b", text, burst=True)
        at = BURST_AT + timedelta(seconds=i * 33 + rng.randint(0, 25))
        out.append(_ig_record(rng, spec, author(spec), at, None, None))
    # ids grow with time, as Instagram's do
    out.sort(key=lambda r: r["at"])
    cid = 18063452219000000
    for r in out:
        cid += rng.randint(3_000_000, 90_000_000)
        r["id"] = cid
        r["as_int"] = rng.random() < 0.35  # fetched through the iPhone endpoint: int id, iPhone owner
    return out


def _ig_record(rng, spec: Spec, who: dict, at: datetime, root: dict | None, to: str | None) -> dict:
    text = vary(rng, spec).replace("{to}", f"@{to}")
    popular = spec.stance == 1 and spec.theme in ("a", "b", "d") and root is None
    likes = rng.randint(3, 48) if popular and rng.random() < 0.35 else rng.randint(0, 4)
    return {"spec": spec, "author": who, "at": at, "text": text, "root": root, "likes": likes}


def ig_owner(r: dict) -> dict:
    a = r["author"]
    if r["as_int"]:  # Profile.from_iphone_struct(...)._asdict()
        return {"id": a["id"], "username": a["handle"], "is_private": False, "full_name": a["full_name"],
                "profile_pic_url_hd": PIC,
                "iphone_struct": {"pk": a["id"], "username": a["handle"], "full_name": a["full_name"],
                                  "is_private": False, "profile_pic_url": PIC}}
    return {"id": str(a["id"]), "is_verified": False, "profile_pic_url": PIC, "username": a["handle"]}


def ig_comment(r: dict) -> dict:
    return {"id": r["id"] if r["as_int"] else str(r["id"]), "created_at": int(r["at"].timestamp()),
            "text": r["text"], "owner": ig_owner(r), "likes_count": r["likes"]}


def ig_comments_json(records: list[dict]) -> list[dict]:
    """The _comments.json list: top-level comments newest first, each with its answers newest first."""
    tops = [r for r in records if r["root"] is None]
    out = []
    for top in sorted(tops, key=lambda r: r["id"], reverse=True):
        answers = [r for r in records if r["root"] is top]
        out.append({**ig_comment(top), "answers": [ig_comment(a) for a in sorted(answers, key=lambda r: r["id"],
                                                                                    reverse=True)]})
    return out


def ig_profile() -> dict:
    return {"biography": PAGE_BIO, "edge_follow": {"count": 37}, "edge_followed_by": {"count": FOLLOWERS},
            "full_name": PAGE_NAME, "id": str(PAGE_ID), "is_private": False, "is_verified": False,
            "profile_pic_url_hd": "https://example.invalid/ig/page.jpg", "username": PAGE}


def ig_post(n_comments: int) -> dict:
    owner = {"edge_followed_by": {"count": FOLLOWERS}, "full_name": PAGE_NAME, "id": str(PAGE_ID),
             "is_verified": False, "profile_pic_url": "https://example.invalid/ig/page.jpg", "username": PAGE}
    return {"__typename": "GraphImage", "accessibility_caption": None, "comments_disabled": False,
            "display_url": "https://example.invalid/ig/post.jpg",
            "edge_liked_by": {"count": 874}, "edge_media_preview_like": {"count": 874},
            "edge_media_to_caption": {"edges": [{"node": {"text": PAGE_CAPTION}}]},
            "edge_media_to_comment": {"count": n_comments + HIDDEN_COMMENTS},
            "id": POST_ID, "is_video": False, "location": None, "owner": owner,
            "shortcode": SHORTCODE, "taken_at_timestamp": int(POST_AT.timestamp())}


def instaloader_file(node: dict, node_type: str) -> str:
    # Instaloader's save_structure_to_file: json.dump(..., indent=4, sort_keys=True), ASCII-escaped
    return json.dumps({"node": node, "instaloader": {"version": "4.16", "node_type": node_type}},
                      indent=4, sort_keys=True)


# ------------------------------------------------------------------ Telegram


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def tg_text(parts) -> tuple:
    """(text, text_entities) as Telegram Desktop writes them: a string when all of it is plain."""
    parts = [parts] if isinstance(parts, str) else parts
    entities = []
    for p in parts:
        if isinstance(p, str):
            entities.append({"type": "plain", "text": p})
        else:
            e = {"type": p[0], "text": p[1]}
            if len(p) > 2:
                e["href"] = p[2]
            entities.append(e)
    if all(e["type"] == "plain" for e in entities):
        return "".join(e["text"] for e in entities), entities
    return [e["text"] if e["type"] == "plain" else e for e in entities], entities


def tg_message(mid: int, at: datetime, frm: str, from_id: str, parts, **extra) -> dict:
    m = {"id": mid, "type": "message", "date": at.astimezone(MSK).strftime("%Y-%m-%dT%H:%M:%S"),
         "date_unixtime": str(int(at.timestamp()))}
    edited = extra.pop("edited", None)
    if edited:
        m["edited"] = edited.astimezone(MSK).strftime("%Y-%m-%dT%H:%M:%S")
        m["edited_unixtime"] = str(int(edited.timestamp()))
    m["from"], m["from_id"] = frm, from_id
    if "forwarded_from" in extra:
        m["forwarded_from"] = extra.pop("forwarded_from")
    if "reply_to_message_id" in extra:
        m["reply_to_message_id"] = extra.pop("reply_to_message_id")
    if extra.pop("photo", False):
        m.update({"photo": NO_FILE, "width": 1280, "height": 853})
    reactions = extra.pop("reactions", None)
    m["text"], m["text_entities"] = tg_text(parts)
    if reactions:
        m["reactions"] = [{"type": "emoji", "count": n, "emoji": e} for e, n in reactions]
    assert not extra, extra
    return m


def tg_chat(name: str, kind: str, chat_id: int, messages: list[dict]) -> str:
    # Telegram Desktop indents by one space and writes UTF-8 as is
    return json.dumps({"name": name, "type": kind, "id": chat_id, "messages": messages},
                      indent=1, ensure_ascii=False) + "\n"


def telegram(rng: random.Random) -> tuple[str, str, list[dict]]:
    """The channel export, the group export and the comments' ground truth."""
    acc = Accounts(rng)
    channel_from = f"channel{CHANNEL_ID}"
    channel = [{"id": 1, "type": "service", "date": "2024-02-11T19:03:27", "date_unixtime": "1707667407",
                "actor": CHANNEL_NAME, "actor_id": channel_from, "action": "create_channel",
                "title": CHANNEL_NAME, "text": "", "text_entities": []}]
    post_ids = [418, 421, 446, 611, 614]
    group: list[tuple[datetime, dict]] = []  # (time, message) before group ids are given
    users: dict[str, tuple[str, int]] = {}

    def user(spec: Spec) -> tuple[str, int]:
        key = spec.who or f"new{len(users)}"
        if key not in users:
            users[key] = TG_RECURRING[spec.who] if spec.who else (
                acc.display_name(spec.lang, acc.person(spec.lang)[1]), acc.new_id(10**8, 7 * 10**9))
        return users[key]

    for n, (when, parts, extra) in enumerate(CHANNEL_POSTS):
        at = utc(when)
        channel.append(tg_message(post_ids[n], at, CHANNEL_NAME, channel_from, parts, **extra))
        copy_at = at + timedelta(seconds=rng.randint(1, 3))  # the group's automatic copy of the post
        copy = tg_message(0, copy_at, CHANNEL_NAME, channel_from, parts,
                          forwarded_from=CHANNEL_NAME, photo=extra.get("photo", False))
        group.append((copy_at, copy))
        for minutes, root in TG.get(n, []):
            thread: list[dict] = []
            t = at + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
            for i, spec in enumerate([root] + root.replies):
                if i:
                    t = t + timedelta(seconds=rng.randint(60, 25 * 60))
                parent = copy if i == 0 else thread[0 if spec.to is None else 1 + spec.to]
                name, uid = user(spec)
                edited = t + timedelta(minutes=rng.randint(1, 9)) if rng.random() < 0.08 else None
                m = tg_message(0, t, name, f"user{uid}", spec.text, edited=edited)
                m["_about"] = {"post": post_ids[n], "copy": copy, "parent": parent, "author": f"user{uid}",
                               "name": name, "spec": spec}
                thread.append(m)
                group.append((t, m))
    group.sort(key=lambda x: x[0])
    mid, last = 2301, group[0][0]
    for at, m in group:
        # the group also discusses other posts, and some messages were deleted: ids have gaps
        mid += rng.randint(40, 900) if at - last > timedelta(days=1) else rng.choice([1, 1, 1, 2, 3])
        m["id"], last = mid, at
    messages, truth = [], []
    for _, m in group:
        about = m.pop("_about", None)
        if about:
            items = list(m.items())
            at = [k for k, _ in items].index("from_id") + 1  # where Telegram Desktop writes it
            m = dict(items[:at] + [("reply_to_message_id", about["parent"]["id"])] + items[at:])
            spec, copy_id, parent_id = about["spec"], about["copy"]["id"], about["parent"]["id"]
            truth.append({"id": m["id"], "post": about["post"], "copy": copy_id,
                          "parent": None if parent_id == copy_id else parent_id,  # None: replies to the copy
                          "author": about["author"], "name": about["name"], "lang": spec.lang,
                          "stance": spec.stance, "theme": spec.theme, "burst": False,
                          "proposals": list(spec.proposals)})
        messages.append(m)
    return (tg_chat(CHANNEL_NAME, "public_channel", CHANNEL_ID, channel),
            tg_chat(GROUP_NAME, "public_supergroup", GROUP_ID, messages), truth)


# ------------------------------------------------------------------ ground truth


def summarise(rows: list[dict]) -> dict:
    def count(key):
        out: dict[str, int] = {}
        for r in rows:
            k = "null" if r[key] is None else str(r[key])
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items()))

    return {"comments": len(rows), "authors": len({r["author"] for r in rows}),
            "lang": count("lang"), "stance": count("stance"), "theme": count("theme"),
            "burst": sum(r["burst"] for r in rows)}


def summary_markdown(truth: dict) -> str:
    """The ground-truth table README.md shows (tests check that it matches truth.json)."""
    ig, tg = truth["instagram"]["summary"], truth["telegram"]["summary"]
    lines = ["| | Instagram | Telegram |", "|---|---:|---:|",
             f"| comments | {ig['comments']} | {tg['comments']} |",
             f"| distinct authors | {ig['authors']} | {tg['authors']} |"]
    for field, title in (("lang", "language"), ("stance", "stance"), ("theme", "theme")):
        keys = sorted(set(ig[field]) | set(tg[field]))
        for k in keys:
            lines.append(f"| {title} `{k}` | {ig[field].get(k, 0)} | {tg[field].get(k, 0)} |")
    lines.append(f"| in the copy-paste burst | {ig['burst']} | {tg['burst']} |")
    return "\n".join(lines) + "\n"


def build() -> dict[str, bytes]:
    """Every file of the demo, by path relative to the output directory."""
    ig = ig_thread(random.Random(SEED))
    channel, group, tg_truth = telegram(random.Random(SEED + 1))
    prefix = POST_AT.strftime("%Y-%m-%d_%H-%M-%S_UTC")
    folder = f"instagram/{PAGE}"
    ig_rows = {str(r["id"]): {"author": r["author"]["handle"],
                              "parent": str(r["root"]["id"]) if r["root"] else None,
                              "lang": r["spec"].lang, "stance": r["spec"].stance, "theme": r["spec"].theme,
                              "burst": r["spec"].burst, "proposals": list(r["spec"].proposals)} for r in ig}
    tg_rows = {str(t.pop("id")): t for t in tg_truth}
    burst = [r for r in ig if r["spec"].burst]
    truth = {
        "about": f"Ground truth of the fictional demo case ({SUBJECT}); not an export, the importers do not "
                 "read it. stance: 1 concerned/supportive, 0 neutral, -1 hostile, null unrelated. theme: "
                 "a concern, b appeals to Kazakhstan, c third country, d legal/factual, e hostile, "
                 "f unrelated, null none. lang und: emoji or '+' only. proposals: countries proposed as a safe "
                 "destination (English names; Europe = an unspecified European country or the EU).",
        "captured_at": CAPTURED_AT,
        "instagram": {"post": SHORTCODE, "comments_listed": len(ig),
                      "comment_count_observed": len(ig) + HIDDEN_COMMENTS, "followers": FOLLOWERS,
                      "burst_accounts": [r["author"]["handle"] for r in sorted(burst, key=lambda r: r["at"])],
                      "burst_window": [_iso(burst[0]["at"]), _iso(burst[-1]["at"])],
                      "summary": summarise(list(ig_rows.values())), "comments": ig_rows},
        "telegram": {"channel_id": CHANNEL_ID, "group_id": GROUP_ID,
                     "summary": summarise(list(tg_rows.values())), "comments": tg_rows},
    }
    return {
        f"{folder}/{PAGE}_{PAGE_ID}.json": instaloader_file(ig_profile(), "Profile").encode(),
        f"{folder}/{prefix}.json": instaloader_file(ig_post(len(ig)), "Post").encode(),
        f"{folder}/{prefix}_comments.json": json.dumps(ig_comments_json(ig), indent=4).encode(),
        "telegram/channel/result.json": channel.encode(),
        "telegram/group/result.json": group.encode(),
        "truth.json": dump_truth(truth).encode(),
    }


def dump_truth(truth: dict) -> str:
    """Indented JSON with each comment's labels on one line, so that the file stays small and diffable."""
    text = json.dumps(truth, indent=1, ensure_ascii=False)
    # a comment's proposals list goes on one line, then so do innermost objects (handles and
    # names contain no brackets)
    text = re.sub(r'("proposals": )\[\n\s+([^\[\]]*?)\n\s*\]',
                  lambda m: m.group(1) + "[" + re.sub(r",\n\s+", ", ", m.group(2)) + "]", text)
    return re.sub(r"\{\n\s+((?:[^{}\[\]]|\[[^{}\[\]\n]*\])*?)\n\s*\}",
                  lambda m: "{" + re.sub(r",\n\s+", ", ", m.group(1)) + "}", text) + "\n"


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write(outdir: Path) -> list[Path]:
    paths = []
    for rel, data in build().items():
        path = outdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m otklik.demo.generate OUTDIR", file=sys.stderr)
        return 2
    for path in write(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
