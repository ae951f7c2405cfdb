"""The web workspace: pages and actions over the same service functions as the CLI.

`create_app(home)` returns a Starlette ASGI app. Every page but GET /health needs a session;
every POST needs the session's CSRF token (form field `csrf` or header X-CSRF-Token) and, for
anything that changes data, the editor role. Every change is written to the custody log with
the user's name (`web:NAME`). Templates autoescape everything: comment text is hostile input.
"""

from __future__ import annotations

import json
import math
import secrets
from functools import wraps
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..analysis.pipeline import add_theme_decision, analyze_case, set_label, theme_decision
from ..analysis.summary import case_summary
from ..cases import CaseError, create_case, get_case, list_cases
from ..config import load_config
from ..ingest import ImportFailed, import_files, summary_lines
from ..labelling import Policy
from ..store import custody, open_store, read_engine
from ..store.errors import STORE_UNCHANGED, storage_problem
from ..translate import translator_from_config
from . import auth, filters, i18n, labels as label_ops, queries, uploads, views_accounts, views_overview, views_report, views_review
from .jobs import Jobs
from .lockout import LoginThrottle, client_address
from .site import Config, HTTPError, SecurityHeaders, localtime, site_middleware

HERE = Path(__file__).parent
COOKIE = "otklik_session"
LOGIN_CSRF_COOKIE = "otklik_login_csrf"
STANCE_FORM = {"1": 1, "0": 0, "-1": -1, "none": None}


