"""Time and money as generated rows carry them: Unix seconds, date ordinals and cents, in one time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

DAY = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class LocalClock:
    """Unix seconds ↔ local dates and texts in one time zone, cached per hour and per day."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._offsets: dict[int, int | None] = {}
        self._midnights: dict[int, int] = {}
        self._dates: dict[int, str] = {}

    def _offset_at(self, ts: int) -> int:
        offset = datetime.fromtimestamp(ts, self.tz).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def offset(self, ts: int) -> int:
        hour = ts // 3600
        try:
            cached = self._offsets[hour]
        except KeyError:
            first, last = self._offset_at(hour * 3600), self._offset_at(hour * 3600 + 3599)
            cached = self._offsets[hour] = first if first == last else None
        # None: a transition inside this hour (rare): ask the time-zone database.
        return cached if cached is not None else self._offset_at(ts)

    def local_day(self, ts: int) -> int:
        """The date ordinal of `ts` in the workspace's time zone (campaigns.dates.local_date)."""
        return (ts + self.offset(ts)) // DAY + EPOCH_ORDINAL

    def midnight(self, day: int) -> int:
        """Unix seconds of the local midnight starting date ordinal `day`."""
        try:
            return self._midnights[day]
        except KeyError:
            moment = datetime.combine(date.fromordinal(day), time(0), tzinfo=self.tz)
            value = self._midnights[day] = int(moment.timestamp())
            return value

    def date_text(self, day: int) -> str:
        try:
            return self._dates[day]
        except KeyError:
            value = self._dates[day] = date.fromordinal(day).isoformat()
            return value

    def utc_text(self, ts: int) -> str:
        """`YYYY-MM-DD HH:MM:SS+00` (PostgreSQL's COPY text format)."""
        days, rest = divmod(ts, DAY)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{self.date_text(days + EPOCH_ORDINAL)} {hours:02d}:{minutes:02d}:{seconds:02d}+00"

    def iso_local(self, ts: int) -> str:
        """ISO 8601 with the workspace's offset, as an integration would send it."""
        offset = self.offset(ts)
        days, rest = divmod(ts + offset, DAY)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        sign = "-" if offset < 0 else "+"
        off_h, off_m = divmod(abs(offset) // 60, 60)
        return f"{self.date_text(days + EPOCH_ORDINAL)}T{hours:02d}:{minutes:02d}:{seconds:02d}{sign}{off_h:02d}:{off_m:02d}"


def to_datetime(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def to_date(day: int | None) -> date | None:
    return None if day is None else date.fromordinal(day)


def money_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
