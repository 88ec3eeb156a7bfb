"""Charts drawn on the server as SVG: no script, no font or library from elsewhere, readable by
a screen reader (``role="img"`` named by its ``<title>`` and ``<desc>``) and by anyone who would
rather read than look (every value is also written as text).

Pure: figures and words in, markup out. Colours and type come from ``reports.css`` by class:
the Content-Security-Policy refuses inline styles, and presentation attributes carry only the
geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import attrs
from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 190
"""Room for the group labels left of horizontal bars."""
VALUE_WIDTH = 100
"""Room for each bar's value right of it."""
BAR, BAR_GAP, GROUP_GAP, LEGEND = 14, 2, 12, 28
LABEL_CHARS = 28
"""A longer label is shortened with "…" (whole in the bar's own title)."""
LINE_HEIGHT, LINE_MARGIN = 240, (28, 16, 24, 44)
"""The line chart's height and margins (left, right, top, bottom)."""
MAX_POINT_LABELS = 31
"""Up to a month of points each get their value written above them; more would overlap."""
MAX_AXIS_LABELS = 8


@attrs.frozen
class Bars:
    """One group of horizontal bars: a label and one value per series."""

    label: str
    values: tuple[float, ...]
    texts: tuple[str, ...]
    """How each value reads (``1 249,00 $``), written at the bar's end."""


@attrs.frozen
class Point:
    label: str
    """The x axis's word for it (a day)."""
    value: float
    text: str


def _svg(chart_id: str, title: str, description: str, height: float, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>{body}</svg>'
    )


def _n(value: float) -> str:
    """A coordinate, short: ``12``, ``12.5``."""
    return f"{value:.1f}".removesuffix(".0")


def _empty(chart_id: str, title: str, description: str, message: str) -> Markup:
    body = f'<text class="chart-empty" x="{WIDTH / 2:.0f}" y="40">{escape(message)}</text>'
    return _svg(chart_id, title, description, 64, body)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _scale(values: Sequence[float], room: float) -> float:
    """Units per value: the largest value fills ``room``; all zero (or none) draws nothing."""
    top = max((v for v in values if v > 0), default=0.0)
    return room / top if top else 0.0


def _legend(series: Sequence[str]) -> str:
    parts, x = [], LABEL_WIDTH
    for n, name in enumerate(series, start=1):
        parts.append(
            f'<rect class="swatch series-{n}" x="{x}" y="6" width="12" height="12"/>'
            f'<text class="legend" x="{x + 18}" y="16">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    return "".join(parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[str],
    groups: Sequence[Bars],
    empty: str,
) -> Markup:
    """Horizontal bars, one group per label and one bar per series in it (invoiced and paid per
    dealership; p50 and p90 per milestone), scaled to the largest value."""
    if not groups:
        return _empty(chart_id, title, description, empty)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    scale = _scale([v for g in groups for v in g.values], room)
    per_group = len(series) * (BAR + BAR_GAP) + GROUP_GAP
    parts = [_legend(series)]
    for row, group in enumerate(groups):
        top = LEGEND + row * per_group
        middle = top + (per_group - GROUP_GAP) / 2 + 4
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{_n(middle)}">'
            f"{escape(_short(group.label))}</text>"
        )
        for n, (value, text) in enumerate(zip(group.values, group.texts, strict=True)):
            y = top + n * (BAR + BAR_GAP)
            width = max(0.0, value) * scale
            parts.append(
                f'<rect class="bar series-{n + 1}" x="{LABEL_WIDTH}" y="{_n(y)}" '
                f'width="{_n(width)}" height="{BAR}"><title>{escape(group.label)} — '
                f"{escape(series[n])}: {escape(text)}</title></rect>"
                f'<text class="value" x="{_n(LABEL_WIDTH + width + 4)}" y="{_n(y + BAR - 3)}">'
                f"{escape(text)}</text>"
            )
    return _svg(chart_id, title, description, LEGEND + len(groups) * per_group, "".join(parts))


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[Point],
    empty: str,
) -> Markup:
    """One value per point along the x axis (jobs created per day), joined by a line, from 0 to
    the largest value."""
    if not points:
        return _empty(chart_id, title, description, empty)
    left, right, top, bottom = LINE_MARGIN
    width, height = WIDTH - left - right, LINE_HEIGHT - top - bottom
    scale = _scale([p.value for p in points], height)
    step = width / (len(points) - 1) if len(points) > 1 else 0.0
    xs = [left + (i * step if len(points) > 1 else width / 2) for i in range(len(points))]
    ys = [top + height - max(0.0, p.value) * scale for p in points]
    base = top + height
    parts = [
        f'<line class="axis" x1="{left}" y1="{_n(base)}" x2="{left + width}" y2="{_n(base)}"/>',
        f'<text class="tick" x="{left - 6}" y="{_n(base)}">0</text>',
    ]
    highest = max(points, key=lambda p: p.value)
    if highest.value > 0:
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{top + 4}">{escape(highest.text)}</text>'
        )
    if len(points) > 1:
        joined = " ".join(f"{_n(x)},{_n(y)}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline class="line" points="{joined}"/>')
    every = max(1, -(-len(points) // MAX_AXIS_LABELS))
    for i, (point, x, y) in enumerate(zip(points, xs, ys, strict=True)):
        parts.append(
            f'<circle class="dot" cx="{_n(x)}" cy="{_n(y)}" r="3">'
            f"<title>{escape(point.label)}: {escape(point.text)}</title></circle>"
        )
        if len(points) <= MAX_POINT_LABELS:
            parts.append(
                f'<text class="value" x="{_n(x)}" y="{_n(y - 7)}">{escape(point.text)}</text>'
            )
        last = i == len(points) - 1
        if (i % every == 0 and len(points) - 1 - i >= every / 2) or last:
            # The edges' labels are anchored inside the drawing, so they are not cut off.
            edge = "" if len(points) == 1 else " tick--first" if i == 0 else ""
            edge = " tick--last" if last and len(points) > 1 else edge
            parts.append(
                f'<text class="tick tick--x{edge}" x="{_n(x)}" y="{_n(base + 18)}">'
                f"{escape(point.label)}</text>"
            )
    return _svg(chart_id, title, description, LINE_HEIGHT, "".join(parts))
