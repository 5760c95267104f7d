"""Local dates: a timestamp's calendar date in the workspace's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_date(moment: datetime | None, tz: ZoneInfo) -> date | None:
    """The date `moment` falls on in `tz` (None stays None). `moment` must be aware."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("local_date() needs an aware datetime")
    return moment.astimezone(tz).date()
