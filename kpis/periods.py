"""Periods: the range a page or the API asks about, its presets, comparisons and windows. No locale."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from campaigns.validation import MAX_YEAR, MIN_YEAR

# The dates a page or the API may ask about: the years ingestion accepts
# (campaigns.validation), so a query can reach every stored row and nothing
# more. What a page derives from a period (the previous period, last year,
# sparkline and score windows: a few years at most) then stays far inside
# the years Python's dates and the databases hold.
FIRST_DAY, LAST_DAY = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
DATES_MESSAGE = f"Dates must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"


def supported_day(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def last_year(self) -> Period:
        return Period(shift_years(self.first, -1), shift_years(self.last, -1))

    def overlap_days(self, other: Period) -> int:
        first, last = max(self.first, other.first), min(self.last, other.last)
        return max(0, (last - first).days + 1)


def shift_years(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


PRESETS = {
    "last_7": "Last 7 days",
    "last_30": "Last 30 days",
    "last_90": "Last 90 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "ytd": "Year to date",
    "last_year": "Last year",
    "custom": "Custom",
}
DEFAULT_PRESET = "last_30"
GRAINS = {"day": "Daily", "week": "Weekly", "month": "Monthly"}
MAX_RANGE_DAYS = 3 * 366


def preset_period(preset: str, today: date) -> Period:
    """The dates of a preset; every preset ends today except last month, last quarter and last year."""
    if preset == "last_7":
        return Period(today - timedelta(days=6), today)
    if preset == "last_90":
        return Period(today - timedelta(days=89), today)
    if preset == "this_month":
        return Period(month_start(today), today)
    if preset == "last_month":
        last = month_start(today) - timedelta(days=1)
        return Period(month_start(last), last)
    if preset == "this_quarter":
        return Period(quarter_start(today), today)
    if preset == "last_quarter":
        last = quarter_start(today) - timedelta(days=1)
        return Period(quarter_start(last), last)
    if preset == "ytd":
        return Period(date(today.year, 1, 1), today)
    if preset == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    return Period(today - timedelta(days=29), today)


def default_grain(period: Period) -> str:
    if period.days <= 45:
        return "day"
    if period.days <= 200:
        return "week"
    return "month"


# ---------------------------------------------------------------- sparkline windows


def sparkline_windows(period: Period, points: int = 8) -> list[Period]:
    """`points` equal windows ending on the period's last day, oldest first.

    Equal widths keep the line honest (clipped calendar weeks at both ends of a
    range would dip for no reason), and a fixed count keeps the number of reads
    independent of the range's length; short ranges look a little further back.
    """
    width = max(1, -(-period.days // points))
    return [
        Period(period.last - timedelta(days=width * (i + 1) - 1), period.last - timedelta(days=width * i))
        for i in reversed(range(points))
    ]


# ---------------------------------------------------------------- the range picker's state


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _custom_period(raw_from: str | None, raw_to: str | None) -> tuple[Period | None, str | None]:
    """A custom range's period (None when its dates are unreadable or unsupported), and what was wrong with it."""
    first, last = _parse_day(raw_from), _parse_day(raw_to)
    if first is None or last is None:
        return None, "Choose both dates of a custom range (YYYY-MM-DD)."
    if not (supported_day(first) and supported_day(last)):
        return None, f"{DATES_MESSAGE}: showing the {PRESETS[DEFAULT_PRESET].lower()}."
    if first > last:
        return Period(last, first), "The custom range ends before it starts: the dates were swapped."
    return Period(first, last), None


def parse_range(params, today: date) -> tuple[str, Period, str, list[str]]:
    """(preset, period, grain, errors) from a query string; bad input falls back to the default with a message."""
    errors: list[str] = []
    preset = params.get("range") or ""
    raw_from, raw_to = params.get("from"), params.get("to")
    if preset not in PRESETS:
        if preset:
            errors.append(f"Unknown range “{preset}”: showing the {PRESETS[DEFAULT_PRESET].lower()}.")
        preset = "custom" if (raw_from or raw_to) and not preset else DEFAULT_PRESET
    period = preset_period(preset, today)
    if preset == "custom":
        custom, error = _custom_period(raw_from, raw_to)
        if error:
            errors.append(error)
        if custom is None:
            preset = DEFAULT_PRESET
        period = custom or preset_period(preset, today)
        if period.days > MAX_RANGE_DAYS:
            errors.append(f"A range can span at most {MAX_RANGE_DAYS} days: it was shortened.")
            period = Period(period.last - timedelta(days=MAX_RANGE_DAYS - 1), period.last)
    grain = params.get("grain") or ""
    if grain not in GRAINS:
        if grain:
            errors.append(f"Unknown grain “{grain}”.")
        grain = default_grain(period)
    return preset, period, grain, errors


MAX_POINTS = 120


def chart_grain(period: Period, grain: str) -> str:
    """The grain actually drawn: coarser when the chosen one would give too many points."""
    order = list(GRAINS)
    points = {"day": period.days, "week": period.days / 7 + 1, "month": period.days / 28 + 1}
    while points[grain] > MAX_POINTS and grain != "month":
        grain = order[order.index(grain) + 1]
    return grain
