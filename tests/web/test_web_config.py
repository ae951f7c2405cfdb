"""The web reads the same configuration as the CLI: a translator set up in the workspace's
otklik.toml is what the web's report export translates with, and one that cannot be set up stops
`otklik serve` before it starts."""

from click.testing import CliRunner
from starlette.testclient import TestClient

from otklik.cli import main
from tests.translate.conftest import FakeServer
from tests.web.conftest import csrf_of, login


def libre(path, headers, body):
    return 200, {"translatedText": [f"XLATED {q}" for q in body["q"]]}


def test_report_export_translates_with_the_workspace_translator(demo_home, app_factory, monkeypatch):
    srv = FakeServer(libre)
    try:
        monkeypatch.setenv("TEST_LT_KEY", "sekrit-2")
        (demo_home / "otklik.toml").write_text(
            f'[translator]\nengine = "libretranslate"\n'
            f'[translators.libretranslate]\nurl = "{srv.url}"\napi_key_env = "TEST_LT_KEY"\n', encoding="utf-8")
        with TestClient(app_factory(demo_home)) as e:
            login(e, "eve")
            r = e.post("/cases/demo/report/export", data={"lang": "en", "format": "md", "csrf": csrf_of(e)})
        assert r.status_code == 200, r.text
        assert srv.requests and srv.requests[0]["body"]["api_key"] == "sekrit-2"
        assert "XLATED " in r.text and "LibreTranslate" in r.text
        assert "sekrit-2" not in r.text
    finally:
        srv.close()


def test_serve_refuses_a_translator_it_cannot_set_up(demo_home, monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    (demo_home / "otklik.toml").write_text('[translator]\nengine = "deepl"\n[translators.deepl]\n'
                                           'auth_key_env = "NO_SUCH_KEY_VAR"\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["--home", str(demo_home), "serve", "--port", "1"])
    assert res.exit_code == 2
    assert "configuration:" in res.output and "NO_SUCH_KEY_VAR" in res.output
