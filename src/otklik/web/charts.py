"""Server-side SVG charts, each with a text alternative (a <title>/<desc>; the page adds a data table).

Everything placed in the SVG goes through markupsafe.escape; colours are presentation
attributes (no inline CSS, so the Content-Security-Policy can forbid it).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

PALETTE = ["#1f6feb", "#d29922", "#2da44e", "#cf222e", "#8250df", "#57606a", "#bf3989", "#0a7f85"]
STANCE_COLOURS = {"supportive": "#2da44e", "neutral": "#8c959f", "hostile": "#cf222e", "not_about_case": "#d0d7de"}


def _t(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


def line_chart(series: list[dict], title: str, chart_id: str, width: int = 640, height: int = 220,
               tz: str = "UTC") -> Markup:
    """Dated series [{label, points: [(iso time, value)]}] as lines on one time axis, labelled in the
    case's time zone `tz` (never the server's own). A series observed once is drawn as a dot."""
    zone = ZoneInfo(tz) if tz != "UTC" else timezone.utc
    pts = [(_t(t), v) for s in series for t, v in s["points"]]
    desc = "; ".join(f"{s['label']}: " + ", ".join(f"{_fmt(v)} at {t}" for t, v in s["points"]) for s in series)
    head = (f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {width} {height}" '
            f'width="100%" class="chart" id="{chart_id}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc or "no observations")}</desc>')
    if not pts:
        return Markup(head + '<text x="10" y="30" fill="#57606a">no observations yet</text></svg>')
    left, right, top, bottom = 60, 10, 10, 40
    t0, t1 = min(p[0] for p in pts), max(p[0] for p in pts)
    v1 = max(p[1] for p in pts) or 1
    span = (t1 - t0) or 1

    def x(t):
        return left + (t - t0) / span * (width - left - right) if t1 > t0 else (left + width - right) / 2

    def y(v):
        return top + (1 - v / v1) * (height - top - bottom)
    parts = [head]
    for i in range(5):  # horizontal grid with value labels
        v = v1 * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#57606a">{_fmt(round(v))}</text>')
    for t in sorted({t0, t1}):
        label = datetime.fromtimestamp(t, zone).strftime("%Y-%m-%d %H:%M")
        parts.append(f'<text x="{x(t):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" '
                     f'fill="#57606a">{escape(label)}</text>')
    for i, s in enumerate(series):
        c = PALETTE[i % len(PALETTE)]
        xy = [(x(_t(t)), y(v)) for t, v in s["points"]]
        if len(xy) > 1:
            parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
                         + " ".join(f"{a:.1f},{b:.1f}" for a, b in xy) + '"/>')
        for a, b in xy:
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{c}"/>')
    legend_x = left
    for i, s in enumerate(series):  # legend along the bottom
        c = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{legend_x}" y="{height - 12}" width="10" height="10" fill="{c}"/>'
                     f'<text x="{legend_x + 14}" y="{height - 3}" font-size="11">{escape(s["label"])}</text>')
        legend_x += 24 + 7 * len(s["label"])
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(keys: list[str], names: dict[str, str], colours: dict[str, str], y: int) -> list[str]:
    parts, lx = [], 10
    for k in keys:
        parts.append(f'<rect x="{lx}" y="{y}" width="10" height="10" fill="{colours.get(k, "#8c959f")}"/>'
                     f'<text x="{lx + 14}" y="{y + 9}" font-size="11">{escape(names.get(k, k))}</text>')
        lx += 28 + 7 * len(names.get(k, k))
    return parts


def stance_columns(buckets: list[dict], events: list[dict], keys: list[str], names: dict[str, str], title: str,
                   chart_id: str, width: int = 720, height: int = 260, event_word: str = "event",
                   deadline_word: str = "deadline") -> Markup:
    """Comments per hour or day as columns stacked by stance (bottom to top in `keys` order), with
    the case's events as dashed lines (deadlines in red) numbered as in the data table. Each
    segment carries data-stance and data-count, each column data-bucket."""
    total = sum(sum(b["counts"].values()) for b in buckets)
    desc = f"{total} comments in {len(buckets)} periods; " + "; ".join(
        f"{names.get(k, k)} {sum(b['counts'].get(k, 0) for b in buckets)}" for k in keys)
    parts = [f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {width} {height}" width="100%" '
             f'class="chart" id="{chart_id}" xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
             f'<desc id="{chart_id}-d">{escape(desc)}</desc>']
    if not buckets:
        return Markup("".join(parts) + "</svg>")
    left, right, top, bottom = 48, 10, 18, 58
    v1 = max(sum(b["counts"].values()) for b in buckets) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(buckets)
    bar = max(1.0, step * 0.8)

    def y(v):
        return top + (1 - v / v1) * plot_h
    for i in range(5):
        v = round(v1 * i / 4)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#57606a">{v:,}</text>')
    for i, b in enumerate(buckets):
        x = left + i * step + (step - bar) / 2
        parts.append(f'<g data-bucket="{escape(b["label"])}">')
        base = 0
        for k in keys:
            n = b["counts"].get(k, 0)
            if n:
                parts.append(f'<rect x="{x:.1f}" y="{y(base + n):.1f}" width="{bar:.1f}" height="{y(base) - y(base + n):.1f}" '
                             f'fill="{STANCE_COLOURS.get(k, "#8c959f")}" data-stance="{k}" data-count="{n}">'
                             f'<title>{escape(b["label"])}: {escape(names.get(k, k))} {n}</title></rect>')
                base += n
        parts.append("</g>")
    every = max(1, math.ceil((7 * len(buckets[0]["label"]) + 12) / step))  # axis labels that do not overlap
    for i in range(0, len(buckets), every):
        parts.append(f'<text x="{left + (i + .5) * step:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                     f'font-size="11" fill="#57606a">{escape(buckets[i]["label"])}</text>')
    for n, e in enumerate(events, start=1):
        x = left + (e["at"] + .5) * step
        c = "#cf222e" if e.get("deadline") else "#57606a"
        what = deadline_word if e.get("deadline") else event_word
        parts.append(f'<g class="event" data-date="{escape(e["date"])}"><line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" '
                     f'y2="{top + plot_h}" stroke="{c}" stroke-width="1.5" stroke-dasharray="4 3"/>'
                     f'<text x="{x:.1f}" y="{top - 6}" text-anchor="middle" font-size="11" font-weight="bold" fill="{c}">{n}</text>'
                     f'<title>{n}. {escape(e["date"])} {escape(what)}: {escape(e.get("text") or "")}</title></g>')
    parts += _legend(keys, names, STANCE_COLOURS, height - 22)
    parts.append("</svg>")
    return Markup("".join(parts))


def stance_bars(rows: list[dict], keys: list[str], names: dict[str, str], title: str, chart_id: str,
                width: int = 720) -> Markup:
    """Rows {label, counts: {stance: n}} as horizontal bars stacked by stance, their length the
    row's comments (the longest row fills the width); segments carry data-stance and data-count."""
    bar_h, gap, left, right = 22, 10, 250, 50
    height = len(rows) * (bar_h + gap) + 34
    v1 = max((sum(r["counts"].values()) for r in rows), default=0) or 1
    desc = "; ".join(f"{r['label']}: " + ", ".join(f"{names.get(k, k)} {r['counts'].get(k, 0)}" for k in keys) for r in rows)
    parts = [f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {width} {height}" width="100%" '
             f'class="chart" id="{chart_id}" xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
             f'<desc id="{chart_id}-d">{escape(desc)}</desc>']
    for i, r in enumerate(rows):
        y = i * (bar_h + gap)
        label = r["label"] if len(r["label"]) <= 32 else r["label"][:31] + "…"
        parts.append(f'<g data-row="{escape(r["key"])}"><text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="11">'
                     f'<title>{escape(r["label"])}</title>{escape(label)}</text>')
        x = float(left)
        for k in keys:
            n = r["counts"].get(k, 0)
            if n:
                w = n / v1 * (width - left - right)
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{STANCE_COLOURS.get(k, "#8c959f")}" '
                             f'data-stance="{k}" data-count="{n}"><title>{escape(r["label"])}: {escape(names.get(k, k))} {n}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="11" fill="#57606a">{sum(r["counts"].values())}</text></g>')
    parts += _legend(keys, names, STANCE_COLOURS, height - 18)
    parts.append("</svg>")
    return Markup("".join(parts))
