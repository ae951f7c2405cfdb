"""The house-style profile: defaults follow the example article; bad values are named."""

import pytest

from otklik.report.profile import Profile, ProfileError, load_profile


def test_defaults_follow_the_example_article():
    p = load_profile()
    assert (p.labels, p.label_ru, p.spelling, p.attribution, p.page) == ("every", "asterisk", "US", "wrote", "A4")


def test_file_overrides_configuration(tmp_path):
    f = tmp_path / "house.toml"
    f.write_text('[profile]\nspelling = "UK"\npage = "Letter"\n', encoding="utf-8")
    p = load_profile({"labels": "first", "spelling": "US"}, f)
    assert (p.labels, p.spelling, p.page) == ("first", "UK", "Letter")
    assert p.policy().ru == "asterisk"


def test_bad_value_names_source_and_key(tmp_path):
    f = tmp_path / "house.toml"
    f.write_text('spelling = "Canadian"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"house.toml: profile.spelling must be one of US, UK"):
        load_profile(None, f)
    with pytest.raises(ProfileError, match="unknown house-style key"):
        Profile.from_dict({"colour": "red"})
