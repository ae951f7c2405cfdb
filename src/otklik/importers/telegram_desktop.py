"""Telegram Desktop "Export chat history" / "Export Telegram data" in JSON (`result.json`).

Two shapes: a single-chat export `{"name", "type", "id", "messages": [...]}` and a whole-account
export whose chats sit in `chats.list[]` and `left_chats.list[]` (each `{name, type, id, messages}`).
Every message is one raw record: its exact JSON span, located as "$.messages[N]" or
"$.chats.list[C].messages[N]".

How messages map to records (platform "telegram"; ids are Telegram's bare ids, no -100 prefix):
* The chat is a SourceRec (platform_id = chat id; kind "channel" for *_channel types, else "group";
  personal and bot chats are read like groups). Post and comment ids are "<chat_id>/<message_id>".
* A channel export holds only channel posts: every message is a PostRec. Replies between posts
  are not read; comments on a channel live in its discussion group, which is exported separately.
* In a group, a message forwarded from a channel (`forwarded_from` set, `from_id` "channel...")
  that is not itself a reply is the group's automatic copy of a channel post: a PostRec with
  `copy_hint` (channel name, bare channel id, time, text) so the store can find the original.
  Messages replying to it, directly or through a chain of replies, are its CommentRecs; parent_id
  is the message replied to, None for direct replies to the copy. Old exports write `from_id` as a
  plain number, so copies there cannot be told from a user's forward and are read as comments.
* Every other group message belongs to no channel post: it is a comment of a synthetic PostRec
  standing for the chat itself, platform_id "<chat_id>/chat". Its parent is the message replied
  to when that is a comment in this chat; replies to messages in other chats (`reply_to_peer_id`),
  to service messages or to messages missing from the export have no parent.
* A chat export lists every message of the chat, so Complete is yielded for each copy and for the
  synthetic chat post. Not for channel posts: a channel export contains none of their comments.

Quirks handled: `text` is a string or a list mixing strings and {type, text} entity objects (read as
their concatenated plain text); `date` is the exporting computer's local time with no offset, so
`date_unixtime` (newer exports) is preferred, and without it `date` is read in `Options.local_tz`
(UTC when not given); `from_id` is "user123" / "channel123" / "chat123" in newer exports and a bare
number (a user) in old ones. Authors: users get their bare id, channels and basic groups keep the
"channel"/"chat" prefix (the id spaces overlap); Telegram Desktop exports no usernames.
The total of `reactions[].count` is a "likes" observation.

Deliberately not read: service messages (`type` "service": joins, pins, title changes, calls ...)
are not content and are not yielded at all; `edited`, media fields (photo, file, sticker, poll,
location; a media-only message is a record with empty text), `author` (post signature), `via_bot`,
`inline_bot_buttons`, and the account sections (personal_information, contacts, sessions ...).
A message of type "unsupported" (the exporting app could not export it) is a Skip.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import (BadInput, Importer, Options, guarded, iso_utc, json_spans, load_document, need, register, sid,
                   comments_in, reload)

P = "telegram"
_CHAT_TYPES = (rb"personal_chat|bot_chat|private_group|private_supergroup|public_supergroup|"
               rb"private_channel|public_channel|saved_messages|replies")
_CHAT_TYPE = re.compile(rb'"type"\s*:\s*"(' + _CHAT_TYPES + rb')"')
_MSG_TYPE = re.compile(rb'"type"\s*:\s*"(message|service)"')
_ACCOUNT = re.compile(rb'"personal_information"\s*:|"chats"\s*:\s*\{\s*"about"\s*:')


def plain_text(text: Any) -> str:
    """`text` as a string, or a list of strings and {type, text, ...} entities, as plain text."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else p["text"] for p in text)
    raise ValueError(f"unreadable text {text!r}")


def bare_id(peer: Any) -> str | None:
    """The bare id of a peer written "channel123", "user123", "chat123" or 123."""
    return re.sub(r"^[a-z]+", "", sid(peer)) if sid(peer) else None


def author_of(m: dict) -> AuthorRec | None:
    fid = sid(m.get("from_id"))
    if fid is None:
        return None
    if fid.startswith("user"):
        fid = fid[len("user"):]
    return AuthorRec(P, fid, display_name=m.get("from"))


def reactions_total(m: dict) -> int | None:
    counts = [r.get("count") for r in m.get("reactions") or [] if isinstance(r, dict)]
    if counts and all(isinstance(c, int) for c in counts):
        return sum(counts)
    return None


