"""The outlet's house style: one table of choices every part of the report reads.

An outlet keeps it as a ``[profile]`` table in the configuration (see otklik.config) or in a TOML
file given with ``otklik report --profile FILE``; missing keys keep the defaults below, which follow
the example article the brief is written from (``../shared/examples``): labels at every mention with
an asterisk in Russian, US spelling, "wrote X" attribution, A4 pages.

    [profile]
    outlet = "Кавказский узел"        # document properties and the annotated copy's header
    labels = "every"                   # "every" mention of a designated name is labelled, or "first"
    label_ru = "asterisk"              # "asterisk" («Instagram*» + footnote), "inline" or "none"
    label_en = "inline"
    spelling = "US"                    # English spelling: "US" or "UK"
    date_style = "long"                # "long" («25 ноября 2026 года», "November 25, 2026") or "numeric"
    time_style = "24h"                 # English times: "24h" (22:20) or "12h" (10:20 PM); Russian is always 24h
    attribution = "wrote"              # "wrote": «— написал пользователь X», "writes": «пишет X»
    page = "A4"                        # DOCX page size: "A4" or "Letter"
    docx_template = ""                 # a .docx whose styles the report uses ("" = built-in styles)

`Profile.policy()` gives the labelling Policy (otklik.labelling) these choices imply.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

CHOICES = {
    "labels": ("every", "first"),
    "label_ru": ("asterisk", "inline", "none"),
    "label_en": ("asterisk", "inline", "none"),
    "spelling": ("US", "UK"),
    "date_style": ("long", "numeric"),
    "time_style": ("24h", "12h"),
    "attribution": ("wrote", "writes"),
    "page": ("A4", "Letter"),
}


class ProfileError(ValueError):
    """A house-style value that cannot be used; the message names the source and the key."""


@dataclass(frozen=True)
class Profile:
    outlet: str = ""
    labels: str = "every"
    label_ru: str = "asterisk"
    label_en: str = "inline"
    spelling: str = "US"
    date_style: str = "long"
    time_style: str = "24h"
    attribution: str = "wrote"
    page: str = "A4"
    docx_template: str = ""

    def policy(self):
        """The labelling Policy for this profile (asterisk/inline per language)."""
        from ..labelling import Policy

        return Policy(ru=self.label_ru, en=self.label_en)

    @classmethod
    def from_dict(cls, table: dict | None, source: str = "configuration") -> "Profile":
        """From a TOML table; unknown keys and values outside CHOICES are errors naming `source`."""
        table = dict(table or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - names)
        if unknown:
            raise ProfileError(f"{source}: unknown house-style key(s) {', '.join(unknown)}; "
                               f"known: {', '.join(sorted(names))}")
        for key, value in table.items():
            if not isinstance(value, str):
                raise ProfileError(f"{source}: profile.{key} must be a string, not {value!r}")
            if key in CHOICES and value not in CHOICES[key]:
                raise ProfileError(f"{source}: profile.{key} must be one of {', '.join(CHOICES[key])}, not {value!r}")
        return replace(cls(), **table)


def load_profile(config_table: dict | None = None, path: Path | None = None) -> Profile:
    """The effective profile: the configuration's ``[profile]`` table, then a profile file on top."""
    profile = Profile.from_dict(config_table, "configuration [profile]")
    if path is None:
        return profile
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ProfileError(f"{path}: cannot read the house-style profile: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{path}: not valid TOML: {e}") from e
    table = data.get("profile", data)  # a file may hold the table itself or a [profile] section
    merged = {**{f.name: getattr(profile, f.name) for f in fields(Profile)}, **table}
    return Profile.from_dict(merged, str(path))
