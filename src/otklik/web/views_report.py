"""The report editor and the exports of the web workspace: the report draft with its live
verification, and the verified report and comment files an editor downloads."""

from __future__ import annotations

import re

from markupsafe import Markup
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route

from ..analysis.pipeline import annotations_for_export
from ..casefile import list_events
from ..cases import get_case
from ..digest import build_digest, digest_quotes
from ..export import ANALYSIS_COLUMNS, export_case
from ..report.service import ReportRejected, case_comments, marker, produce, write_report
from ..translate import TranslationError
from . import drafts, i18n
from .site import HTTPError


def html_preview(conn, case_name: str, lang: str) -> Markup:
    """The report as the HTML export writes it (composed from the current analysis, rendered by
    report/render_html.py and verified): the body of that document, without its own <style>
    (the page's stylesheet styles it; the Content-Security-Policy forbids inline styles)."""
    from ..translate import get_translator

    case = get_case(conn, case_name)
    digest = build_digest(conn, case_name, events=list_events(conn, case["id"]) or None)
    comments = case_comments(conn, case["id"], [q["comment_id"] for q in digest_quotes(digest)])
    data, _ = produce(digest, comments, lang, "html", marker(lang), get_translator("none"))
    html = data.decode("utf-8")
    m = re.search(r"<body[^>]*>(.*)</body>", html, re.S | re.I)
    body = m.group(1) if m else html
    body = re.sub(r"<(style|script)\b.*?</\1\s*>", "", body, flags=re.S | re.I)
    return Markup(body)  # the renderer escapes every text it writes


def routes(site) -> list[Route]:
    """The routes of these views; `site` carries the app's engine, reader, config, templates and
    its page guard (see create_app)."""

    @site.page()
    def report_page(request, user, form):
        name = request.path_params["case"]
        lang = drafts.clean_lang(request.query_params.get("lang"))
        with site.reader.connect() as conn:
            c = site.case_of(conn, name)
            saved = drafts.latest(conn, c["id"], lang)
            problems, error = [], None
            html = None
            try:
                body = saved["text"] if saved else drafts.generated(conn, name, lang)
                problems = drafts.verify(conn, name, body, lang)
                html = html_preview(conn, name, lang)
            except ReportRejected as e:
                body, error = "", "the generated report failed verification: " + "; ".join(map(str, e.problems))
            except ValueError as e:  # not analysed yet
                body, error = "", str(e)
        return site.render(request, user, "report.html", case=c, lang=lang, body=body, saved=saved, problems=problems,
                           preview=drafts.highlighted(body, problems), error=error, html=html)

    @site.page()
    def report_verify(request, user, form):
        """Verification only (no change): the live check the editor page calls as you type."""
        name = request.path_params["case"]
        lang = drafts.clean_lang(form.get("lang"))
        body = str(form.get("text", ""))
        with site.reader.connect() as conn:
            c = site.case_of(conn, name)
            problems = drafts.verify(conn, name, body, lang)
            saved = drafts.latest(conn, c["id"], lang)
        preview = drafts.highlighted(body, problems)
        if request.headers.get("x-requested-with") == "fetch":  # the fragment the page swaps in
            return HTMLResponse(site.env.get_template("report_check.html").render(
                problems=problems, preview=preview, _=i18n.translator(i18n.lang_of(request))))
        with site.reader.connect() as conn:
            try:
                html = html_preview(conn, name, lang)
            except (ReportRejected, ValueError):
                html = None
        return site.render(request, user, "report.html", case=c, lang=lang, body=body, saved=saved, problems=problems,
                           preview=preview, error=None, html=html)

    @site.page("editor")
    def report_save(request, user, form):
        name = request.path_params["case"]
        lang = drafts.clean_lang(form.get("lang"))
        body = str(form.get("text", "")).replace("\r\n", "\n")
        if form.get("reset") == "1":
            with site.reader.connect() as conn:
                body = drafts.generated(conn, name, lang)
        res = drafts.save(site.engine, name, lang, body, user.actor)
        with site.reader.connect() as conn:
            n = len(drafts.verify(conn, name, body, lang))
        site.flash(user, f"draft saved (sha256 {res['sha256'][:16]}); verification: "
                         + ("all quotes and numbers match" if n == 0 else f"{n} problem(s)"))
        return site.back(f"/cases/{name}/report?lang={lang}")

    @site.page("editor")
    def report_export(request, user, form):
        name = request.path_params["case"]
        lang = drafts.clean_lang(form.get("lang"))
        fmt = str(form.get("format", "md"))
        if fmt not in ("md", "html", "docx", *drafts.DRAFT_FORMATS):
            raise HTTPError(400, "format must be md, html, docx, draft, draft-html or draft-docx")
        out_dir = (site.cfg.home / "reports").resolve()
        if fmt in drafts.DRAFT_FORMATS:  # the edited draft, refreshed to the data, written only when it verifies
            with site.reader.connect() as conn:
                c = site.case_of(conn, name)
            try:
                path, media = drafts.export(site.engine, name, c["id"], lang, fmt, out_dir, user.actor)
            except drafts.DraftError as e:
                raise HTTPError(e.status, str(e)) from None
            return FileResponse(path, media_type=media, filename=f"{name}-{path.name}")
        with site.engine.begin() as conn:
            c = site.case_of(conn, name)
            path = out_dir / f"case-{c['id']}" / f"report.{lang}.{fmt}"
            try:
                write_report(conn, name, lang, fmt, path, translator_name=site.translator(), policy=site.policy,
                             events=list_events(conn, c["id"]) or None, actor=user.actor)
            except ReportRejected as e:
                raise HTTPError(409, "report not written: " + "; ".join(map(str, e.problems))) from None
            except TranslationError as e:  # the configured engine failed (its server, its key)
                raise HTTPError(502, f"report not written: translation failed: {e}") from None
            media = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
                     "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[fmt]
        return FileResponse(path, media_type=media, filename=f"{name}-{path.name}")

    @site.page("editor")
    def comments_export(request, user, form):
        name = request.path_params["case"]
        fmt = "jsonl" if form.get("format") == "jsonl" else "csv"
        pseudo = form.get("pseudonymise") in ("1", "on")
        with site.engine.begin() as conn:
            c = site.case_of(conn, name)
            path = (site.cfg.home / "exports").resolve() / f"case-{c['id']}" / f"comments{'-pseudonymised' if pseudo else ''}.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as out:
                export_case(conn, site.cfg.home, name, fmt, out, pseudonymise=pseudo,
                            extra=annotations_for_export(conn, c["id"]), columns=ANALYSIS_COLUMNS, actor=user.actor)
        return FileResponse(path, media_type="text/csv" if fmt == "csv" else "application/x-ndjson",
                            filename=f"{name}-{path.name}")

    return [
        Route("/cases/{case}/report", report_page),
        Route("/cases/{case}/report/verify", report_verify, methods=["POST"]),
        Route("/cases/{case}/report/save", report_save, methods=["POST"]),
        Route("/cases/{case}/report/export", report_export, methods=["POST"]),
        Route("/cases/{case}/export", comments_export, methods=["POST"]),
    ]
