"""A KPI's sparkline that says what it shows: its line, marks on its first and last points, and words.

The words are the same for everyone: a visible caption ("Leads per 4 days, 3 Nov – 2 Dec 2026: 12 → 31")
and an accessible name that adds the low and the high. Windows come from `periods.sparkline_windows`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpis import display
from kpis.catalog import KPIS
from kpis.periods import Period

WIDTH, HEIGHT = 120, 32


@dataclass(frozen=True)
class Sparkline:
    points: str  # the SVG polyline's points
    first_mark: tuple[str, str]  # (x, y) of the first point, marked on the line
    last_mark: tuple[str, str]
    caption: str  # visible under the line
    label: str  # the accessible name: the caption with the low and the high


def _xy(values: list[float], width: int, height: int) -> list[tuple[str, str]]:
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    # 3 px inside the box on every side so the marks on the end points are not clipped.
    step = (width - 6) / (len(values) - 1)
    return [
        (f"{3 + i * step:.1f}", f"{height - 3 - (v - low) / span * (height - 6):.1f}") for i, v in enumerate(values)
    ]


def sparkline(kpi: str, values: list, windows: list[Period], currency: str = "") -> Sparkline | None:
    """The sparkline of `kpi` over `windows` (one value each, oldest first); None when there is nothing to draw."""
    if len(values) < 2 or not any(values):
        return None
    numbers = [float(v) if v is not None else 0.0 for v in values]
    xy = _xy(numbers, WIDTH, HEIGHT)
    days = windows[0].days
    per = "day" if days == 1 else f"{days} days"
    span = display.format_period(windows[0].first, windows[-1].last)

    def text(value) -> str:
        return display.format_kpi(kpi, value, currency)

    caption = f"{KPIS[kpi].label} per {per}, {span}: {text(values[0])} → {text(values[-1])}"
    label = f"{KPIS[kpi].label} per {per}, {span}: {text(values[0])} to {text(values[-1])} (low {text(min(numbers))}, high {text(max(numbers))})"
    return Sparkline(" ".join(f"{x},{y}" for x, y in xy), xy[0], xy[-1], caption, label)
