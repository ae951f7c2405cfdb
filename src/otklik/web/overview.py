"""What the case overview shows, read from the digest (the one read model for output) and cached
per digest state, so the overview of a million-comment case costs one dictionary look-up.

- `timeline`: the case's comments per hour (a short reaction) or per day, by stance, with the
  case file's events and deadlines that fall in or just after that period. The stance of a
  comment is the one the digest counts (`digest["stance"]`: the latest analysis' label when the
  comment is about the case, else "not about the case"); it is read from the web's facet rows,
  which hold exactly that per comment, so the buckets add up to the digest's totals.
- `themes`: each theme's stance mix as the digest gives it (corrected by the editor's labels).
- `snapshots`: followers and comment counts of the case's sources and posts over the captures.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
import time
from threading import Lock, Thread
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..casefile import list_events
from ..digest import build_digest
from ..store import editor_label, review_draw, web_comment_facet as facet
from . import queries

STANCES = ("supportive", "neutral", "hostile", "not_about_case")
FACET_STANCE = {"1": "supportive", "0": "neutral", "-1": "hostile", "none": "not_about_case"}
DIGEST_STANCE = {"1": "supportive", "0": "neutral", "-1": "hostile", "none": "not_about_case"}
HOURLY_UP_TO = 72  # a reaction shorter than three days is drawn by the hour
LONG_DAYS, BUSY_SHARE = 45, 0.9  # a longer one is drawn over the stretch holding 90% of its comments
EVENTS_BEFORE, EVENTS_AFTER = timedelta(days=7), timedelta(days=31)  # events drawn around the comments' period


def state_stamp(conn: Connection, case_id: int) -> tuple:
    """Changes whenever the digest may change: imports, analysis runs, editor labels, review draws."""
    if not conn.dialect.has_table(conn, "editor_label"):
        return queries.facet_stamp(conn, case_id), None
    labels = conn.execute(select(func.count(), func.max(editor_label.c.id), func.max(editor_label.c.at))
                          .where(editor_label.c.case_id == case_id)).one()
    draws = conn.execute(select(func.count(), func.max(review_draw.c.id))
                         .where(review_draw.c.case_id == case_id, review_draw.c.status != "pending")).one()
    return queries.facet_stamp(conn, case_id), tuple(labels), tuple(draws)


def _hour_counts(conn: Connection, case_id: int) -> list[tuple[str, str | None, int]]:
    """(UTC hour "YYYY-MM-DDTHH" or "" when undated, facet stance, comments)."""
    hour = func.substr(facet.c.published_at, 1, 13)
    return [tuple(r) for r in conn.execute(
        select(hour, facet.c.stance, func.count()).where(facet.c.case_id == case_id).group_by(hour, facet.c.stance))]


def _busy_days(per_day: dict[date, int]) -> tuple[date, date]:
    """The shortest run of days that holds at least BUSY_SHARE of the dated comments."""
    days = sorted(per_day)
    need = BUSY_SHARE * sum(per_day.values())
    best, j, acc = (days[0], days[-1]), 0, 0
    for d in days:
        acc += per_day[d]
        while acc - per_day[days[j]] >= need:
            acc -= per_day[days[j]]
            j += 1
        if acc >= need and d - days[j] < best[1] - best[0]:
            best = (days[j], d)
    return best


def _zero() -> dict[str, int]:
    return dict.fromkeys(STANCES, 0)


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for k, v in counts.items():
        into[k] += v


def timeline(hours: list[tuple[str, str | None, int]], events: list[dict], tz: str) -> dict:
    """Buckets [{"start": iso, "label": text, "counts": {stance: n}}] in the case's time zone, the
    events placed on them, the undated comments and the totals per stance.

    A reaction spread over more than LONG_DAYS is drawn over its busy stretch (the shortest run of
    days with BUSY_SHARE of the comments, with the events around it); the comments before and
    after it are one bucket each at the ends, so the buckets still add up to every comment."""
    zone = ZoneInfo(tz)
    local: dict[datetime, dict[str, int]] = {}
    undated, totals = _zero(), _zero()
    for h, st, n in hours:
        name = FACET_STANCE.get(st or "none", "not_about_case")
        totals[name] += n
        try:
            t = datetime.fromisoformat(h + ":00:00+00:00").astimezone(zone)
        except ValueError:
            undated[name] += n
            continue
        local.setdefault(t, _zero())[name] += n
    if not local:
        return {"unit": "day", "buckets": [], "events": [], "undated": undated, "totals": totals}
    per_day: dict[date, int] = {}
    for t, c in local.items():
        per_day[t.date()] = per_day.get(t.date(), 0) + sum(c.values())
    lo, hi = min(per_day), max(per_day)
    if (hi - lo).days > LONG_DAYS:
        busy_lo, busy_hi = _busy_days(per_day)
        lo, hi = max(lo, busy_lo - timedelta(days=2)), min(hi, busy_hi + timedelta(days=1))
    shown = [e for e in events if lo - EVENTS_BEFORE <= date.fromisoformat(e["date"][:10]) <= hi + EVENTS_AFTER]
    for e in shown:
        d = date.fromisoformat(e["date"][:10])
        lo, hi = min(lo, d), max(hi, d)
    hourly = (hi - lo).days < 3 and (max(local) - min(local)) <= timedelta(hours=HOURLY_UP_TO)
    buckets: dict[datetime, dict[str, int]] = {}
    before, after = _zero(), _zero()
    for t, c in local.items():
        if t.date() < lo:
            _add(before, c)
        elif t.date() > hi:
            _add(after, c)
        else:
            key = t.replace(minute=0, second=0) if hourly else datetime(t.year, t.month, t.day, tzinfo=zone)
            _add(buckets.setdefault(key, _zero()), c)
    out: list[dict] = []
    if sum(before.values()):
        out.append({"start": "", "label": f"… {lo - timedelta(days=1)}", "counts": before})
    t = datetime(lo.year, lo.month, lo.day, tzinfo=zone)
    if hourly:
        t = min(min(buckets), t) if buckets else t
    end = max(buckets) if hourly and buckets else datetime(hi.year, hi.month, hi.day, tzinfo=zone)
    while t <= end:  # every hour/day of the period, the empty ones too
        out.append({"start": t.isoformat(), "label": t.strftime("%Y-%m-%d %H:00" if hourly else "%Y-%m-%d"),
                    "counts": buckets.get(t, _zero())})
        t = (t + timedelta(hours=1)) if hourly else datetime.combine(t.date() + timedelta(days=1), t.timetz())
    if sum(after.values()):
        out.append({"start": "", "label": f"{hi + timedelta(days=1)} …", "counts": after})
    index: dict[str, int] = {}
    for i, b in enumerate(out):
        if b["start"]:
            index.setdefault(b["start"][:10], i)  # an event marks its day (by the hour: the day's first hour)
    marks = [{**e, "at": index.get(e["date"][:10])} for e in shown]
    return {"unit": "hour" if hourly else "day", "buckets": out, "events": [m for m in marks if m["at"] is not None],
            "undated": undated, "totals": totals}


def theme_rows(digest: dict) -> list[dict]:
    """Each theme with its stance counts as the digest gives them (keys as in STANCES)."""
    rows = []
    for t in digest["themes"]:
        counts = dict.fromkeys(STANCES, 0)
        for k, v in (t.get("stances") or {}).items():
            counts[DIGEST_STANCE.get(str(k), "not_about_case")] += int(v)
        rows.append({"key": t["key"], "label": t["label"], "counts": counts, "source": t.get("stances_source"),
                     "n_comments": t["n_comments"], "n_authors": t["n_authors"]})
    return rows


class OverviewCache:
    """The digest-derived part of the overview per case, rebuilt when the case's stamp moves.

    A case whose overview took longer than SYNC_BUILD_S to build (a large one) is not rebuilt while
    the page waits: the last overview is shown, marked as such, and one rebuild runs in the
    background (the editor's next labels do not start another until it is done)."""

    SYNC_BUILD_S = 2.0

    def __init__(self):
        self._lock = Lock()
        self._hits: dict[int, dict] = {}
        self._building: set[int] = set()

    def get(self, engine, reader, case: dict) -> dict:
        with reader.connect() as conn:
            stamp = state_stamp(conn, case["id"])
        hit = self._hits.get(case["id"])
        if hit and hit["stamp"] == stamp:
            return hit["data"]
        if hit and hit["seconds"] > self.SYNC_BUILD_S:
            if case["id"] not in self._building:
                self._building.add(case["id"])
                Thread(target=self._rebuild, args=(engine, reader, case), daemon=True).start()
            return {**hit["data"], "as_of": hit["at"]}
        return self._rebuild(engine, reader, case)

    def _rebuild(self, engine, reader, case: dict) -> dict:
        try:
            with self._lock:  # one build at a time: a million-comment digest is not cheap
                t = time.perf_counter()
                queries.refresh_facets(engine, case["id"], reader=reader)
                with reader.connect() as conn:
                    stamp = state_stamp(conn, case["id"])
                    data = build(conn, case)
                self._hits[case["id"]] = {"stamp": stamp, "data": data, "seconds": time.perf_counter() - t,
                                          "at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
                return data
        finally:
            self._building.discard(case["id"])


def build(conn: Connection, case: dict) -> dict:
    """{"digest", "error", "timeline", "themes", "snapshots"} of the case."""
    events = list_events(conn, case["id"])
    series = queries.observation_series(conn, case["id"])
    snapshots = {"followers": [s for s in series if s["metric"] != "comments"],
                 "counts": [s for s in series if s["metric"] == "comments"]}
    try:
        digest = build_digest(conn, case["name"], events=events or None)
    except ValueError as e:  # not analysed yet, or imported since
        return {"digest": None, "error": str(e), "timeline": None, "themes": [], "snapshots": snapshots,
                "events": events}
    return {"digest": digest, "error": None, "events": digest["events"], "snapshots": snapshots,
            "timeline": timeline(_hour_counts(conn, case["id"]), digest["events"], case["tz"]),
            "themes": theme_rows(digest)}
