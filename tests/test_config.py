"""The configuration (user file, workspace otklik.toml, environment) and the workspace rule: a command
run where there is no workspace says so and creates nothing; `case new`, `demo` and `--home` create one."""

import json

import pytest
from click.testing import CliRunner

from otklik.cli import main
from otklik.config import ConfigError, load_config


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("OTKLIK_HOME", raising=False)
    for var in ("OTKLIK_TRANSLATOR", "OTKLIK_STANCE_BACKEND", "OTKLIK_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_command_without_a_workspace_says_so_and_creates_nothing(cwd):
    res = run("show", "--case", "x")
    assert res.exit_code == 2
    assert "no otklik workspace" in res.output and "--home" in res.output
    assert list(cwd.iterdir()) == []


def test_case_new_creates_the_default_workspace_and_later_commands_find_it(cwd):
    assert run("case", "new", "x", "--subject", "Аминат Хасанова").exit_code == 0
    assert (cwd / "otklik-data" / "otklik.sqlite").exists()
    res = run("cases", "--json")
    assert res.exit_code == 0 and json.loads(res.output)[0]["name"] == "x"


def test_the_user_file_names_the_workspace(cwd):
    (cwd / "xdg" / "otklik").mkdir(parents=True)
    (cwd / "xdg" / "otklik" / "config.toml").write_text(f'workspace = "{cwd / "cases"}"\n')
    assert run("case", "new", "x", "--subject", "S").exit_code == 0
    assert (cwd / "cases" / "otklik.sqlite").exists() and not (cwd / "otklik-data").exists()


def test_precedence_and_sources_user_file_workspace_file_environment(cwd, monkeypatch):
    (cwd / "xdg" / "otklik").mkdir(parents=True)
    (cwd / "xdg" / "otklik" / "config.toml").write_text(
        '[translator]\nengine = "deepl"\n[translators.deepl]\nauth_key_env = "MY_DEEPL"\n[style]\nru = "inline"\n')
    ws = cwd / "ws"
    ws.mkdir()
    (ws / "otklik.toml").write_text('[translator]\nengine = "libretranslate"\n'
                                    '[translators.libretranslate]\nurl = "https://u:hunter2@lt.example/"\n')
    monkeypatch.setenv("OTKLIK_STANCE_BACKEND", "llm")
    monkeypatch.setenv("OTKLIK__TRANSLATORS__DEEPL__URL", "http://127.0.0.1:9")
    cfg = load_config(ws)
    assert cfg.get("translator.engine") == "libretranslate"
    assert cfg.sources["translator.engine"].startswith("workspace file")
    assert cfg.get("style.ru") == "inline" and cfg.sources["style.ru"].startswith("user file")
    assert cfg.get("stance.backend") == "llm" and cfg.sources["stance.backend"] == "env OTKLIK_STANCE_BACKEND"
    assert cfg.translator_options("deepl") == {"engine": "deepl", "auth_key_env": "MY_DEEPL",
                                               "url": "http://127.0.0.1:9"}

    monkeypatch.setenv("MY_DEEPL", "the-secret-value")
    res = run("--home", str(ws), "config", "show")
    assert res.exit_code == 0, res.output
    assert "$MY_DEEPL (set)" in res.output
    assert "the-secret-value" not in res.output and "hunter2" not in res.output and "u:***@lt.example" in res.output
    assert "(env OTKLIK_STANCE_BACKEND)" in res.output
    assert not (ws / "otklik.sqlite").exists()  # showing the configuration opens no store


@pytest.mark.parametrize("text, match", [
    ('[translators.openai]\napi_key = "sk-1"\n', "api_key_env"),
    ('[translator\nengine = 1\n', "not valid TOML"),
    ('workspace = "/elsewhere"\n', "belongs in the user file"),
])
def test_bad_workspace_files_are_errors_naming_the_file(cwd, text, match):
    ws = cwd / "ws"
    ws.mkdir()
    (ws / "otklik.toml").write_text(text)
    with pytest.raises(ConfigError, match=match) as e:
        load_config(ws)
    assert str(ws / "otklik.toml") in str(e.value)
    res = run("--home", str(ws), "config", "show")
    assert res.exit_code == 2 and "otklik.toml" in res.output and "sk-1" not in res.output


def test_diagnostics_go_through_logging_with_v_and_q(cwd, monkeypatch):
    """A retried request is a warning on stderr by default; -q hides it, -v adds what is done."""
    from otklik.cli import base
    from otklik.translate import _http

    def noisy(obj):
        _http.log.warning("server busy; retrying")
        _http.log.info("sent 3 texts")

    monkeypatch.setattr(base.Ctx, "allow_create", noisy)  # a hook every `case new` calls first
    default = CliRunner().invoke(main, ["case", "new", "x", "--subject", "S"])
    assert "otklik: WARNING: server busy; retrying" in default.output and "sent 3 texts" not in default.output
    quiet = CliRunner().invoke(main, ["-q", "--home", "ws2", "case", "new", "x", "--subject", "S"])
    assert "server busy" not in quiet.output and quiet.exit_code == 0
    verbose = CliRunner().invoke(main, ["-v", "--home", "ws3", "case", "new", "x", "--subject", "S"])
    assert "otklik: INFO: sent 3 texts" in verbose.output
