"""The additive components (spend, leads, stages, email and web counts…) summed from the daily rollups."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Sum

from kpis.models import COMPONENT_FIELDS, DailyComponents, WorkspaceDay
from kpis.reads.scope import Scope
from kpis.reads.spans import Period, add, index_of


def rollup_rows(scope: Scope):
    """The rollup rows to sum: one a day for the workspace, one per (day, campaign) when narrowed."""
    if scope.narrowed:
        return DailyComponents.objects.filter(scope.q("campaign_id"))
    return WorkspaceDay.objects.all()


def _sums() -> dict[str, Sum]:
    return {f"total_{name}": Sum(name) for name in COMPONENT_FIELDS}


def _totals(row: dict) -> dict:
    return {name.removeprefix("total_"): value if value is not None else 0 for name, value in row.items()}


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    return _totals(rollup_rows(scope).filter(day__range=(first_day, last_day)).aggregate(**_sums()))


def many(workspace, periods: Sequence[Period], scope: Scope) -> list[dict]:
    """Per-day sums of the span, added up per period."""
    index = index_of(periods)
    totals: list[dict[str, object]] = [{} for _ in periods]
    rows = rollup_rows(scope).filter(day__range=(periods[0][0], periods[-1][1])).values("day").annotate(**_sums())
    for row in rows:
        day = row.pop("day")
        add(totals[index(day)], _totals(row))
    return totals


def column_totals(scope: Scope, periods: Sequence[Period], names: Sequence[str]) -> list[dict[str, int]]:
    """Σ of some component columns per period, in one query (the daily stats a distinct count adds in)."""
    sums = {f"total_{name}": Sum(name) for name in names}
    rows = rollup_rows(scope).filter(day__range=(periods[0][0], periods[-1][1]))
    if len(periods) == 1:
        return [{name: int(value or 0) for name, value in _totals(rows.aggregate(**sums)).items()}]
    index = index_of(periods)
    totals = [dict.fromkeys(names, 0) for _ in periods]
    for row in rows.values("day").annotate(**sums):
        day = row.pop("day")
        for name, value in _totals(row).items():
            totals[index(day)][name] += int(value or 0)
    return totals
