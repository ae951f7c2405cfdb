"""Uploaded export files: names checked, size limited, saved only inside the workspace; the generic
format's column mapping from the upload form; and the import's summary and errors worded exactly
as `otklik import` prints them."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_SAFE = re.compile(r"^[\w\-. ()+,@=]+$")  # \w includes Unicode letters (Cyrillic file names)


class UploadRefused(ValueError):
    pass


def check_name(name: str | None) -> str:
    """The file name as sent, if it is a plain name; anything path-like is refused (not cleaned:
    an importer may detect a format by its name, so a name we had to rewrite is a wrong name)."""
    if not name:
        raise UploadRefused("an uploaded file has no name")
    if "/" in name or "\\" in name or "\x00" in name or name in (".", "..") or name.startswith(".") \
            or ".." in name or len(name) > 200 or not _SAFE.match(name):
        raise UploadRefused(f"refused file name {name!r}: only a plain file name is accepted (no folders, no '..')")
    return name


def upload_dir(home: Path, case_id: int) -> Path:
    """A new folder for one upload: <workspace>/uploads/case-<id>/<time>-<random>/."""
    root = (home / "uploads").resolve()
    d = root / f"case-{int(case_id)}" / f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
    d.mkdir(parents=True, exist_ok=False)
    return d


def save(folder: Path, name: str, src, max_bytes: int, used: int = 0) -> tuple[Path, int]:
    """Copy an uploaded file object into `folder`; refuse once `used` + its size passes `max_bytes`."""
    path = (folder / check_name(name)).resolve()
    if path.parent != folder.resolve():  # belt and braces: never outside the upload folder
        raise UploadRefused(f"refused file name {name!r}")
    size = used
    with open(path, "xb") as out:
        while chunk := src.read(1 << 20):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise UploadRefused(f"upload too large: the limit is {max_bytes // (1024 * 1024)} MB")
            out.write(chunk)
    return path, size - used


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def mapping_fields() -> dict[str, str]:
    """The generic importer's fields ({field: what it holds})."""
    from ..importers.generic import FIELDS

    return FIELDS


def form_choices() -> dict:
    """What the upload page's mapping form offers: the fields and the platforms."""
    from ..model import PLATFORMS

    return {"map_fields": mapping_fields(), "platforms": list(PLATFORMS)}


def import_options(form):
    """The importer's Options from the upload form: for the generic format, the column of each
    field (form fields `map_<field>`, `text` required) and the platform. UploadRefused says what
    is missing or wrong; other formats ignore these fields."""
    from ..importers.base import Options
    from ..model import PLATFORMS

    if str(form.get("format") or "") != "generic":
        return Options()
    mapping = {}
    for field in mapping_fields():
        column = str(form.get(f"map_{field}") or "").strip()
        if not column:
            continue
        if len(column) > 200 or any(ord(ch) < 32 for ch in column):
            raise UploadRefused(f"the column for {field!r} is not a column name (at most 200 characters, one line)")
        mapping[field] = column
    if "text" not in mapping:
        raise UploadRefused("the generic format needs a column mapping: at least the column that holds the "
                            "comment's text (the 'text' field of the mapping)")
    platform = str(form.get("platform") or "other")
    if platform not in PLATFORMS:
        raise UploadRefused(f"unknown platform {platform!r}; one of: {', '.join(PLATFORMS)}")
    return Options(mapping=mapping, platform=platform)


def error_lines(problems: list[str]) -> list[str]:
    """The lines `otklik import` prints when a run is refused."""
    return [f"error: {p}" for p in problems] + ["nothing was imported (the store is unchanged)"]
