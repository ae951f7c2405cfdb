"""CrowdTangle CSV exports of Facebook and Instagram posts (CrowdTangle closed in August 2024).

One row per post. Two variants, told apart by the header:
- Facebook list/search exports ("Facebook Id", "Page Name" or "Group Name", "User Name", ...): the
  page or group is the source (id = Facebook Id); "Followers at Posting" and "Likes at Posting" are
  observations of the source at the post's time; "Message" is the text.
- Instagram exports ("Account", "User Name", ...): the account is the source and the author. The
  export has no account id, so "@" + User Name stands in for it. "Description" (else "Title") is the
  text.
Quirks handled:
- "Post Created" is "YYYY-MM-DD HH:MM:SS ZONE" with a zone abbreviation (ZONES below). Ambiguous
  abbreviations (CST: US Central or China; IST; BST) and unknown ones make the row a Skip rather than
  a guess.
- The post id is the last path segment of "URL" (…/posts/123/ -> "123", instagram.com/p/CODE/ ->
  "CODE"); story_fbid/fbid in the query of old permalink.php/photo.php URLs wins over the path.
- Counts with thousands separators ("1,234"); "N/A", "-" and empty cells are no count. Likes,
  Comments, Shares, the reactions, Total Interactions and views are observations of the post at the
  capture time.
- Quoted cells with line breaks: the row is one record, its raw bytes the row's exact text.
- CrowdTangle names its downloads "YYYY-MM-DD-HH-MM-SS-ZONE-….csv" (the export time; from memory of
  real downloads, not verified against a licensed sample): that is the file's capture time.
Deliberately not read: comments — CrowdTangle never exported comment text, only comment counts;
page descriptions, categories, links, image text, sponsor and "Overperforming Score" columns.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

from ..model import AuthorRec, Item, ObservationRec, PostRec, Skip, SourceRec
from .base import BadInput, Importer, Options, guarded, iso_utc, need, parse_count, register
from .generic import csv_records

# Zone abbreviations CrowdTangle writes after "Post Created", as hours east of UTC.
ZONES = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
}

FACEBOOK_COUNTS = {
    "Likes": "likes", "Comments": "comments", "Shares": "shares", "Love": "love", "Wow": "wow",
    "Haha": "haha", "Sad": "sad", "Angry": "angry", "Care": "care",
    "Total Interactions": "interactions", "Post Views": "views", "Total Views": "total_views",
    "Total Views For All Crossposts": "crosspost_views",
}
INSTAGRAM_COUNTS = {"Likes": "likes", "Comments": "comments", "Views": "views"}
# Counts of the page or account, observed when the post was published.
FACEBOOK_AT_POSTING = {"Followers at Posting": "followers", "Likes at Posting": "likes"}
INSTAGRAM_AT_POSTING = {"Followers at Posting": "followers"}
NOT_A_COUNT = {"", "N/A", "-"}


def post_created(value: str) -> str:
    """'2022-03-01 10:00:00 EET' -> '2022-03-01T08:00:00Z'."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([A-Z]{2,5})", value.strip())
    if not m:
        raise ValueError(f"Post Created {value!r} is not 'YYYY-MM-DD HH:MM:SS ZONE'")
    if m[2] not in ZONES:
        raise ValueError(f"unknown or ambiguous time zone {m[2]!r} in Post Created {value!r}; "
                         f"known: {', '.join(ZONES)}")
    local = datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S")
    return iso_utc(local.replace(tzinfo=timezone(timedelta(hours=ZONES[m[2]]))).isoformat())


def post_id(url: str) -> str:
    parts = urlsplit(url.strip())
    query = parse_qs(parts.query)
    for key in ("story_fbid", "fbid"):
        if query.get(key):
            return query[key][0]
    segments = [s for s in parts.path.split("/") if s]
    if not parts.netloc or not segments:
        raise ValueError(f"URL {url!r} names no post")
    return segments[-1]


