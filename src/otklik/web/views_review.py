"""The review queue in the browser: the analysis' active-learning questions one at a time, one
keystroke (or button) per answer, the stance estimate with its interval after each. The same
queue as `otklik review` (analysis/review.py); answers are editor labels in the signed-in name."""

from __future__ import annotations

from starlette.routing import Route

from ..analysis import review as rv
from ..analysis.estimate import NAMES
from . import i18n, labels, queries
from .overview import state_stamp
from .site import HTTPError

ANSWERS = {"1": 1, "2": 0, "3": -1, "0": None}  # the CLI's keys
WORDS = {1: "supportive", 0: "neutral", -1: "hostile", None: "not about the case"}


def _(request):
    return i18n.translator(i18n.lang_of(request))


def routes(site) -> list[Route]:
    estimates: dict[int, tuple] = {}  # case id -> (state stamp, estimate): an answer's estimate serves the next page

    def remember(case_id: int, estimate: dict) -> None:
        with site.reader.connect() as conn:
            estimates[case_id] = (state_stamp(conn, case_id), estimate)

    def estimate_of(c: dict) -> dict:
        """The case's current estimate: the one the last answer computed while nothing has changed
        since (labels, draws, imports, analysis), else computed afresh (it rebuilds the case's model)."""
        with site.reader.connect() as conn:
            stamp = state_stamp(conn, c["id"])
        hit = estimates.get(c["id"])
        if hit and hit[0] == stamp:
            return hit[1]
        with site.engine.begin() as conn:
            e = rv.current_estimate(conn, c["name"])
        remember(c["id"], e)
        return e

    @site.page("editor")
    def review_page(request, user, form):
        name = request.path_params["case"]
        with site.reader.connect() as conn:
            c = site.case_of(conn, name)
        try:
            qs = rv.next_questions(site.engine, name, 1)
        except ValueError as e:  # not analysed yet
            raise HTTPError(409, str(e)) from None
        estimate = estimate_of(c)
        q, parent = (qs[0] if qs else None), None
        if q:
            with site.reader.connect() as conn:
                row = queries.comment_in_case(conn, c["id"], q["comment_id"])
                if row and row["parent_id"]:
                    parent = queries.comment_in_case(conn, c["id"], row["parent_id"])
            q = {**q, "machine_word": WORDS[q["machine_stance"]], "post_platform_id": row and row["post_platform_id"]}
        last = request.query_params.get("last", "")
        return site.render(request, user, "review.html", case=c, q=q, parent=parent, estimate=estimate, names=NAMES,
                           last=int(last) if last.isdigit() and len(last) < 19 else None)

    @site.page("editor")
    def review_answer(request, user, form):
        name = request.path_params["case"]
        with site.reader.connect() as conn:
            c = site.case_of(conn, name)
        key, to = str(form.get("answer", "")), f"/cases/{name}/review"
        if key == "s":
            draw = str(form.get("draw", ""))
            if not draw.isdigit() or len(draw) > 18:
                raise HTTPError(400, "a skip needs the question's draw number")
            rv.skip(site.engine, name, int(draw))
            site.flash(user, _(request)("skipped: this person's draw is left out of the estimate"))
            return site.back(to)
        if key not in ANSWERS:
            raise HTTPError(400, "answer with 1 supportive, 2 neutral, 3 hostile, 0 not about the case, or s to skip")
        cid = str(form.get("comment_id", ""))
        with site.reader.connect() as conn:
            row = queries.comment_in_case(conn, c["id"], int(cid)) if cid.isdigit() and len(cid) < 19 else None
        if row is None:
            raise HTTPError(404, "no such comment in this case")
        pid = row["platform_id"]
        e = rv.answer(site.engine, name, pid, ANSWERS[key], user=user.actor)
        remember(c["id"], e)
        s = e["by_authors"]["supportive"]
        t = _(request)
        site.flash(user, t("comment {pid}: {word}. Supportive now {share}% of people ({low}–{high}%)").format(
            pid=pid, word=t(WORDS[ANSWERS[key]]), share=f"{100 * s['share']:.0f}", low=f"{100 * s['low']:.0f}",
            high=f"{100 * s['high']:.0f}"))
        return site.back(f"{to}?last={row['id']}")

    @site.page("editor")
    def review_undo(request, user, form):
        name = request.path_params["case"]
        cid = str(form.get("comment_id", ""))
        if not cid.isdigit() or len(cid) > 18:
            raise HTTPError(400, "undo needs the comment's store id")
        with site.reader.connect() as conn:
            c = site.case_of(conn, name)
        try:
            removed = labels.remove_label(site.engine, c, int(cid), "stance", user.actor)
        except ValueError as err:
            raise HTTPError(404, str(err)) from None
        site.flash(user, _(request)("undone: the answer is removed and the question comes back" if removed
                                    else "nothing to undo: that comment has no label"))
        return site.back(f"/cases/{name}/review")

    return [Route("/cases/{case}/review", review_page),
            Route("/cases/{case}/review", review_answer, methods=["POST"]),
            Route("/cases/{case}/review/undo", review_undo, methods=["POST"])]
