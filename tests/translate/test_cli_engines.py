"""`otklik report --translator deepl|libretranslate|openai` with the engine's settings from the configuration
(the workspace's otklik.toml, keys by environment-variable name), each against a local fake server; the
shared HTTP client's retries on 429 with Retry-After and on 5xx."""

import json

import pytest
from click.testing import CliRunner

from otklik.cli import main
from otklik.translate import TranslationError
from otklik.translate._http import post_json, retry_after
from tests.conftest import copy_workspace


@pytest.fixture
def ws(analysed_demo, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return copy_workspace(analysed_demo, tmp_path / "ws")


def report_en(ws, tmp_path, *extra):
    out = tmp_path / "r.en.md"
    res = CliRunner().invoke(main, ["--home", str(ws), "report", "--case", "demo", "--lang", "en", "-o", str(out),
                                    *extra], catch_exceptions=False)
    return res, out


def deepl(path, headers, body):
    return 200, {"translations": [{"text": f"XLATED {t}"} for t in body["text"]]}


def libre(path, headers, body):
    return 200, {"translatedText": [f"XLATED {q}" for q in body["q"]]}


def chat(path, headers, body):
    texts = json.loads(body["messages"][1]["content"])["texts"]
    return 200, {"choices": [{"message": {"content": json.dumps({"translations": [f"XLATED {t}" for t in texts]})}}]}


ENGINES = {
    "deepl": (deepl, '[translators.deepl]\nurl = "{url}"\nauth_key_env = "TEST_DEEPL_KEY"\n',
              "authorization", "DeepL-Auth-Key sekrit-1"),
    "libretranslate": (libre, '[translators.libretranslate]\nurl = "{url}"\napi_key_env = "TEST_LT_KEY"\n',
                       None, None),
    "openai": (chat, '[translators.openai]\nurl = "{url}/v1"\nmodel = "tiny"\napi_key_env = "TEST_OAI_KEY"\n',
               "authorization", "Bearer sekrit-1"),
}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_report_translates_with_the_engine_the_configuration_sets_up(engine, ws, tmp_path, fake_server, monkeypatch):
    respond, table, header, expected = ENGINES[engine]
    srv = fake_server(respond)
    for var in ("TEST_DEEPL_KEY", "TEST_LT_KEY", "TEST_OAI_KEY"):
        monkeypatch.setenv(var, "sekrit-1")
    (ws / "otklik.toml").write_text(table.format(url=srv.url), encoding="utf-8")

    res, out = report_en(ws, tmp_path, "--translator", engine)
    assert res.exit_code == 0, res.output
    assert srv.requests, "nothing was sent to the configured server"
    text = out.read_text(encoding="utf-8")
    assert "XLATED " in text
    if header:
        assert srv.requests[0]["headers"][header] == expected
    if engine == "libretranslate":
        assert srv.requests[0]["body"]["api_key"] == "sekrit-1"
    # the key is used, never written down: not in the report, not in the store or its custody log
    assert "sekrit-1" not in text
    assert b"sekrit-1" not in (ws / "otklik.sqlite").read_bytes()


def test_the_configured_default_engine_is_used_without_the_option(ws, tmp_path, fake_server):
    srv = fake_server(libre)
    (ws / "otklik.toml").write_text(f'[translator]\nengine = "libretranslate"\n'
                                    f'[translators.libretranslate]\nurl = "{srv.url}"\n', encoding="utf-8")
    res, out = report_en(ws, tmp_path)
    assert res.exit_code == 0, res.output
    assert srv.requests and "LibreTranslate" in out.read_text(encoding="utf-8")


def test_an_unset_key_variable_is_a_clear_error_and_nothing_is_sent(ws, tmp_path, fake_server, monkeypatch):
    srv = fake_server(deepl)
    monkeypatch.delenv("TEST_DEEPL_KEY", raising=False)
    (ws / "otklik.toml").write_text(f'[translators.deepl]\nurl = "{srv.url}"\nauth_key_env = "TEST_DEEPL_KEY"\n')
    res, out = report_en(ws, tmp_path, "--translator", "deepl")
    assert res.exit_code == 2
    assert "$TEST_DEEPL_KEY" in res.output and not srv.requests and not out.exists()


def test_a_key_written_in_the_configuration_file_is_refused(ws, tmp_path):
    (ws / "otklik.toml").write_text('[translators.deepl]\nauth_key = "sekrit-1"\n')
    res, _ = report_en(ws, tmp_path, "--translator", "deepl")
    assert res.exit_code == 2
    assert "auth_key_env" in res.output and "sekrit-1" not in res.output


def test_429_with_retry_after_is_waited_out_from_the_cli(ws, tmp_path, fake_server, monkeypatch):
    def limited(path, headers, body):
        if len(srv.requests) == 1:
            return 429, {"message": "Too many requests"}, {"Retry-After": "1"}
        return deepl(path, headers, body)

    srv = fake_server(limited)
    (ws / "otklik.toml").write_text(f'[translators.deepl]\nurl = "{srv.url}"\nauth_key_env = "TEST_DEEPL_KEY"\n')
    monkeypatch.setenv("TEST_DEEPL_KEY", "sekrit-1")
    res, out = report_en(ws, tmp_path, "--translator", "deepl")
    assert res.exit_code == 0, res.output
    assert len(srv.requests) >= 2
    assert srv.requests[1]["at"] - srv.requests[0]["at"] >= 1.0  # the server asked for a second
    assert "XLATED " in out.read_text(encoding="utf-8")


def test_5xx_is_retried_with_backoff_and_a_client_error_is_not(fake_server):
    waits = []
    srv = fake_server(lambda p, h, b: (503, {"e": 1}) if len(srv.requests) < 3 else (200, {"ok": True}))
    assert post_json(srv.url, {}, sleep=waits.append) == {"ok": True}
    assert waits == [0.5, 1.0] and len(srv.requests) == 3

    bad = fake_server(lambda p, h, b: (400, {"e": "no"}))
    with pytest.raises(TranslationError, match="HTTP 400"):
        post_json(bad.url, {}, sleep=waits.append)
    assert len(bad.requests) == 1


def test_a_server_that_keeps_failing_or_asks_for_too_long_a_pause_is_an_error(fake_server):
    srv = fake_server(lambda p, h, b: (502, {"e": 1}))
    with pytest.raises(TranslationError, match="HTTP 502"):
        post_json(srv.url, {}, sleep=lambda s: None, what="X")
    assert len(srv.requests) == 4
    slow = fake_server(lambda p, h, b: (429, {"e": 1}, {"Retry-After": "3600"}))
    with pytest.raises(TranslationError, match="retry after 3600 s"):
        post_json(slow.url, {}, sleep=lambda s: pytest.fail("must not wait an hour"))


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after(None) is None and retry_after("soon") is None
