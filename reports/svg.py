"""Charts drawn on the server as SVG, from the same series the dashboard's Chart.js charts plot.

WeasyPrint draws inline SVG itself, so the PDF needs no browser and no JavaScript.
Bars and lines on a left axis, a second axis on the right for series on "y1"
(as `kpis.charts` assigns them); gaps (None) break a line as Chart.js would not join them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape

from kpis import display
from kpis.charts import PALETTE, Series

WIDTH, HEIGHT = 680, 250
TOP, BOTTOM, SIDE = 34, 40, 70
MAX_X_LABELS = 12
CHAR_WIDTH = 5.6  # of a 9-10 px DejaVu Sans glyph, on average


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above `value` (1 for nothing to draw)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value * 0.999999:
            return float(candidate)
    return float(10 ** (exponent + 1))


def tick_text(value: float, unit: str, currency: str) -> str:
    if unit == "money":
        return display.format_money(Decimal(str(value)), currency, compact=True)
    if unit == "rate":
        return display.format_percent(value)
    if abs(value) >= 10_000:
        return display.format_number(Decimal(str(value)) / 1000, 0) + "k"
    return display.format_number(Decimal(str(value)), 0 if value == int(value) else 1)


def _range(series: Sequence[Series]) -> tuple[float, float]:
    values = [float(v) for s in series for v in s.values if v is not None]
    low = min([0.0, *values])
    high = max([0.0, *values])
    top = nice_max(high) if high > 0 else (0.0 if low < 0 else 1.0)
    bottom = -nice_max(-low) if low < 0 else 0.0
    return bottom, top


def chart_svg(
    labels: Sequence[str], series: Sequence[Series], *, currency: str, title: str, colours: Sequence[str] = PALETTE
) -> str:
    """An SVG drawing of the chart, with its title for screen readers; its text stays text in the PDF."""
    left_series = [s for s in series if s.axis != "y1"]
    right_series = [s for s in series if s.axis == "y1"]
    right = SIDE if right_series else 16
    plot_w, plot_h = WIDTH - SIDE - right, HEIGHT - TOP - BOTTOM
    scales = {"y": _range(left_series), "y1": _range(right_series)}
    n = max(1, len(labels))
    group_w = plot_w / n
    bars = [s for s in series if s.type == "bar"]
    bar_w = group_w * 0.8 / max(1, len(bars))

    def y_of(value: float, axis: str) -> float:
        low, high = scales["y1" if axis == "y1" else "y"]
        return TOP + plot_h - (value - low) / ((high - low) or 1) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart-svg" font-family="DejaVu Sans, sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    # Legend across the top.
    x = SIDE
    for index, s in enumerate(series):
        colour = colours[index % len(colours)]
        parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="17" fill="#343a40">{escape(s.label)}</text>')
        x += 24 + 6.2 * len(s.label)
    # Grid and axes: five ticks each.
    for axis, position, anchor, group in (
        ("y", SIDE - 6, "end", left_series),
        ("y1", WIDTH - right + 6, "start", right_series),
    ):
        if not group:
            continue
        low, high = scales[axis]
        for i in range(5):
            value = low + (high - low) * i / 4
            y = y_of(value, axis)
            if axis == "y":
                parts.append(f'<line x1="{SIDE}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
            text = escape(tick_text(value, group[0].unit, currency))
            parts.append(f'<text x="{position}" y="{y + 3:.1f}" text-anchor="{anchor}" fill="#495057">{text}</text>')
    # X labels: at most MAX_X_LABELS, evenly skipped; a name longer than its slot is shortened.
    step = max(1, math.ceil(n / MAX_X_LABELS))
    fits = max(4, int(group_w * step / CHAR_WIDTH) - 1)
    for i, label in enumerate(labels):
        if i % step == 0:
            cx = SIDE + group_w * (i + 0.5)
            text = label if len(label) <= fits else label[: fits - 1] + "…"
            parts.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" fill="#495057" '
                f'font-size="9">{escape(text)}</text>'
            )
    # Bars, grouped per label.
    for bar_index, s in enumerate(bars):
        colour = colours[series.index(s) % len(colours)]
        for i, value in enumerate(s.values):
            if value is None:
                continue
            x0 = SIDE + group_w * i + group_w * 0.1 + bar_w * bar_index
            y_zero, y_value = y_of(0, s.axis), y_of(float(value), s.axis)
            top, height = min(y_zero, y_value), abs(y_zero - y_value)
            parts.append(
                f'<rect x="{x0:.1f}" y="{top:.1f}" width="{bar_w:.1f}" height="{height:.1f}" fill="{colour}"/>'
            )
    # Lines over the bars; a None breaks the line.
    for s in series:
        if s.type != "line":
            continue
        colour = colours[series.index(s) % len(colours)]
        segment: list[str] = []
        segments = [segment]
        for i, value in enumerate(s.values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{SIDE + group_w * (i + 0.5):.1f},{y_of(float(value), s.axis):.1f}")
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for point in points:
                px, py = point.split(",")
                parts.append(f'<circle cx="{px}" cy="{py}" r="2.2" fill="{colour}"/>')
    parts.append(
        f'<line x1="{SIDE}" x2="{WIDTH - right}" y1="{y_of(0, "y"):.1f}" y2="{y_of(0, "y"):.1f}" stroke="#868e96"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
