"""The overview's charts read the digest: the reaction over time adds up to the digest's stance
counts, stance per theme is the digest's corrected mix, the case file's events are marked, and
the charts follow the editor's labels. Plus the bucketing in the case's time zone."""

import re
from collections import Counter

from otklik.web.overview import STANCES, timeline
from tests.web.conftest import csrf_of, demo_digest as digest_of

SEGMENT = re.compile(r'<rect [^>]*data-stance="([a-z_]+)" data-count="(\d+)"')


def chart(html: str, chart_id: str) -> str:
    return re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S).group(0)


def counts(svg: str) -> Counter:
    out = Counter()
    for k, n in SEGMENT.findall(svg):
        out[k] += int(n)
    return out


def theme_counts(svg: str) -> dict[str, Counter]:
    out = {}
    for key, body in re.findall(r'<g data-row="([^"]+)">(.*?)</g>', svg, re.S):
        out[key] = counts(body)
    return out


def expected_theme(t: dict) -> Counter:
    names = {"1": "supportive", "0": "neutral", "-1": "hostile", "none": "not_about_case"}
    return Counter({names[k]: v for k, v in t["stances"].items() if v})


def test_reaction_over_time_adds_up_to_the_digest(as_role, demo_home):
    html = as_role("vic").get("/cases/demo").text
    d = digest_of(demo_home)
    got = counts(chart(html, "timeline-chart"))
    assert {k: got[k] for k in STANCES} == {k: d["stance"]["comments"][k]["n"] for k in STANCES}
    assert sum(got.values()) == d["totals"]["comments"]
    # the data table's totals row says the same
    foot = re.search(r'<table id="timeline-table">.*?<tfoot>(.*?)</tfoot>', html, re.S).group(1)
    cells = [int(x) for x in re.findall(r'<td class="num">(\d+)</td>', foot)]
    assert cells == [d["stance"]["comments"][k]["n"] for k in STANCES] + [d["totals"]["comments"]]


def test_case_file_deadlines_after_the_comments_are_marked(as_role, demo_home):
    html = as_role("vic").get("/cases/demo").text
    d = digest_of(demo_home)
    svg = chart(html, "timeline-chart")
    marked = re.findall(r'<g class="event" data-date="([^"]+)"', svg)
    days = sorted(re.findall(r'data-bucket="(\d{4}-\d\d-\d\d)', svg))
    inside = [e["date"] for e in d["events"] if days[0] <= e["date"][:10] <= days[-1]]
    assert marked and marked == inside
    assert any(e["deadline"] and e["date"] in marked for e in d["events"])  # the demo has deadlines ahead


def test_stance_per_theme_is_the_digests_mix_and_follows_labels(as_role, demo_home):
    eve = as_role("eve")
    d = digest_of(demo_home)
    got = theme_counts(chart(eve.get("/cases/demo").text, "themes-chart"))
    assert got == {t["key"]: expected_theme(t) for t in d["themes"]}
    # relabel comments of the biggest theme as hostile: the chart follows without a new analysis
    key = d["themes"][0]["key"]
    page = eve.get(f"/cases/demo/comments?theme={key}").text
    ids = re.findall(r'name="ids" value="(\d+)"', page)[:5]
    r = eve.post("/cases/demo/comments/relabel", data={"csrf": csrf_of(eve), "stance": "-1", "ids": ids},
                 follow_redirects=False)
    assert r.status_code == 303
    d2 = digest_of(demo_home)
    got2 = theme_counts(chart(eve.get("/cases/demo").text, "themes-chart"))
    assert got2 == {t["key"]: expected_theme(t) for t in d2["themes"]}
    assert got2[key]["hostile"] > got[key]["hostile"]


def test_timeline_buckets_in_the_case_time_zone():
    # 21:00-23:00 UTC on 1 January is already 2 January in Moscow (UTC+3)
    hours = [("2026-01-01T21", "1", 2), ("2026-01-01T22", "-1", 1), ("2026-01-02T08", "none", 4), ("", "0", 3)]
    tl = timeline(hours, [], "Europe/Moscow")
    assert tl["unit"] == "hour"
    assert [b["label"] for b in tl["buckets"]][:2] == ["2026-01-02 00:00", "2026-01-02 01:00"]
    assert tl["undated"]["neutral"] == 3 and tl["totals"] == {"supportive": 2, "neutral": 3, "hostile": 1,
                                                              "not_about_case": 4}
    # a reaction over more than three days, or a deadline two weeks on, is drawn by the day
    long = timeline(hours + [("2026-01-09T10", "1", 1)], [], "Europe/Moscow")
    assert long["unit"] == "day" and long["buckets"][0]["label"] == "2026-01-02"
    assert len(long["buckets"]) == 8 and long["buckets"][0]["counts"]["supportive"] == 2
    ev = [{"date": "2026-01-16", "deadline": True}, {"date": "2025-06-01", "deadline": False}]
    tl = timeline(hours, ev, "Europe/Moscow")
    assert tl["unit"] == "day" and [e["date"] for e in tl["events"]] == ["2026-01-16"]
    assert tl["buckets"][tl["events"][0]["at"]]["label"] == "2026-01-16"


