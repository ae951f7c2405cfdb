"""End to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
log in, create a case, upload the demo export, analyse, relabel, merge themes, edit the report
and see verification flag the edit, export. Screenshots go to test-artifacts/.

Skipped only when /usr/bin/chromium is absent (CI installs it: apt-get install -y chromium)."""

import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import need

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(home, app_factory):
    yield from _serve(home, app_factory)


def _serve(home, app_factory):
    import uvicorn

    app = app_factory(home)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


@pytest.fixture
def demo_server(demo_home, app_factory):
    yield from _serve(demo_home, app_factory)


@pytest.fixture
def page():
    need("playwright", "e2e")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        pg = ctx.new_page()
        pg.set_default_timeout(30_000)
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield pg
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_editor_session_in_a_real_browser(server, page, tmp_path):
    from otklik.demo.run import DATA, load_case
    from tests.web.conftest import PASSWORD

    spec = load_case()
    page.goto(server + "/")
    assert "/login" in page.url
    page.fill("input[name=name]", "eve")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "01-login")
    page.click("button:has-text('Log in')")
    page.wait_for_url(server + "/")

    # create the case
    page.fill("#new-case input[name=name]", "demo")
    page.fill("#new-case input[name=subject]", spec["subject"])
    page.fill("#new-case input[name=aliases]", ", ".join(spec["aliases"]))
    page.check("#new-case input[value=en]")
    page.click("#new-case button")
    page.wait_for_url(server + "/cases/demo")
    assert "created case 'demo'" in page.text_content("main")

    # upload the demo's Instagram export (three files), with the progress bar, then the import job page
    page.click("a.button:has-text('Upload exports')")
    files = sorted((DATA / "instagram" / "ilyas_mudarov_svoboda").iterdir())
    page.set_input_files("input[name=files]", [str(p) for p in files])
    shot(page, "02-upload")
    page.click("#upload-form button")
    page.wait_for_url("**/jobs/**")
    page.wait_for_selector("#job-status.status-done", timeout=60_000)
    out = page.text_content("#job-output")
    assert "instaloader, captured" in out and "comments" in out
    shot(page, "03-import-done")

    # run the analysis; the job page shows progress until it is done
    page.goto(server + "/cases/demo")
    page.click("#analyze-form button")
    page.wait_for_url("**/jobs/**")
    page.wait_for_selector("#job-status.status-done", timeout=180_000)
    shot(page, "04-analysis-done")

    page.goto(server + "/cases/demo")
    assert page.locator("svg.chart").count() >= 3
    assert "Stance toward" in page.text_content("main")
    shot(page, "05-overview")

    # comments table, then relabel one comment
    page.goto(server + "/cases/demo/comments")
    assert page.locator("#comments-table tbody tr").count() == 50
    shot(page, "06-comments")
    page.select_option("#filters select[name=stance]", "-1")
    page.click("#filters button")
    page.wait_for_load_state()
    page.click("#comments-table tbody tr:first-child td.text a")
    page.wait_for_selector("#raw-record")
    shot(page, "07-comment")
    page.select_option("#label-form select[name=stance]", "1")
    page.click("#label-form button")
    page.wait_for_selector("p.flash")
    assert "stance 1 (takes effect on the next analysis run)" in page.text_content("p.flash")
    assert "web:eve" in page.text_content("main")

    # merge two themes
    page.goto(server + "/cases/demo/themes")
    boxes = page.locator("input[name=keys]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    shot(page, "08-themes")
    page.click("#merge-button")
    page.wait_for_selector("p.flash")
    assert page.text_content("p.flash").startswith("merge:")
    assert "pending: next run" in page.text_content("main")

    # the report: edit a quote, and live verification flags it
    page.goto(server + "/cases/demo/report?lang=ru")
    page.wait_for_selector("#check-status")
    assert "Verified" in page.text_content("#check-status")
    shot(page, "09-report")
    text = page.input_value("#report-text")
    end = text.index("» [#")  # the end of the first quote
    edited = text[:end] + " ПОДДЕЛКА" + text[end:]
    page.fill("#report-text", edited)
    page.dispatch_event("#report-text", "input")
    page.wait_for_selector("#check-status:has-text('problem(s)')", timeout=15_000)
    assert "ПОДДЕЛКА" in page.text_content("#report-preview mark.bad")
    shot(page, "10-report-flagged")

    # export: a verified Markdown report is downloaded
    with page.expect_download() as dl:
        page.click("#export-md")
    path = dl.value.path()
    body = Path(path).read_text(encoding="utf-8")
    assert body.startswith("# ") and "[#" in body
    with page.expect_download() as dl:
        page.click("#export-docx")
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"


def _supportive_width(page):
    cell = page.text_content('#estimate tr[data-stance="supportive"] td:nth-child(2)')
    lo, hi = (int(x) for x in cell.split("(")[1].rstrip("%)").replace("%", "").split("–"))
    return hi - lo


def test_review_queue_by_keyboard(demo_server, page):
    from tests.web.conftest import PASSWORD

    page.goto(demo_server + "/login")
    page.fill("input[name=name]", "eve")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.goto(demo_server + "/cases/demo/review")
    start = _supportive_width(page)
    assert "Machine:" in page.text_content("#machine")
    seen = []
    for _ in range(10):
        seen.append(page.input_value("#answer-form input[name=comment_id]"))
        with page.expect_navigation():
            page.keyboard.press("1")
        assert "supportive. Supportive now" in page.text_content("p.flash")
    assert len(set(seen)) == 10
    assert _supportive_width(page) < start
    shot(page, "11-review")
    with page.expect_navigation():
        page.keyboard.press("u")
    assert "undone" in page.text_content("p.flash")
    assert page.input_value("#answer-form input[name=comment_id]") == seen[-1]