def create_app(home: Path, *, secure_cookies: bool = False, max_upload_bytes: int = uploads.DEFAULT_MAX_BYTES,
               login_limit: int = 5, login_window: float = 300.0, trusted_proxies=(),
               allowed_hosts=None, config=None) -> Starlette:
    """`config`: the effective configuration (`otklik serve` passes the CLI's); None reads it for
    `home` (its otklik.toml, the user file, the environment). The analysis takes its stance table,
    report exports its translator and house style. A translator that cannot be set up (an unknown
    engine, a key variable that is not set) raises here, before the server starts."""
    cfg = Config(home, secure_cookies, max_upload_bytes, login_limit, login_window, trusted_proxies, allowed_hosts)
    settings = config if config is not None else load_config(Path(home))
    stance_config = {"stance": settings.section("stance")}
    translator_options = settings.translator_options(settings.get("translator.engine"))
    translator_from_config(translator_options)  # fail now, not at the first export
    policy = Policy.from_dict(settings.section("style"))
    engine = open_store(cfg.home)  # writes, through the service functions
    reader = read_engine(cfg.home)  # page reads: never wait for a running import or analysis
    jobs = Jobs(hide=[cfg.home])
    throttle = LoginThrottle(cfg.login_limit, cfg.login_window)
    flashes: dict[int, list[str]] = {}
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    filters.install(env)  # safe_url, bidi, and no bidi override reaches a page
    env.globals.update(version=__version__, stance_names=queries.STANCE_VALUES, urlencode=urlencode)
    env.filters["stance"] = pass_context(lambda ctx, v: ctx.get("_", str)(queries.STANCE_VALUES.get(
        v if isinstance(v, str) else ("none" if v is None else str(v)), "—")))
    env.filters["combine_after"] = lambda p, c: {**p, "after": c}
    env.filters["combine_before"] = lambda p, c: {**p, "before": c}
    env.filters["localtime"] = localtime
    env.filters["pct"] = lambda x: f"{100 * x:.0f}%"
    env.filters["json"] = lambda v: json.dumps(json.loads(v) if isinstance(v, str) else v, ensure_ascii=False, indent=1)

    # ------------------------------------------------------------ plumbing

    def render(request: Request, user, name: str, status: int = 200, **ctx) -> HTMLResponse:
        msgs = flashes.pop(user.id, []) if user else []
        lang = i18n.lang_of(request)
        html = env.get_template(name).render(request=request, user=user, flashes=msgs, ui_lang=lang,
                                             _=i18n.translator(lang), **ctx)
        return HTMLResponse(html, status_code=status)

    async def switch_lang(request: Request):
        to, nxt = request.query_params.get("to", "en"), request.query_params.get("next", "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(i18n.COOKIE, to if to in i18n.LANGS else "en", max_age=365 * 86400, samesite="lax",
                        secure=cfg.secure_cookies, path="/")
        return resp

    def flash(user, msg: str) -> None:
        flashes.setdefault(user.id, []).append(msg)

    def error_page(request, user, status: int, message: str) -> HTMLResponse:
        if user is None:
            return PlainTextResponse(message, status_code=status)
        return render(request, user, "error.html", status=status, message=message)

    def page(role: str = "viewer", upload: bool = False):
        """Session, role and CSRF checks around a synchronous handler(request, user, form)."""
        def deco(fn):
            @wraps(fn)
            async def endpoint(request: Request):
                user = await run_in_threadpool(auth.load_session, reader, request.cookies.get(COOKIE))
                if user is None:
                    if request.method == "GET":
                        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
                    return PlainTextResponse("login required", status_code=401)
                if not user.can(role):
                    return error_page(request, user, 403, f"your role ({user.role}) cannot do this; it needs {role}")
                if any(isinstance(v, int) and not 0 <= v < 2 ** 63 for v in request.path_params.values()):
                    return error_page(request, user, 404, "no such record")  # beyond any id the store can hold
                form = None
                if request.method == "POST":
                    if upload:
                        length = request.headers.get("content-length")
                        if length is None:
                            return error_page(request, user, 411, "an upload needs a Content-Length")
                        if int(length) > cfg.max_upload_bytes + 64 * 1024:
                            return error_page(request, user, 413, f"upload too large: the limit is "
                                                                  f"{cfg.max_upload_bytes // (1024 * 1024)} MB")
                    form = await request.form(max_files=200 if upload else 0, max_fields=200, max_part_size=8 * 1024 * 1024)
                    token = form.get("csrf") or request.headers.get("x-csrf-token")
                    if not auth.csrf_ok(user.csrf, token):
                        await form.close()
                        return error_page(request, user, 403, "this form has no valid CSRF token; reload the page and try again")
                try:
                    return await run_in_threadpool(fn, request, user, form)
                except HTTPError as e:
                    return error_page(request, user, e.status, e.message)
                except CaseError as e:
                    return error_page(request, user, 404, str(e))
                except (OperationalError, OSError) as e:  # OSError: an upload saved to a full disk
                    if isinstance(e, OperationalError) and "locked" in str(e):
                        return error_page(request, user, 503, "the store is busy (an import or analysis is writing "
                                                              "to it); try again when it has finished")
                    if (cause := storage_problem(e, cfg.home)) is None:  # a full disk, an I/O error, read-only
                        raise
                    return error_page(request, user, 507, f"{cause}; {STORE_UNCHANGED}")
                finally:
                    if form is not None:
                        await form.close()
            return endpoint
        return deco

    def case_of(conn, name: str) -> dict:
        return get_case(conn, name)  # CaseError -> 404

    def back(path: str) -> RedirectResponse:
        return RedirectResponse(path, status_code=303)

    def audit(user, action: str, case_id: int | None, details: dict) -> None:
        """A custody entry naming the web user, for the analysis, whose service does not take an actor yet."""
        with engine.begin() as conn:
            custody.append(conn, action, actor=user.actor, case_id=case_id, details=details)

    # ------------------------------------------------------------ health and login

    async def health(request: Request):
        return JSONResponse({"ok": True, "version": __version__})

    async def login(request: Request):
        client = client_address(request.client.host if request.client else None,
                                request.headers.get("x-forwarded-for"), cfg.trusted_proxies)
        if request.method == "GET":
            token = secrets.token_urlsafe(24)
            lang = i18n.lang_of(request)
            resp = HTMLResponse(env.get_template("login.html").render(
                request=request, user=None, flashes=[], csrf=token, next=request.query_params.get("next", "/"), error=None,
                ui_lang=lang, _=i18n.translator(lang)))
            resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=cfg.secure_cookies, path="/login")
            return resp
        form = await request.form(max_files=0, max_fields=10)
        name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))[:1024]
        nxt = str(form.get("next") or "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf")):
            return PlainTextResponse("this form has no valid CSRF token; reload the page and try again", status_code=403)
        # Counted as a failure before the (expensive) check, so simultaneous attempts all count.
        wait = throttle.attempt(client, name)
        if wait:
            return PlainTextResponse(f"too many failed logins; wait {math.ceil(wait)} seconds", status_code=429,
                                     headers={"Retry-After": str(math.ceil(wait))})
        if not auth.try_check_slot():  # every password-check slot busy: refuse without hashing
            throttle.unchecked(client, name)
            return PlainTextResponse("the server is busy checking other logins; try again in a moment",
                                     status_code=503, headers={"Retry-After": "2"})
        try:
            row = await run_in_threadpool(auth.authenticate, reader, name, password)
        finally:
            auth.release_check_slot()
        await run_in_threadpool(auth.log_login, engine, name, client, row is not None)
        if row is None:
            token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
            lang = i18n.lang_of(request)
            return HTMLResponse(env.get_template("login.html").render(
                request=request, user=None, flashes=[], csrf=token, next=nxt, error="wrong user name or password",
                ui_lang=lang, _=i18n.translator(lang)), status_code=401)
        throttle.succeeded(client, name)
        session = await run_in_threadpool(auth.new_session, engine, row["id"])
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(COOKIE, session, httponly=True, samesite="lax", secure=cfg.secure_cookies, path="/",
                        max_age=auth.SESSION_HOURS * 3600)
        resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return resp

    @page()
    def logout(request, user, form):
        auth.end_session(engine, request.cookies.get(COOKIE))
        resp = back("/login")
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # ------------------------------------------------------------ cases

    @page()
    def home_page(request, user, form):
        with reader.connect() as conn:
            rows = list_cases(conn)
        return render(request, user, "cases.html", cases=rows)

    @page("editor")
    def case_new(request, user, form):
        langs = [x for x in (form.getlist("langs") or ["ru"]) if x in ("ru", "en")] or ["ru"]
        aliases = [a.strip() for a in str(form.get("aliases", "")).split(",") if a.strip()]
        try:
            with engine.begin() as conn:
                c = create_case(conn, str(form.get("name", "")), str(form.get("subject", "")), aliases,
                                str(form.get("tz") or "Europe/Moscow"), langs, actor=user.actor)
        except CaseError as e:
            raise HTTPError(400, str(e)) from None
        flash(user, f"created case {c['name']!r}: subject {c['subject']}, aliases {', '.join(c['aliases']) or '-'}, "
                    f"tz {c['tz']}, languages {', '.join(c['langs'])}")
        return back(f"/cases/{c['name']}")

    # ------------------------------------------------------------ import and analysis

    @page("editor")
    def upload_form(request, user, form):
        with reader.connect() as conn:
            c = case_of(conn, request.path_params["case"])
        from ..importers import REGISTRY

        return render(request, user, "upload.html", case=c, formats=sorted(REGISTRY), **uploads.form_choices(),
                      limit_mb=cfg.max_upload_bytes // (1024 * 1024))

    @page("editor", upload=True)
    def upload_post(request, user, form):
        name = request.path_params["case"]
        with reader.connect() as conn:
            c = case_of(conn, name)
        files = [f for f in form.getlist("files") if hasattr(f, "filename") and f.filename]
        if not files:
            raise HTTPError(400, "choose one or more export files to upload")
        try:
            for f in files:
                uploads.check_name(f.filename)
            opts = uploads.import_options(form)
        except uploads.UploadRefused as e:
            raise HTTPError(400, str(e)) from None
        folder = uploads.upload_dir(cfg.home, c["id"])
        paths, used = [], 0
        try:
            for f in files:
                path, size = uploads.save(folder, f.filename, f.file, cfg.max_upload_bytes, used)
                paths.append(path)
                used += size
        except uploads.UploadRefused as e:
            uploads.discard(folder)
            raise HTTPError(413 if "too large" in str(e) else 400, str(e)) from None
        fmt = str(form.get("format") or "") or None
        skip_bad = form.get("skip_bad") in ("1", "on")

        def work(job):
            def progress(n):  # n: the records of one more batch
                job.stage, job.done = "records", job.done + n
            summary = import_files(engine, name, paths, fmt=fmt, skip_bad=skip_bad, progress=progress,
                                   actor=user.actor, opts=opts)
            queries.refresh_facets(engine, c["id"])
            return summary_lines(summary.as_json())

        def on_error(e):
            if isinstance(e, ImportFailed):
                return uploads.error_lines(e.problems)
            if isinstance(e, CaseError):
                return [f"error: {e}"]
            return None
        job = jobs.start("import", name, user.name, work, on_error)
        if request.headers.get("x-requested-with") == "fetch":
            return JSONResponse({"job": f"/jobs/{job.id}"})
        return back(f"/jobs/{job.id}")

    @page("editor")
    def analyze_post(request, user, form):
        name = request.path_params["case"]
        with reader.connect() as conn:
            c = case_of(conn, name)
        running = jobs.running(name, "analyze")
        if running:
            return back(f"/jobs/{running.id}")

        def work(job):
            def progress(stage, done, total):
                job.stage, job.done, job.total = stage, done, total
            run = analyze_case(engine, name, stance_config, progress=progress)
            audit(user, "web-analyze", c["id"], {"analysis_run": run["run"]})
            job.stage = "facets"
            queries.refresh_facets(engine, c["id"])
            st = run["stages"]
            return [f"analysis run {run['run']}: {run['comments']} comments"] + [
                f"{k}: {v['computed']} computed, {v['reused']} reused" if "computed" in v else
                f"{k}: {'recomputed' if v['recomputed'] else 'unchanged'}" for k, v in st.items()]

        job = jobs.start("analyze", name, user.name, work,
                         lambda e: [f"error: {e}"] if isinstance(e, (CaseError, ValueError)) else None)
        return back(f"/jobs/{job.id}")

    @page()
    def job_page(request, user, form):
        job = jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPError(404, "no such job (jobs are kept while the server runs)")
        if request.query_params.get("format") == "json":
            return JSONResponse({"status": job.status, "stage": job.stage, "done": job.done, "total": job.total,
                                 "percent": job.percent, "lines": job.lines})
        return render(request, user, "job.html", job=job)

    # ------------------------------------------------------------ comments

    def _theme_options(conn, case_id):
        row = conn.execute(text("SELECT payload FROM case_result WHERE case_id=:c AND stage='themes'"),
                           {"c": case_id}).scalar()
        if not row:
            return []
        return [(t["key"], t["label"], t["n_comments"]) for t in json.loads(row)["themes"]]

    @page()
    def comments_page(request, user, form):
        name = request.path_params["case"]
        f = queries.Filters.from_params(request.query_params)
        with reader.connect() as conn:
            c = case_of(conn, name)
        queries.facets_for_page(engine, reader, c["id"])  # never waits for a writer (an import, an analysis)
        error = None
        with reader.connect() as conn:
            try:
                res = queries.comment_page(conn, c["id"], f, request.query_params.get("after", ""),
                                           request.query_params.get("before", ""))
            except queries.SearchError as e:
                error, res = str(e), {"rows": [], "next": None, "prev": None, "count": 0, "count_capped": False}
            labels = queries.pending_labels(conn, c["id"], [r["comment_id"] for r in res["rows"]])
            themes, langs = theme_labels(conn, c["id"]), lang_options(conn, c["id"])
        return render(request, user, "comments.html", case=c, f=f, res=res, labels=labels, error=error,
                      langs=langs, themes=themes, theme_names=dict(themes), params=f.params())

    def theme_labels(conn, case_id) -> list[tuple[str, str]]:
        """(key, label) of the case's themes, cached per facet stamp (the payload is big on large cases)."""
        stamp = queries.facet_stamp(conn, case_id)
        hit = theme_cache.get(case_id)
        if hit and hit[0] == stamp:
            return hit[1]
        opts = [(k, lab) for k, lab, _ in _theme_options(conn, case_id)]
        theme_cache[case_id] = (stamp, opts)
        return opts
    theme_cache: dict[int, tuple[str, list]] = {}

    def lang_options(conn, case_id) -> list[str]:
        stamp = queries.facet_stamp(conn, case_id)
        hit = lang_cache.get(case_id)
        if hit and hit[0] == stamp:
            return hit[1]
        langs = queries.facet_options(conn, case_id)["langs"]
        lang_cache[case_id] = (stamp, langs)
        return langs
    lang_cache: dict[int, tuple[str, list]] = {}

    @page()
    def comment_detail(request, user, form):
        name = request.path_params["case"]
        with reader.connect() as conn:
            c = case_of(conn, name)
            row = queries.comment_in_case(conn, c["id"], int(request.path_params["cid"]))
            if row is None:
                raise HTTPError(404, "no such comment in this case")
            ev = queries.evidence(conn, row)
            anns = queries.annotations(conn, row["id"])
            labels = queries.pending_labels(conn, c["id"], [row["id"]]).get(row["id"], {})
            thread = queries.thread(conn, c["id"], row["root_id"] or row["id"])
            themes = theme_labels(conn, c["id"])
            extra = {}
            facet = conn.execute(text("SELECT theme, coordinated FROM web_comment_facet WHERE case_id=:c AND comment_id=:i"),
                                 {"c": c["id"], "i": row["id"]}).mappings().first()
            if facet:
                extra = dict(facet)
        model = queries.model_stance(anns)
        given = labels.get("stance")
        chosen = queries._stance_key(given["value"]) or "none" if given else model["key"] if model else ""
        return render(request, user, "comment.html", case=c, row=row, ev=ev, anns=anns, labels=labels, thread=thread,
                      themes=themes, facet=extra, model=model, chosen=chosen,
                      theme_name=dict(themes).get(extra.get("theme"), extra.get("theme")))

    @page("editor")
    def label_post(request, user, form):
        name, cid = request.path_params["case"], int(request.path_params["cid"])
        v = str(form.get("stance", ""))
        if v not in STANCE_FORM:
            raise HTTPError(400, "stance must be one of 1, 0, -1, none")
        with reader.connect() as conn:
            c = case_of(conn, name)
            row = queries.comment_in_case(conn, c["id"], cid)
        if row is None:
            raise HTTPError(404, "no such comment in this case")
        set_label(engine, name, row["platform_id"], "stance", STANCE_FORM[v], user=user.actor)
        flash(user, f"comment {row['platform_id']}: stance {v} (takes effect on the next analysis run)")
        return back(f"/cases/{name}/comments/{cid}")

    @page("editor")
    def unlabel_post(request, user, form):
        name, cid = request.path_params["case"], int(request.path_params["cid"])
        with reader.connect() as conn:
            c = case_of(conn, name)
        try:
            removed = label_ops.remove_label(engine, c, cid, "stance", user.actor)
        except ValueError as e:
            raise HTTPError(404, str(e)) from None
        flash(user, "label removed: the machine's verdict counts again" if removed else "this comment had no label")
        return back(f"/cases/{name}/comments/{cid}")

    @page("editor")
    def relabel_post(request, user, form):
        name = request.path_params["case"]
        v = str(form.get("stance", ""))
        if v not in STANCE_FORM:
            raise HTTPError(400, "stance must be one of 1, 0, -1, none")
        raw = [str(i) for i in form.getlist("ids")]
        if not raw or not all(i.isdigit() and len(i) < 19 for i in raw):
            raise HTTPError(400, "tick one or more comments to relabel")
        with reader.connect() as conn:
            c = case_of(conn, name)
        try:
            n = label_ops.relabel(engine, reader, c, [int(i) for i in raw], STANCE_FORM[v], user.actor)
        except ValueError as e:
            raise HTTPError(400, str(e)) from None
        flash(user, f"{n} comment(s): stance {queries.STANCE_VALUES[v]} (takes effect on the next analysis run)")
        to = str(form.get("back") or "")
        return back(to if to.startswith(f"/cases/{name}/comments") and "//" not in to else f"/cases/{name}/comments")

    def _decision(user, name, kind, payload, msg, to):
        try:
            add_theme_decision(engine, name, kind, payload, user=user.actor)
        except ValueError as e:
            flash(user, f"error: {e}")
            return back(to)
        flash(user, f"{msg} (takes effect on the next analysis run)")
        return back(to)

    @page("editor")
    def move_post(request, user, form):
        name, cid = request.path_params["case"], int(request.path_params["cid"])
        key = str(form.get("key", "")).strip()
        if not key:
            raise HTTPError(400, "choose a theme")
        with reader.connect() as conn:
            c = case_of(conn, name)
            if queries.comment_in_case(conn, c["id"], cid) is None:
                raise HTTPError(404, "no such comment in this case")
        return _decision(user, name, "move", {"comment_id": cid, "key": key}, f"move: comment {cid} to {key}",
                         f"/cases/{name}/comments/{cid}")

    @page("editor")
    def pin_post(request, user, form):
        name, cid = request.path_params["case"], int(request.path_params["cid"])
        kind = "pin" if request.url.path.endswith("/pin") else "reject"
        with reader.connect() as conn:
            c = case_of(conn, name)
            if queries.comment_in_case(conn, c["id"], cid) is None:
                raise HTTPError(404, "no such comment in this case")
        to = str(form.get("back") or f"/cases/{name}/comments/{cid}")
        if not to.startswith(f"/cases/{name}/"):
            to = f"/cases/{name}/themes"
        return _decision(user, name, kind, {"comment_id": cid}, f"{kind}: quote from comment {cid}", to)

    # ------------------------------------------------------------ themes

    @page()
    def themes_page(request, user, form):
        name = request.path_params["case"]
        with reader.connect() as conn:
            c = case_of(conn, name)
            try:
                summary = case_summary(conn, name)
            except ValueError:
                summary = None
            last_run = conn.execute(text(
                "SELECT started_at FROM analysis_run WHERE case_id=:c AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"),
                {"c": c["id"]}).scalar()
            decisions = [dict(r) | {"payload": json.loads(r["payload"])} for r in conn.execute(
                theme_decision.select().where(theme_decision.c.case_id == c["id"]).order_by(theme_decision.c.id.desc())).mappings()]
        for d in decisions:
            d["pending"] = last_run is None or d["at"] >= last_run
        return render(request, user, "themes.html", case=c, summary=summary, decisions=decisions)

    @page("editor")
    def theme_rename(request, user, form):
        name = request.path_params["case"]
        key, label = str(form.get("key", "")).strip(), str(form.get("label", "")).strip()
        if not key or not label:
            raise HTTPError(400, "a rename needs a theme and a label")
        return _decision(user, name, "rename", {"key": key, "label": label[:200]}, f"rename: {key} to {label!r}",
                         f"/cases/{name}/themes")

    @page("editor")
    def theme_merge(request, user, form):
        name = request.path_params["case"]
        keys = [str(k) for k in form.getlist("keys")]
        into = str(form.get("into") or "")
        if into and into in keys:  # the first key names the merged theme
            keys = [into] + [k for k in keys if k != into]
        if len(keys) < 2:
            flash(user, "error: merge needs at least two themes")
            return back(f"/cases/{name}/themes")
        return _decision(user, name, "merge", {"keys": keys}, f"merge: {', '.join(keys)}", f"/cases/{name}/themes")

    site = SimpleNamespace(engine=engine, reader=reader, cfg=cfg, env=env, page=page, render=render, flash=flash,
                           case_of=case_of, back=back, settings=settings, policy=policy,
                           translator=lambda: translator_from_config(translator_options), jobs=jobs)
    routes = [
        Route("/health", health),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home_page),
        Route("/cases", case_new, methods=["POST"]),
        Route("/jobs/{job}", job_page),
        Route("/cases/{case}/upload", upload_form),
        Route("/cases/{case}/upload", upload_post, methods=["POST"]),
        Route("/cases/{case}/analyze", analyze_post, methods=["POST"]),
        Route("/cases/{case}/comments", comments_page),
        Route("/cases/{case}/comments/{cid:int}", comment_detail),
        Route("/cases/{case}/comments/{cid:int}/label", label_post, methods=["POST"]),
        Route("/cases/{case}/comments/relabel", relabel_post, methods=["POST"]),
        Route("/cases/{case}/comments/{cid:int}/unlabel", unlabel_post, methods=["POST"]),
        Route("/cases/{case}/comments/{cid:int}/move", move_post, methods=["POST"]),
        Route("/cases/{case}/comments/{cid:int}/pin", pin_post, methods=["POST"]),
        Route("/cases/{case}/comments/{cid:int}/reject", pin_post, methods=["POST"]),
        Route("/cases/{case}/themes", themes_page),
        Route("/cases/{case}/themes/rename", theme_rename, methods=["POST"]),
        Route("/cases/{case}/themes/merge", theme_merge, methods=["POST"]),
        *views_overview.routes(site),
        *views_report.routes(site),
        *views_review.routes(site),
        *views_accounts.routes(site),
        Route("/lang", switch_lang),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=site_middleware(cfg))
    app.state.engine, app.state.config, app.state.jobs, app.state.throttle = engine, cfg, jobs, throttle
    return SecurityHeaders(app)