def test_one_capture_draws_no_line_but_says_so(as_role):
    html = as_role("vic").get("/cases/demo").text
    assert 'id="followers-chart"' not in html and 'id="counts-chart"' not in html
    assert "one capture so far" in html


def test_a_long_quiet_tail_is_one_bucket_and_the_busy_days_are_drawn():
    hours = [("2026-03-01T10", "1", 3), ("2026-05-01T10", "0", 2)] + [(f"2026-11-{d:02d}T12", "1", 50) for d in (20, 21, 22)]
    tl = timeline(hours, [{"date": "2026-12-01", "deadline": True}], "UTC")
    labels = [b["label"] for b in tl["buckets"]]
    assert labels[0] == "… 2026-11-17" and tl["buckets"][0]["counts"]["supportive"] == 3
    assert labels[1] == "2026-11-18" and labels[-1] == "2026-12-01"  # to the deadline
    assert sum(sum(b["counts"].values()) for b in tl["buckets"]) == 155
    assert [e["at"] for e in tl["events"]] == [len(labels) - 1]


def test_a_slow_overview_is_shown_as_it_was_while_it_is_rebuilt(as_role, monkeypatch):
    from otklik.web import overview

    eve = as_role("eve")
    first = eve.get("/cases/demo").text
    assert 'id="as-of"' not in first
    monkeypatch.setattr(overview.OverviewCache, "SYNC_BUILD_S", -1.0)  # every build counts as slow
    page = eve.get("/cases/demo/comments?stance=-1").text
    ids = re.findall(r'name="ids" value="(\d+)"', page)[:2]
    eve.post("/cases/demo/comments/relabel", data={"csrf": csrf_of(eve), "stance": "1", "ids": ids})
    stale = eve.get("/cases/demo").text
    assert 'id="as-of"' in stale  # the last overview, said to be the last one
    assert chart(stale, "themes-chart") == chart(first, "themes-chart")


def test_followers_over_two_captures_are_drawn_with_their_table(demo_home, app_factory):
    import sqlite3

    from starlette.testclient import TestClient

    from tests.web.conftest import login

    con = sqlite3.connect(demo_home / "otklik.sqlite")
    src, value, at = con.execute("SELECT entity_id, value, observed_at FROM observation "
                                 "WHERE entity_type='source' AND metric='followers' ORDER BY observed_at").fetchone()
    later = at[:4] + "-12-30" + at[10:] if at[5:10] != "12-30" else at[:4] + "-12-31" + at[10:]
    cols = [r[1] for r in con.execute("PRAGMA table_info(observation)")]
    row = dict(zip(cols, con.execute("SELECT * FROM observation WHERE entity_type='source' AND metric='followers' "
                                     "AND entity_id=?", (src,)).fetchone()))
    row.update(id=None, value=value + 250, observed_at=later)
    con.execute(f"INSERT INTO observation({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", [row[c] for c in cols])
    con.commit()
    con.close()
    c = TestClient(app_factory(demo_home))
    login(c, "vic")
    html = c.get("/cases/demo").text
    svg = chart(html, "followers-chart")
    assert svg.count("<circle") == 2
    table = re.search(r'<table id="followers-table">.*?</table>', html, re.S).group(0)
    assert f'<td class="num">{int(value)}</td>' in table and f'<td class="num">{int(value) + 250}</td>' in table


def test_chart_text_from_comments_is_escaped():
    from otklik.web.charts import stance_bars, stance_columns

    rows = [{"key": 't1"><script>', "label": "<script>alert(1)</script>", "counts": {"supportive": 2}}]
    svg = str(stance_bars(rows, list(STANCES), {}, "<b>title</b>", "x"))
    assert "<script>" not in svg and "<b>" not in svg and "&lt;script&gt;" in svg
    buckets = [{"label": "2026-01-01", "counts": {"supportive": 1}}]
    svg = str(stance_columns(buckets, [{"at": 0, "date": "2026-01-01", "text": "<img src=x onerror=alert(1)>"}],
                             list(STANCES), {}, "t", "y"))
    assert "<img" not in svg and "&lt;img" in svg
