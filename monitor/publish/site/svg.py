"""Timeline pictures as inline SVG, drawn at build time (no JavaScript needed to read them).

One lane per document, a time axis with dated ticks from the first capture to now, a small tick
for every captured version and one mark per change coloured by exposure. Each mark links to its
change page, carries a <title> tooltip and a short text label, so the picture is readable in any
browser, by screen readers (role="img" + <desc>) and when printed. Marks too close to tell apart
are spread sideways (up to SPREAD_MAX of them) or drawn as one numbered group mark linking to the
document's list of changes. All text is XML-escaped here: the result is safe to insert into a page
as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from monitor.models import exposure_rank

__all__ = ["EXPOSURE_COLOURS", "TimelineMark", "timeline_svg"]

EXPOSURE_COLOURS = {"low": "#2e7d32", "medium": "#b26a00", "high": "#c62828"}
WIDTH = 760
LEFT = 170  # room for the lane labels
RIGHT = 24
TOP = 12
MIN_SPAN = timedelta(days=28)
LANE = 56
AXIS = 40
RADIUS = 7
GAP = 2 * RADIUS + 3  # least distance between the centres of two marks on a lane
SPREAD_MAX = 3  # closer marks than this many are spread sideways; more make one group mark
GROUP_RADIUS = 10
LABEL_CHAR = 5.6  # approximate width of a character of a 10px label


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


def _extent(xs: list[float]) -> tuple[float, float]:
    """Left and right centre of a cluster of marks at xs once laid out (spread or grouped)."""
    centre = sum(xs) / len(xs)
    if len(xs) > SPREAD_MAX:
        return centre, centre
    half = GAP * (len(xs) - 1) / 2
    return centre - half, centre + half


def _clusters(xs: list[float]) -> list[list[int]]:
    """Indices of xs (sorted) in clusters whose laid-out marks keep GAP between them."""
    clusters = [[i] for i in range(len(xs))]
    merged_any = True
    while merged_any:
        merged_any = False
        out: list[list[int]] = []
        for c in clusters:
            if out:
                _, right = _extent([xs[i] for i in out[-1]])
                left, _ = _extent([xs[i] for i in c])
                reach = GROUP_RADIUS if len(out[-1]) > SPREAD_MAX or len(c) > SPREAD_MAX else 0
                if left - right < GAP + reach:
                    out[-1] = out[-1] + c
                    merged_any = True
                    continue
            out.append(c)
        clusters = out
    return clusters


def timeline_svg(
    marks: list[TimelineMark],
    lanes: list[str],
    start: datetime,
    end: datetime,
    *,
    title: str = "Timeline of changes",
    captures: Sequence[tuple[str, datetime]] = (),
    group_links: Mapping[str, str] | None = None,
) -> Markup:
    """An <svg> element (as safe Markup) showing `marks` on `lanes` between start and end.

    `captures` (lane, time) draws a small tick per captured version; `group_links` (lane -> href)
    is where a group mark links (default: its newest change).
    """
    lanes = list(dict.fromkeys(lanes + [m.lane for m in marks])) or ["(no documents)"]
    if end - start < MIN_SPAN:  # a fresh install: show the last four weeks, not a few seconds
        start = end - MIN_SPAN
    pad = (end - start) * 0.03
    start, end = start - pad, end + pad
    height = TOP + LANE * len(lanes) + AXIS
    plot_w = WIDTH - LEFT - RIGHT
    total = (end - start).total_seconds()

    def x(t: datetime) -> float:
        value = LEFT + plot_w * (t - start).total_seconds() / total
        return round(min(max(value, LEFT), WIDTH - RIGHT), 1)

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

    def lane_y(lane: str) -> int:
        return TOP + LANE * lanes.index(lane) + LANE // 2

    for lane in lanes:
        y = lane_y(lane)
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
    by_lane: dict[str, list[datetime]] = {}
    for lane, when in captures:
        if lane in lanes:
            by_lane.setdefault(lane, []).append(when)
    for lane, times in by_lane.items():
        y = lane_y(lane)
        xs = sorted({x(t) for t in times})
        ticks = "".join(
            f'<line x1="{cx}" y1="{y - 4}" x2="{cx}" y2="{y + 4}" stroke="#9aa0a6"/>' for cx in xs
        )
        first, last = min(times), max(times)
        out.append(
            f'<g class="captures"><title>{len(times)} captured version(s), '
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d}</title>{ticks}</g>"
        )
    if not marks:
        out.append(
            f'<text x="{LEFT + plot_w / 2}" y="{TOP + 14}" text-anchor="middle" font-size="12">'
            f"{escape(desc)}</text>"
        )
    label_right: dict[tuple[str, int], float] = {}  # (lane, side) -> right edge of its last label

    def place_label(lane: str, cx: float, text: str, colour: str) -> str:
        if not text:
            return ""
        width = LABEL_CHAR * len(text)
        for side in (1, -1):  # below the mark, else above it
            if cx - width / 2 > label_right.get((lane, side), -1e9) + 4:
                label_right[(lane, side)] = cx + width / 2
                y = lane_y(lane) + (22 if side == 1 else -13)
                return (
                    f'<text x="{cx}" y="{y}" text-anchor="middle" font-size="10" '
                    f'fill="{colour}">{escape(text)}</text>'
                )
        return ""  # no room: the tooltip still tells the date

    for lane in lanes:
        mine = sorted((m for m in marks if m.lane == lane), key=lambda m: (m.when, m.href or ""))
        xs = [x(m.when) for m in mine]
        y = lane_y(lane)
        for cluster in _clusters(xs):
            group = [mine[i] for i in cluster]
            left, right = _extent([xs[i] for i in cluster])
            shift = max(LEFT - left, 0) + min(WIDTH - RIGHT - right, 0)  # keep it inside
            left, right = left + shift, right + shift
            if len(group) <= SPREAD_MAX:
                centre = round((left + right) / 2, 1)
                for k, m in enumerate(group):
                    cx = round(left + GAP * k, 1)
                    colour = EXPOSURE_COLOURS.get(m.exposure, EXPOSURE_COLOURS["low"])
                    # one date label per cluster, under its middle
                    label = place_label(lane, centre, _short(m.label, 18), colour) if k == 0 else ""
                    mark = (
                        f"<g class={quoteattr('mark exposure-' + m.exposure)}>"
                        f"<title>{escape(m.tooltip)}</title>"
                        f'<circle cx="{cx}" cy="{y}" r="{RADIUS}" fill="{colour}" stroke="#fff" '
                        f'stroke-width="1.5"/>{label}</g>'
                    )
                    if m.href:
                        mark = f"<a href={quoteattr(m.href)}>{mark}</a>"
                    out.append(mark)
                continue
            cx = round(left, 1)
            level = max((m.exposure for m in group), key=exposure_rank)
            colour = EXPOSURE_COLOURS.get(level, EXPOSURE_COLOURS["low"])
            lines = [m.tooltip for m in reversed(group[-8:])]
            if len(group) > 8:
                lines.append(f"… and {len(group) - 8} earlier")
            tip = f"{len(group)} changes:\n" + "\n".join(lines)
            oldest, newest = _short(group[0].label, 12), _short(group[-1].label, 12)
            text = oldest if oldest == newest else f"{oldest} – {newest}"
            mark = (
                f"<g class={quoteattr('mark group exposure-' + level)}>"
                f"<title>{escape(tip)}</title>"
                f'<circle cx="{cx}" cy="{y}" r="{GROUP_RADIUS}" fill="{colour}" stroke="#fff" '
                f'stroke-width="1.5"/>'
                f'<text x="{cx}" y="{y + 4}" text-anchor="middle" font-size="11" '
                f'font-weight="700" fill="#fff">{len(group)}</text>'
                f"{place_label(lane, cx, text, colour)}</g>"
            )
            href = (group_links or {}).get(lane) or group[-1].href
            if href:
                mark = f"<a href={quoteattr(href)}>{mark}</a>"
            out.append(mark)
    out.append("</svg>")
    return Markup("\n".join(out))
