"""Consecutive periods read at once: which period a day falls in, and per-period sums."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

Period = tuple[date, date]


def index_of(periods: Sequence[Period]) -> Callable[[date], int]:
    """day → the index of the period it falls in (the periods are consecutive)."""
    firsts = [first for first, _ in periods]

    def index(day: date) -> int:
        return bisect_right(firsts, day) - 1

    return index


def add(into: dict[str, object], row: dict[str, object]) -> None:
    for name, value in row.items():
        if value is not None:
            into[name] = into.get(name, 0) + value


def days_of(periods: Sequence[Period]) -> tuple[str, list]:
    """A `p(day, idx, first)` common table: every day of the span with its period's index and first day."""
    values, params = [], []
    for idx, (first, last) in enumerate(periods):
        day = first
        while day <= last:
            values.append("(%s, %s, %s)")
            params.extend([day, idx, first])
            day += timedelta(days=1)
    return f"WITH p(day, idx, first) AS (VALUES {', '.join(values)})", params


def per_period(sql: str, params: list, periods: Sequence[Period], columns: Sequence[str]) -> list[dict]:
    """Rows of (idx, *columns) as one dict of counts per period (0 where a period has no row)."""
    answers = [dict.fromkeys(columns, 0) for _ in periods]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for idx, *values in cursor.fetchall():
            answers[int(idx)] = {name: int(value or 0) for name, value in zip(columns, values, strict=True)}
    return answers


def each_period(one: Callable) -> Callable:
    """The many-period read of a group that can only read one period at a time (and says so)."""

    def many(workspace, periods: Sequence[Period], scope) -> list[dict]:
        return [one(workspace, first, last, scope) for first, last in periods]

    return many


def money_sum(value) -> Decimal:
    """A SUM of money as Decimal (SQLite answers a float)."""
    if value is None:
        return Decimal(0)
    return Decimal(repr(value)).quantize(Decimal("0.01")) if isinstance(value, float) else Decimal(value)
