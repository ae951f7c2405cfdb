"""Tests that read ../shared or need an optional dependency group fail under CI when it is missing
(a broken setup, not a pass) and skip elsewhere."""

import pytest

from tests import conftest


def test_missing_shared_data_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "shared")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="shared"):
        conftest.shared("samples")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="shared"):
        conftest.shared("samples")
    (tmp_path / "shared" / "samples").mkdir(parents=True)
    assert conftest.shared("samples") == tmp_path / "shared" / "samples"



def test_missing_optional_group_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no_such_module_x is missing.*'ml' group"):
        conftest.need("no_such_module_x", "ml")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"pip install -e '\.\[ml\]'"):
        conftest.need("no_such_module_x", "ml")
    assert conftest.need("json", "test").dumps([1]) == "[1]"