@register
class TelegramDesktop(Importer):
    name = "telegram-desktop"
    version = "1"
    description = "Telegram Desktop chat export (result.json): channels, discussion groups, account exports"
    example = "otklik import --case mycase ChatExport_2024-05-01/result.json"

    def sniff(self, head: bytes, path: Path) -> float:
        if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return 0.0
        if _ACCOUNT.search(head):
            return 0.9
        if b'"messages"' in head and _MSG_TYPE.search(head) and b'"date' in head:
            return 0.95 if _CHAT_TYPE.search(head) else 0.6  # trimmed exports lack the chat header
        return 0.0

    rereads_records = True

    def record_comments(self, raw: bytes, where: str, opts: Options, platform_id: str) -> list[CommentRec]:
        # A message does not name its chat: the stored id ("<chat>/<message>") does. Read alone,
        # a group message is a comment of the chat (its thread needs the file).
        chat = _Chat({"id": platform_id.rsplit("/", 1)[0], "type": "private_supergroup"}, _tz(opts.local_tz), "")
        chat.msgs, chat.copies = {}, set()
        return comments_in(chat.message(reload(raw), where))

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip | Complete]:
        text, doc = load_document(path)
        if not isinstance(doc, dict) or not ("messages" in doc or "chats" in doc or "left_chats" in doc):
            raise BadInput(path, None, "not a Telegram Desktop export: no 'messages' and no 'chats' list")
        try:
            tz = _tz(opts.local_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadInput(path, None, f"unknown time zone {opts.local_tz!r}") from None
        if "messages" in doc:
            yield from _chat(path, doc, tz, "$").read(json_spans(text, ("messages", "*")))
        for section in ("chats", "left_chats"):
            chats = (doc.get(section) or {}).get("list") or []
            spans: dict[int, list] = {}
            for (c, n), raw, value in json_spans(text, (section, "list", "*", "messages", "*")):
                spans.setdefault(c, []).append(((n,), raw, value))
            for c, chat in enumerate(chats):
                yield from _chat(path, chat, tz, f"$.{section}.list[{c}]").read(spans.get(c, []))


def _tz(name: str | None):
    """The time zone of `date` values (the exporting computer's, when the user names it; else UTC)."""
    return ZoneInfo(name) if name else timezone.utc


def _chat(path: Path, chat: Any, tz, where: str) -> "_Chat":
    """A chat of the export; BadInput naming it when its id is unreadable (its messages have no place)."""
    try:
        return _Chat(chat, tz, where)
    except (ValueError, AttributeError) as e:
        raise BadInput(path, where, f"the chat cannot be read: {e}") from None


class _Chat:
    """One chat of an export: classifies its messages, then yields them in file order."""

    def __init__(self, chat: dict, tz, prefix: str):
        self.chat, self.tz, self.prefix = chat, tz, prefix
        self.id = sid(chat.get("id"))
        self.is_channel = str(chat.get("type", "")).endswith("_channel")
        self.source = SourceRec(P, self.id or "", kind="channel" if self.is_channel else "group",
                                title=chat.get("name"))
        self.chat_post = f"{self.id}/chat"
        self.pending = [self.source]  # records to put in the next Item read
        self.completes: list[str] = []

    def read(self, spans) -> Iterator[Item | Skip | Complete]:
        spans = list(spans)
        if self.id is None:
            for (n,), _, _ in spans:
                yield Skip(self.where(n), "the chat has no 'id' (a trimmed export?)")
            return
        self.msgs = {m["id"]: m for _, _, m in spans
                     if isinstance(m, dict) and m.get("id") is not None and m.get("type") == "message"}
        self.copies = set() if self.is_channel else {i for i, m in self.msgs.items() if self.is_copy(m)}
        for (n,), raw, m in spans:
            if isinstance(m, dict) and m.get("type") == "service":
                continue
            where = self.where(n)
            got = guarded(where, lambda: self.message(m, where))
            yield Item(raw.encode("utf-8"), where, got) if isinstance(got, list) else got
        for post_id in self.completes:
            yield Complete(P, post_id)

    def where(self, n: int) -> str:
        return f"{self.prefix}.messages[{n}]"

    @staticmethod
    def is_copy(m: dict) -> bool:
        return (m.get("forwarded_from") is not None and str(m.get("from_id", "")).startswith("channel")
                and m.get("reply_to_message_id") is None)

    def reply_to(self, m: dict) -> Any:
        """The id of the message in this chat that `m` replies to, or None."""
        peer = m.get("reply_to_peer_id")
        return None if peer is not None and bare_id(peer) != self.id else m.get("reply_to_message_id")

    def root(self, m: dict) -> Any:
        """The copy whose thread `m` is in, following replies up; None when in no such thread."""
        seen = set()
        r = self.reply_to(m)
        while r in self.msgs and r not in seen:
            if r in self.copies:
                return r
            seen.add(r)
            r = self.reply_to(self.msgs[r])
        return None

    def message(self, m: dict, where: str) -> list:
        if not isinstance(m, dict):
            raise ValueError("a message is not a JSON object")
        mid = need(m, "id", where)
        if m.get("type") != "message":
            raise ValueError(f"message type {m.get('type')!r} (the export could not include it)")
        pid = f"{self.id}/{mid}"
        text, when, author = plain_text(m.get("text", "")), self.time(m, where), author_of(m)
        out: list = []
        entity = "post"
        if self.is_channel:
            out.append(PostRec(P, pid, source_id=self.id, author=author, text=text, published_at=when))
        elif mid in self.copies:
            hint = {"source_title": m["forwarded_from"], "published_at": when, "text": text,
                    "source_id": bare_id(m.get("forwarded_from_id") or m.get("from_id"))}
            out.append(PostRec(P, pid, source_id=self.id, author=author, text=text, published_at=when,
                               copy_hint=hint))
            self.completes.append(pid)
        else:
            root, r = self.root(m), self.reply_to(m)
            if root is not None:
                post_id, parent = f"{self.id}/{root}", None if r == root else f"{self.id}/{r}"
            else:
                post_id, parent = self.chat_post, f"{self.id}/{r}" if r in self.msgs else None
                if self.chat_post not in self.completes:
                    out.append(PostRec(P, self.chat_post, source_id=self.id))
                    self.completes.append(self.chat_post)
            out.append(CommentRec(P, pid, post_id, text, author=author, parent_id=parent, published_at=when))
            entity = "comment"
        if author:
            out.append(author)
        likes = reactions_total(m)
        if likes is not None:
            out.append(ObservationRec(entity, P, pid, "likes", likes))
        out, self.pending = self.pending + out, []
        return out

    def time(self, m: dict, where: str) -> str | None:
        if m.get("date_unixtime"):
            return iso_utc(m["date_unixtime"])
        dt = datetime.fromisoformat(need(m, "date", where))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        return iso_utc(dt.isoformat())
