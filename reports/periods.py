"""Which period a schedule's report covers, and when a schedule is due (in the workspace's time zone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kpis.periods import Period, month_start
from reports.models import Comparison, Coverage, Frequency, Schedule

# An occurrence missed for longer than this (workers down) is not sent late any more.
CATCH_UP = timedelta(days=2)


def covered_period(coverage: str, send_day: date) -> Period:
    """Last week (Monday to Sunday before the send day's week) or last calendar month."""
    if coverage == Coverage.LAST_MONTH:
        last = month_start(send_day) - timedelta(days=1)
        return Period(month_start(last), last)
    monday = send_day - timedelta(days=send_day.weekday())
    return Period(monday - timedelta(days=7), monday - timedelta(days=1))


def comparison_period(comparison: str, coverage: str, period: Period) -> Period:
    if comparison == Comparison.LAST_YEAR:
        return period.last_year()
    if coverage == Coverage.LAST_MONTH:
        last = period.first - timedelta(days=1)
        return Period(month_start(last), last)
    return period.previous()


def last_occurrence(schedule: Schedule, local_now: datetime) -> datetime:
    """The latest moment at or before `local_now` the schedule sends at (aware, in the workspace's zone)."""
    zone = local_now.tzinfo
    today = local_now.date()
    if schedule.frequency == Frequency.WEEKLY:
        day = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
        moment = datetime.combine(day, schedule.send_time, zone)
        return moment if moment <= local_now else moment - timedelta(days=7)
    day = today.replace(day=schedule.day_of_month)
    moment = datetime.combine(day, schedule.send_time, zone)
    if moment <= local_now:
        return moment
    previous = month_start(today) - timedelta(days=1)
    return datetime.combine(previous.replace(day=schedule.day_of_month), schedule.send_time, zone)


def due_period(schedule: Schedule, now: datetime) -> Period | None:
    """The period whose report is due at `now`, if its send time has come (and not long passed)."""
    local_now = now.astimezone(schedule.workspace.tz)
    moment = last_occurrence(schedule, local_now)
    if moment < schedule.created_at or local_now - moment > CATCH_UP:
        return None
    return covered_period(schedule.coverage, moment.date())


def next_send(schedule: Schedule, now: datetime) -> datetime:
    """The next moment the schedule sends at, in the workspace's zone (for its page)."""
    local_now = now.astimezone(schedule.workspace.tz)
    for offset in range(32):
        day = local_now.date() + timedelta(days=offset)
        matches = (
            day.weekday() == schedule.weekday
            if schedule.frequency == Frequency.WEEKLY
            else day.day == schedule.day_of_month
        )
        moment = datetime.combine(day, schedule.send_time, local_now.tzinfo)
        if matches and moment > local_now:
            return moment
    raise AssertionError("a schedule sends at least monthly")
