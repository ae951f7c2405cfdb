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
from tests.web.conftest import demo_digest

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
def browser():
    need("playwright", "e2e")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def new_page(browser, errors, **ctx):
    """A page in a fresh context (its own cookies) whose script errors and CSP refusals are kept."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "accept_downloads": True, **ctx})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return pg


@pytest.fixture
def page(browser):
    errors = []
    yield new_page(browser, errors)
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
    assert page.locator("#timeline-chart rect[data-stance]").count() >= 1
    assert page.locator("#themes-chart rect[data-stance]").count() >= 1
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


def log_in(page, base, name="eve", button="Log in"):
    from tests.web.conftest import PASSWORD

    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click(f"button:has-text('{button}')")


def test_bulk_relabel_from_a_filtered_list(demo_server, page):
    log_in(page, demo_server)
    page.goto(demo_server + "/cases/demo/comments?stance=-1")
    boxes = page.locator("#comments-table input[name=ids]")
    assert boxes.count() >= 3
    ticked = [boxes.nth(i).get_attribute("value") for i in range(3)]
    for i in range(3):
        boxes.nth(i).check()
    page.select_option("#relabel-form select[name=stance]", "1")
    with page.expect_navigation():
        page.click("#relabel-form button")
    assert "3 comment(s): stance supportive" in page.text_content("p.flash")
    assert "stance=-1" in page.url  # back on the same filtered list
    for cid in ticked:  # each ticked row now shows the pending editor label
        row = page.locator(f"#comments-table tr:has(input[value='{cid}'])")
        assert "→ supportive" in row.text_content()
    shot(page, "12-bulk-relabel")


_digest = demo_digest


SUM_SEGMENTS = """(sel) => {
  const out = {};
  document.querySelectorAll(sel + ' rect[data-stance]').forEach(r => {
    const box = r.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) { out[r.dataset.stance] = (out[r.dataset.stance] || 0) + Number(r.dataset.count); }
  });
  return out;
}"""


def test_both_charts_drawn_with_the_digests_counts(demo_server, demo_home, page):
    d = _digest(demo_home)
    log_in(page, demo_server, "vic")
    page.goto(demo_server + "/cases/demo")
    drawn = page.evaluate(SUM_SEGMENTS, "#timeline-chart")  # only segments with a visible box count
    assert drawn == {k: v["n"] for k, v in d["stance"]["comments"].items() if k != "total" and v["n"]}
    assert page.locator("#timeline-chart g.event").count() >= 1
    for t in d["themes"]:
        got = page.evaluate(SUM_SEGMENTS, f'#themes-chart g[data-row="{t["key"]}"]')
        names = {"1": "supportive", "0": "neutral", "-1": "hostile", "none": "not_about_case"}
        assert got == {names[k]: v for k, v in t["stances"].items() if v}, t["key"]
    # the data tables are there for screen readers (closed by default, readable when opened)
    page.click("#timeline-chart ~ figcaption summary, figure:has(#timeline-chart) summary")
    assert page.locator("#timeline-table tbody tr").count() >= 1
    shot(page, "13-charts")


def test_russian_interface_from_the_browser_language(demo_server, browser):
    errors = []
    pg = new_page(browser, errors, locale="ru-RU", extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    pg.goto(demo_server + "/")
    assert "/login" in pg.url and pg.get_attribute("html", "lang") == "ru"
    assert "Пароль" in pg.text_content("main")
    log_in(pg, demo_server, "eve", button="Войти")
    pg.goto(demo_server + "/cases/demo")
    main = pg.text_content("main")
    assert "Реакция во времени" in main and "Позиции по темам" in main and "не о деле" in main
    assert "not_about_case" not in main and "Stance toward" not in main
    pg.goto(demo_server + "/cases/demo/review")
    assert "Проверка машины" in pg.text_content("main")
    shot(pg, "14-russian")
    with pg.expect_navigation():
        pg.click("nav.langs a:has-text('English')")  # the switch wins over the browser's language
    assert "/cases/demo/review" in pg.url and "Check the machine" in pg.text_content("main")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors


NO_OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def test_phone_sized_viewport_never_scrolls_sideways(demo_server, browser):
    errors = []
    pg = new_page(browser, errors, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(pg, demo_server)
    pg.goto(demo_server + "/cases/demo/comments")
    first = pg.get_attribute("#comments-table tbody tr:first-child td.text a", "href")
    for path in ("/", "/cases/demo", "/cases/demo/comments", first, "/cases/demo/themes", "/cases/demo/review",
                 "/cases/demo/report?lang=ru"):
        pg.goto(demo_server + path)
        scroll, inner = pg.evaluate(NO_OVERFLOW)
        assert scroll <= inner, f"{path}: {scroll} px wide on a {inner} px screen"
    pg.goto(demo_server + "/cases/demo/comments")
    # the comments table is one card per comment: a row is as wide as the screen, not a table row
    assert pg.evaluate("getComputedStyle(document.querySelector('#comments-table tbody tr')).display") == "block"
    shot(pg, "15-phone-comments")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
