"""Timeline pictures as inline SVG, drawn at build time (no JavaScript needed to read them).

One lane per document, a time axis with dated ticks, and one mark per change coloured by exposure.
Each mark links to its change page, carries a <title> tooltip and a short text label, so the
picture is readable in any browser, by screen readers (role="img" + <desc>) and when printed.
All text is XML-escaped here: the result is safe to insert into a page as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

__all__ = ["EXPOSURE_COLOURS", "TimelineMark", "timeline_svg"]

EXPOSURE_COLOURS = {"low": "#2e7d32", "medium": "#b26a00", "high": "#c62828"}
WIDTH = 760
LEFT = 170  # room for the lane labels
RIGHT = 24
TOP = 12
MIN_SPAN = timedelta(days=28)
LANE = 56
AXIS = 40


@dataclass(frozen=True)
class TimelineMark:
    lane: str  # e.g. the document's terms type
    when: datetime
    exposure: str  # low | medium | high
    label: str  # short text under the mark
    tooltip: str  # full sentence in <title>
    href: str | None = None  # relative link to the change page


def _ticks(start: datetime, end: datetime, max_ticks: int = 7) -> list[datetime]:
    """Month starts (or week starts for short spans) between start and end, thinned to fit."""
    span = (end - start).days
    ticks: list[datetime] = []
    if span <= 70:
        t = (start - timedelta(days=start.weekday())).replace(hour=0, minute=0, second=0)
        t = t if t >= start else t + timedelta(days=7)
        while t <= end:
            ticks.append(t)
            t += timedelta(days=7)
    else:
        t = datetime(start.year, start.month, 1)
        if t < start:
            t = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
        while t <= end:
            ticks.append(t)
            t = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
    step = max(1, -(-len(ticks) // max_ticks))
    return ticks[::step]


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def timeline_svg(
    marks: list[TimelineMark],
    lanes: list[str],
    start: datetime,
    end: datetime,
    *,
    title: str = "Timeline of changes",
) -> Markup:
    """An <svg> element (as safe Markup) showing `marks` on `lanes` between start and end."""
    lanes = list(dict.fromkeys(lanes + [m.lane for m in marks])) or ["(no documents)"]
    if end - start < MIN_SPAN:  # a fresh install: show the last four weeks, not a few seconds
        start = end - MIN_SPAN
    pad = (end - start) * 0.03
    start, end = start - pad, end + pad
    height = TOP + LANE * len(lanes) + AXIS
    plot_w = WIDTH - LEFT - RIGHT
    total = (end - start).total_seconds()

    def x(t: datetime) -> float:
        return round(LEFT + plot_w * (t - start).total_seconds() / total, 1)

    desc = (
        f"{len(marks)} change(s) between {start:%Y-%m-%d} and {end:%Y-%m-%d}"
        if marks
        else "No substantive changes recorded yet."
    )
    out: list[str] = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="tl-title tl-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="tl-title">{escape(title)}</title>',
        f'<desc id="tl-desc">{escape(desc)}</desc>',
    ]
    axis_y = TOP + LANE * len(lanes)
    for i, lane in enumerate(lanes):
        y = TOP + LANE * i + LANE // 2
        out.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" class="lane" '
            'stroke="#d0d0d0" stroke-dasharray="3 3"/>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" class="lane-label" '
            f'font-size="12">{escape(_short(lane, 24))}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="#555"/>'
    )
    for t in _ticks(start, end):
        tx = x(t)
        out.append(f'<line x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 5}" stroke="#555"/>')
        out.append(
            f'<text x="{tx}" y="{axis_y + 18}" text-anchor="middle" font-size="11" '
            f'class="tick">{t:%d %b %Y}</text>'
        )
    if not marks:
        out.append(
            f'<text x="{LEFT + plot_w / 2}" y="{TOP + 14}" text-anchor="middle" font-size="12">'
            f"{escape(desc)}</text>"
        )
    last_x: dict[str, float] = {}  # per lane: x of the last cluster drawn
    stacked: dict[str, int] = {}  # per lane: marks already in that cluster
    labelled = 0
    for m in sorted(marks, key=lambda m: (m.when, m.lane)):
        lane_y = TOP + LANE * lanes.index(m.lane) + LANE // 2
        mx = x(m.when)
        colour = EXPOSURE_COLOURS.get(m.exposure, EXPOSURE_COLOURS["low"])
        # marks closer than a circle's width stack sideways instead of hiding each other
        if m.lane in last_x and mx - last_x[m.lane] < 12:
            stacked[m.lane] += 1
            cx = last_x[m.lane] + 9 * stacked[m.lane]
            label = ""
        else:
            last_x[m.lane], stacked[m.lane] = mx, 0
            cx = mx
            label_y = lane_y - 12 if labelled % 2 else lane_y + 22  # alternate above/below
            labelled += 1
            label = (
                f'<text x="{mx}" y="{label_y}" text-anchor="middle" font-size="10" '
                f'fill="{colour}">{escape(_short(m.label, 18))}</text>'
            )
        mark = (
            f"<g class={quoteattr('mark exposure-' + m.exposure)}>"
            f"<title>{escape(m.tooltip)}</title>"
            f'<circle cx="{cx}" cy="{lane_y}" r="7" fill="{colour}" stroke="#fff" '
            f'stroke-width="1.5"/>{label}</g>'
        )
        if m.href:
            mark = f"<a href={quoteattr(m.href)}>{mark}</a>"
        out.append(mark)
    out.append("</svg>")
    return Markup("\n".join(out))
