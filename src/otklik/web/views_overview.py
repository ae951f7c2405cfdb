"""The case overview: totals, the reaction over time by stance against the case's events and
deadlines, stance per theme, followers and comment counts over the captures, each chart with its
data table. Everything comes from the digest (see overview.py), cached per digest state."""

from __future__ import annotations

from starlette.routing import Route

from ..cases import show_case
from . import charts, i18n
from .overview import STANCES, OverviewCache


def routes(site) -> list[Route]:
    cache = OverviewCache()

    @site.page()
    def overview(request, user, form):
        name = request.path_params["case"]
        with site.reader.connect() as conn:
            c = site.case_of(conn, name)
        data = cache.get(site.engine, site.reader, c)
        lang = i18n.lang_of(request)
        _ = i18n.translator(lang)
        names = {k: _(k) for k in STANCES}
        digest = data["digest"]
        ctx = {"case": c, "digest": digest, "error": data["error"], "stances": STANCES, "stance_label": names,
               "analysing": site.jobs.running(name, "analyze"), "snapshots": data["snapshots"],
               "as_of": data.get("as_of"),
               "events": [i18n.event_text(e, lang) for e in data["events"]]}
        if digest is None:  # not analysed: the store's own counts
            with site.reader.connect() as conn:
                ctx["shown"] = show_case(conn, name)
        else:
            tl = data["timeline"]
            marks = [i18n.event_text(e, lang) for e in tl["events"]]
            unit = _("hour") if tl["unit"] == "hour" else _("day")
            ctx.update(timeline=tl, timeline_events=marks, themes=data["themes"],
                       timeline_chart=charts.stance_columns(
                           tl["buckets"], marks, list(STANCES), names,
                           _("Comments per {unit} by stance, with the case's events").format(unit=unit), "timeline-chart",
                           event_word=_("event"), deadline_word=_("deadline")),
                       themes_chart=charts.stance_bars(data["themes"], list(STANCES), names,
                                                       _("Stance per theme (comments)"), "themes-chart"),
                       upcoming=[e for e in ctx["events"] if e.get("upcoming")])
        several = {k: [s for s in v if len(s["points"]) > 1] for k, v in data["snapshots"].items()}
        ctx["snapshot_charts"] = {
            k: charts.line_chart(v, _(title), f"{k}-chart", tz=c["tz"]) for k, v, title in (
                ("followers", several["followers"], "Followers over the captures"),
                ("counts", several["counts"], "Comment counts over the captures")) if v}
        return site.render(request, user, "overview.html", **ctx)

    return [Route("/cases/{case}", overview)]
