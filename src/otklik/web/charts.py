"""Server-side SVG charts, each with a text alternative (a <title>/<desc> and a data table).

Everything placed in the SVG goes through markupsafe.escape; colours are presentation
attributes (no inline CSS, so the Content-Security-Policy can forbid it).
"""

from __future__ import annotations

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
            f'width="100%" class="chart" xmlns="http://www.w3.org/2000/svg">'
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


def stacked_bar(rows: list[tuple[str, dict[str, float]]], title: str, chart_id: str, colours: dict | None = None,
                width: int = 640) -> Markup:
    """Rows of shares that add up to 1 (e.g. stance by comments, by people) as horizontal stacked bars."""
    colours = colours or {}
    bar_h, gap, left = 26, 14, 110
    keys: list[str] = []
    for _, shares in rows:
        for k in shares:
            if k not in keys:
                keys.append(k)
    height = len(rows) * (bar_h + gap) + 30
    desc = "; ".join(f"{name}: " + ", ".join(f"{k} {round(v * 100)}%" for k, v in shares.items()) for name, shares in rows)
    parts = [f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {width} {height}" width="100%" '
             f'class="chart" xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-t">{escape(title)}</title>'
             f'<desc id="{chart_id}-d">{escape(desc)}</desc>']
    for i, (name, shares) in enumerate(rows):
        y = i * (bar_h + gap)
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="12">{escape(name)}</text>')
        x = float(left)
        for k in keys:
            w = shares.get(k, 0) * (width - left - 10)
            if w <= 0:
                continue
            c = colours.get(k) or PALETTE[keys.index(k) % len(PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{c}">'
                         f'<title>{escape(k)}: {round(shares[k] * 100)}%</title></rect>')
            if w > 34:
                parts.append(f'<text x="{x + 4:.1f}" y="{y + 17}" font-size="11" fill="#fff">{round(shares[k] * 100)}%</text>')
            x += w
    lx = left
    for k in keys:
        c = colours.get(k) or PALETTE[keys.index(k) % len(PALETTE)]
        parts.append(f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{c}"/>'
                     f'<text x="{lx + 14}" y="{height - 7}" font-size="11">{escape(k)}</text>')
        lx += 26 + 7 * len(k)
    parts.append("</svg>")
    return Markup("".join(parts))
