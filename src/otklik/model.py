"""The domain model: what otklik knows about a case and its comment threads.

Importers translate export files into the records below; the store persists them; analysis
and reports read them back. Platform ids are always strings (exports disagree on int vs str).
Times are UTC ISO-8601 strings ("2024-05-01T12:00:00Z") so they sort and compare as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import msgspec

# Platforms otklik knows by name. An importer may use only these, so that the same platform
# never appears under two spellings.
PLATFORMS = {
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "x": "X (Twitter)",
    "telegram": "Telegram",
    "youtube": "YouTube",
    "vk": "VK",
    "facebook": "Facebook",
    "other": "Other",
}

EntityType = Literal["source", "post", "comment", "author"]


class Record(msgspec.Struct, array_like=True, tag=True):
    """What importers produce (the classes below). msgspec Structs rather than dataclasses:
    they are created in C, several times faster, and `ingest` streams them from its reader
    process as MessagePack, encoded and decoded in C (each record carries its class name)."""


@dataclass(slots=True)
class Case:
    """A case the newsroom follows: the subject of the reaction and how to report it."""

    name: str
    subject: str
    aliases: list[str] = field(default_factory=list)
    tz: str = "Europe/Moscow"
    langs: list[str] = field(default_factory=lambda: ["ru"])
    id: int | None = None
    created_at: str | None = None


class AuthorRec(Record):
    """An account as seen at capture time. Handles change; platform_id does not."""

    platform: str
    platform_id: str
    handle: str | None = None
    display_name: str | None = None


class SourceRec(Record):
    """A page, channel, group or account that publishes posts."""

    platform: str
    platform_id: str
    kind: str = "page"  # page | channel | group | account | video-channel
    handle: str | None = None
    title: str | None = None
    url: str | None = None


class PostRec(Record):
    """A post (or video, or channel message) under which people comment."""

    platform: str
    platform_id: str
    source_id: str | None = None  # platform id of the SourceRec
    author: AuthorRec | None = None
    text: str | None = None
    published_at: str | None = None
    url: str | None = None
    # A copy of another post (Telegram discussion groups hold a forwarded copy of each channel
    # post; comments reply to the copy). copy_of is the original's platform id when the export
    # says it; copy_hint lets the store find the original by source title, time and text.
    copy_of: str | None = None
    copy_hint: dict | None = None


class CommentRec(Record):
    """A comment or reply. parent_id is the platform id of the comment replied to, if any."""

    platform: str
    platform_id: str
    # Platform id of the PostRec it belongs to. None only for a reply whose export does not name
    # the post (YouTube comments.list pages): the store takes the post of the parent comment.
    post_id: str | None
    text: str
    author: AuthorRec | None = None
    parent_id: str | None = None
    published_at: str | None = None
    published_approx: bool = False  # e.g. "2 years ago" parsed at download time
    likes: int | None = None


class ObservationRec(Record):
    """A count at a time: followers of a source, comments under a post, likes of a comment."""

    entity: EntityType
    platform: str
    platform_id: str
    metric: str  # followers | members | subscribers | comments | likes | views | shares | ...
    value: float
    observed_at: str | None = None  # None: the record's capture time


Entity = AuthorRec | SourceRec | PostRec | CommentRec | ObservationRec


class Item(Record):
    """One raw record of an export file and what the importer read from it.

    `raw` is the record's bytes exactly as they stand in the file (a line, or the exact span of
    a JSON value). `where` names it for people ("line 12", "$.messages[3]").
    `captured_at` is the capture time the export gives for this record, if any.
    """

    raw: bytes
    where: str
    entities: list[Entity]
    captured_at: str | None = None


class Skip(Record):
    """A record the importer could not read. Fatal unless the user asked for --skip-bad."""

    where: str
    reason: str


class Complete(Record):
    """The export lists every comment of this post that was visible at capture time.

    Comments of the post that the store has but this export lacks are marked not-seen-since.
    """

    platform: str
    post_id: str