def _counts(row: dict, columns: dict, entity: str, platform: str, platform_id: str,
            observed_at: str | None = None) -> list[ObservationRec]:
    out = []
    for column, metric in columns.items():
        value = (row.get(column) or "").strip()
        if value not in NOT_A_COUNT:
            out.append(ObservationRec(entity, platform, platform_id, metric, parse_count(value), observed_at))
    return out


@register
class CrowdTangle(Importer):
    name = "crowdtangle"
    version = "1"
    description = "CrowdTangle CSV export of Facebook pages/groups or Instagram accounts (posts and counts)"
    example = "otklik import --case mycase 2022-03-01-10-00-00-EET-Historical-Report.csv"

    def sniff(self, head: bytes, path: Path) -> float:
        header = head.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
        columns = {c.strip().strip('"') for c in header.split(",")}
        if {"Post Created", "URL"} <= columns and ("Facebook Id" in columns or "Account" in columns):
            return 0.95
        return 0.0

    def file_captured_at(self, path: Path) -> str | None:
        m = re.match(r"(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)-([A-Z]{2,5})-", path.name)
        if not m or m[5] not in ZONES:
            return None
        return post_created(f"{m[1]} {m[2]}:{m[3]}:{m[4]} {m[5]}")

    def read(self, path: Path, opts: Options) -> Iterator[Item | Skip]:
        records = csv_records(path, ",")
        _, _, header = next(records)
        if "Facebook Id" in header:
            parse = partial(self._facebook, group="Group Name" in header)
            required = ["Facebook Id", "Post Created", "URL"]
        elif "Account" in header:
            parse, required = self._instagram, ["User Name", "Post Created", "URL"]
        else:
            raise BadInput(path, "line 1", "not a CrowdTangle export: the header has neither "
                           "'Facebook Id' (Facebook) nor 'Account' (Instagram)")
        missing = [c for c in required if c not in header]
        if missing:
            raise BadInput(path, "line 1", f"the header lacks the column(s) {', '.join(missing)}")
        for line, raw, cells in records:
            where = f"line {line}"
            if len(cells) != len(header):
                yield Skip(where, f"the row has {len(cells)} cells, the header {len(header)}")
                continue
            row = dict(zip(header, cells))
            got = guarded(where, lambda: parse(row, where))
            yield got if isinstance(got, Skip) else Item(raw, where, got)

    @staticmethod
    def _facebook(row: dict, where: str, group: bool) -> list:
        """A page's post, or a group's (whose poster the export does not name)."""
        page = need(row, "Facebook Id", where).strip()
        pid = post_id(need(row, "URL", where))
        published = post_created(need(row, "Post Created", where))
        title = row.get("Group Name" if group else "Page Name") or None
        handle = row.get("User Name") or None
        source = SourceRec("facebook", page, "group" if group else "page", handle, title,
                           f"https://www.facebook.com/{page}")
        post = PostRec("facebook", pid, page, None if group else AuthorRec("facebook", page, handle, title),
                       row.get("Message") or None, published, row["URL"].strip())
        return [source, post, *_counts(row, FACEBOOK_AT_POSTING, "source", "facebook", page, published),
                *_counts(row, FACEBOOK_COUNTS, "post", "facebook", pid)]

    @staticmethod
    def _instagram(row: dict, where: str) -> list:
        handle = need(row, "User Name", where).strip()
        pid = post_id(need(row, "URL", where))
        published = post_created(need(row, "Post Created", where))
        account = f"@{handle}"  # the export has no account id: the handle stands in for it
        name = row.get("Account") or None
        source = SourceRec("instagram", account, "account", handle, name, f"https://www.instagram.com/{handle}/")
        post = PostRec("instagram", pid, account, AuthorRec("instagram", account, handle, name),
                       row.get("Description") or row.get("Title") or None, published, row["URL"].strip())
        return [source, post, *_counts(row, INSTAGRAM_AT_POSTING, "source", "instagram", account, published),
                *_counts(row, INSTAGRAM_COUNTS, "post", "instagram", pid)]
