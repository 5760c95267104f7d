"""A share link's dates: fixed, or rolling (a preset recomputed each time the link is opened)."""

from __future__ import annotations

from datetime import date

from kpis import periods

FIXED = "fixed"
# The rolling choices are the dashboard's own presets (every one but "custom").
ROLLING = {key: label for key, label in periods.PRESETS.items() if key != "custom"}
RANGE_CHOICES = [(FIXED, "Fixed dates"), *ROLLING.items()]


def link_period(range_kind: str, starts_on: date | None, ends_on: date | None, today: date) -> periods.Period:
    """The link's period on `today` (the workspace's local date at view time)."""
    if range_kind == FIXED:
        return periods.Period(starts_on, ends_on)
    return periods.preset_period(range_kind, today)


def range_label(range_kind: str, starts_on: date | None, ends_on: date | None) -> str:
    if range_kind == FIXED:
        return f"{starts_on.isoformat()} – {ends_on.isoformat()}"
    return f"{ROLLING[range_kind]} (rolling)"
