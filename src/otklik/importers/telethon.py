"""Telethon message dicts (`Message.to_dict()`), as most Telegram research scrapers store them.

Accepted files: a JSON list of message dicts; a JSON object whose values are message dicts or
lists of them (`{"messages": [...]}`, or e.g. `{"channel_post": {...}, "discussion_group_messages":
[...]}`; other lists such as the `users` / `chats` of a raw API result are not read); or JSONL, one
message per line. Also 4CAT's variant (`_type` instead of `_`, dates as unix floats, plus `_chat` and
`_sender`, which give the chat's title, username and kind, and the sender's username and name).
A raw record is a line, or the exact span of a message in the JSON document ("$[3]",
"$.messages[3]", "$.channel_post").

How messages map to records (platform "telegram"; dates are UTC; peer ids are Telegram's bare ids,
no -100 prefix, the same as Telegram Desktop exports):
* The chat (`peer_id`) is a SourceRec, kind "channel" when it carries channel posts or 4CAT's
  `_chat.broadcast` says so, else "group". Post and comment ids are "<chat_id>/<message_id>".
* A channel post (`post` true, or, when `post` is absent, a message in a channel that replies to
  nothing) is a PostRec with "views", "shares" (forwards) and "comments" (`replies.replies`)
  observations.
* The discussion group's automatic copy of a channel post (no `reply_to`, sent by a channel, with
  `fwd_from.saved_from_peer` + `saved_from_msg_id`, or `fwd_from.channel_post`) is a PostRec with
  copy_of = "<channel_id>/<msg_id>" of the original.
* A reply (`reply_to` in the same chat) is a CommentRec of its thread root (`reply_to_top_id`, or
  `reply_to_msg_id` when that is absent): post_id = "<group_id>/<root_id>", which is the copy when
  the file is a post's comments (the root itself is then usually not in the file); parent_id = the
  message replied to, None when that is the root. When the root is in the file and is an ordinary
  group message, the reply belongs to the chat post below, like its root.
* Any other group message is a comment of a synthetic PostRec standing for the chat itself,
  platform_id "<chat_id>/chat" (as in the Telegram Desktop importer).
Authors: users get their bare id; channels and basic groups are "channel<id>" / "chat<id>" (the id
spaces overlap). A channel post without `from_id` is authored by the channel. The total of
`reactions.results[].count` is a "likes" observation.

Deliberately not read: `MessageService` (joins, pins ...) and `MessageEmpty` (deleted) objects are
not content and are not yielded; replies into another chat (`reply_to_peer_id`) are read as not
replies; media, entities, `edit_date`, `post_author` (signature), `grouped_id`. No Complete is
yielded: a scrape says nothing about whether it fetched every comment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, JSONError, Options, guarded, iso_utc, iter_lines, json_spans, load_document,
                   loads, need, parse_count, parse_line, loose_sid, register, sid, comments_in, reload)

P = "telegram"
_MESSAGE = re.compile(rb'"_(?:type)?"\s*:\s*"Message(?:Service)?"')
_PEER_KEYS = {"PeerUser": "user_id", "PeerChannel": "channel_id", "PeerChat": "chat_id"}


def kind(obj: Any) -> str | None:
    """The TL type name of a Telethon dict ("_", or "_type" in 4CAT's variant)."""
    return (obj.get("_") or obj.get("_type")) if isinstance(obj, dict) else None


def is_message(obj: Any) -> bool:
    return kind(obj) in ("Message", "MessageService", "MessageEmpty")


def peer(obj: Any) -> tuple[str, str] | None:
    """A Peer dict as ("PeerChannel", "123"); None when absent."""
    key = _PEER_KEYS.get(kind(obj))
    if key is None or loose_sid(obj.get(key)) is None:
        return None
    return kind(obj), sid(obj[key])


def author_id(p: tuple[str, str]) -> str:
    return {"PeerUser": "", "PeerChannel": "channel", "PeerChat": "chat"}[p[0]] + p[1]


@register
class Telethon(Importer):
    name = "telethon"
    version = "1"
    description = "Telethon Message.to_dict() dumps (JSON or JSONL), including 4CAT's variant"
    example = "otklik import --case mycase channel_comments.jsonl"

    def sniff(self, head: bytes, path: Path) -> float:
        return 0.9 if _MESSAGE.search(head) and b'"peer_id"' in head else 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        # (the thread a reply is in needs the file)
        return comments_in(_Threads({}).read(reload(raw, line=where.startswith("line ")), where))

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        records = list(self.records(path))
        messages = {}
        for _, _, m in records:
            if isinstance(m, dict) and kind(m) == "Message" and peer(m.get("peer_id")) and m.get("id") is not None:
                messages[(peer(m["peer_id"])[1], loose_sid(m["id"]))] = m
        thread = _Threads(messages)
        for where, raw, m in records:
            if isinstance(m, Skip):
                yield m
            elif not isinstance(m, dict) or not is_message(m):
                yield Skip(where, "not a Telethon message object")
            elif kind(m) == "Message":
                got = guarded(where, lambda: thread.read(m, where))
                yield Item(raw, where, got) if isinstance(got, list) else got

    def records(self, path: Path) -> Iterator[tuple[str, bytes, Any]]:
        """(where, raw bytes, parsed value or Skip) for each record of the file."""
        if self.is_lines(path):
            empty = True
            for n, line in iter_lines(path):
                empty = False
                yield f"line {n}", line, parse_line(path, n, line)
            if empty:
                raise BadInput(path, None, "the file is empty")
            return
        text, doc = load_document(path)
        if isinstance(doc, list):
            paths = [((), "$", True)]
        elif is_message(doc):
            paths = [((), "$", False)]
        elif isinstance(doc, dict):
            paths = [((key,), f"$.{key}", isinstance(value, list)) for key, value in doc.items()
                     if is_message(value) or isinstance(value, list) and any(map(is_message, value))]
        else:
            paths = []
        if not paths:
            raise BadInput(path, None, "no Telethon message objects found (expected '_': 'Message')")
        for keys, where, array in paths:
            for idx, raw, value in json_spans(text, keys + ("*",) if array else keys):
                yield where + "".join(f"[{n}]" for n in idx), raw.encode("utf-8"), value

    @staticmethod
    def is_lines(path: Path) -> bool:
        """JSONL when so named, or when the first line alone is a whole message object."""
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return True
        for _, line in iter_lines(path):
            try:
                return is_message(loads(line))
            except JSONError:
                return False
        return False


class _Threads:
    """Reads messages, knowing every message of the file to place replies in their threads."""

    def __init__(self, messages: dict[tuple[str, str], dict]):
        self.messages = messages
        self.sources: set[str] = set()
        self.chat_posts: set[str] = set()

    @staticmethod
    def copy_of(m: dict) -> str | None:
        """The original "<channel_id>/<msg_id>" when `m` is a discussion group's copy of a channel post."""
        fwd = m.get("fwd_from")
        sender = peer(m.get("from_id"))
        if not isinstance(fwd, dict) or m.get("reply_to") or (sender and sender[0] == "PeerUser"):
            return None
        saved, origin = peer(fwd.get("saved_from_peer")), peer(fwd.get("from_id"))
        if saved and fwd.get("saved_from_msg_id") is not None:
            return f"{saved[1]}/{sid(fwd['saved_from_msg_id'])}"
        if origin and origin[0] == "PeerChannel" and fwd.get("channel_post") is not None:
            return f"{origin[1]}/{sid(fwd['channel_post'])}"
        return None

    @staticmethod
    def reply(m: dict, chat: str) -> tuple[str, str] | None:
        """(message replied to, thread root) within the same chat, or None."""
        r = m.get("reply_to")
        if not isinstance(r, dict) or r.get("reply_to_msg_id") is None:
            return None
        other = peer(r.get("reply_to_peer_id"))
        if other and other[1] != chat:
            return None
        to = sid(r["reply_to_msg_id"])
        return to, sid(r.get("reply_to_top_id")) or to

    def is_post(self, m: dict, chat: tuple[str, str]) -> bool:
        if "post" in m:
            return bool(m["post"])
        return chat[0] == "PeerChannel" and not self.reply(m, chat[1]) and not self.copy_of(m)

    def post_of(self, m: dict, chat: str, seen: frozenset = frozenset()) -> str:
        """The platform id of the post a (non-post) group message is a comment of."""
        reply = self.reply(m, chat)
        if reply is None:
            return f"{chat}/chat"
        root = self.messages.get((chat, reply[1]))
        if root is None:
            return f"{chat}/{reply[1]}"
        if self.copy_of(root) or self.is_post(root, peer(root["peer_id"])):
            return f"{chat}/{reply[1]}"
        if reply[1] in seen or root is m:
            return f"{chat}/chat"
        return self.post_of(root, chat, seen | {reply[1]})

    def read(self, m: dict, where: str) -> list:
        chat = peer(need(m, "peer_id", where))
        if chat is None:
            raise ValueError(f"unreadable peer_id {m['peer_id']!r}")
        mid = sid(need(m, "id", where))
        when = iso_utc(need(m, "date", where))
        pid, text, info = f"{chat[1]}/{mid}", m.get("message") or "", m.get("_chat") or {}
        copy_of, is_post = self.copy_of(m), self.is_post(m, chat)
        author = self.author(m, chat, is_post)
        reactions = (m.get("reactions") or {}).get("results") or []
        counts = {"views": m.get("views"), "shares": m.get("forwards"),
                  "comments": (m.get("replies") or {}).get("replies"),
                  "likes": sum(parse_count(r["count"]) for r in reactions) if reactions else None}
        out: list = []
        if chat[1] not in self.sources:
            channel = is_post or info.get("broadcast") is True
            out.append(SourceRec(P, chat[1], kind="channel" if channel else "group",
                                 handle=info.get("username"), title=info.get("title")))
        if is_post or copy_of:
            url = f"https://t.me/{info['username']}/{mid}" if is_post and info.get("username") else None
            out.append(PostRec(P, pid, source_id=chat[1], author=author, text=text, published_at=when,
                               url=url, copy_of=copy_of))
            entity = "post"
        else:
            post_id, reply = self.post_of(m, chat[1]), self.reply(m, chat[1])
            parent = f"{chat[1]}/{reply[0]}" if reply and post_id != f"{chat[1]}/{reply[0]}" else None
            if post_id == f"{chat[1]}/chat" and post_id not in self.chat_posts:
                out.append(PostRec(P, post_id, source_id=chat[1]))
            out.append(CommentRec(P, pid, post_id, text, author=author, parent_id=parent, published_at=when))
            entity = "comment"
            counts = {"likes": counts["likes"]}
        if author:
            out.append(author)
        out += [ObservationRec(entity, P, pid, metric, parse_count(value))
                for metric, value in counts.items() if value is not None]
        self.sources.add(chat[1])
        self.chat_posts.update(r.platform_id for r in out if isinstance(r, PostRec))
        return out

    @staticmethod
    def author(m: dict, chat: tuple[str, str], is_post: bool) -> AuthorRec | None:
        sender = peer(m.get("from_id")) or (chat if is_post else None)
        if sender is None:
            return None
        info = m.get("_sender") or (m.get("_chat") if sender == chat else None) or {}
        name = " ".join(filter(None, (info.get("first_name"), info.get("last_name")))) or info.get("title")
        return AuthorRec(P, author_id(sender), handle=info.get("username"), display_name=name or None)
