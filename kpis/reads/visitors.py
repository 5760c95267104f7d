"""Distinct and new visitors: range sums over `VisitorGap` (each visitor-day knows the visitor's previous day).

A web analytics tool's daily users and new users (WebStat) are added in: summed over days they count a
person once a day, so whenever a WebStat row contributes (`web_stats` > 0) the counts are upper bounds.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Q, Sum

from campaigns.models import Touchpoint, TouchpointKind
from kpis.models import VisitorDay, VisitorGap
from kpis.reads.components import column_totals
from kpis.reads.scope import Scope
from kpis.reads.spans import Period, days_of, per_period

# The stats' component columns added to each count, and the count of WebStat rows behind them.
STATS = {"unique_visitors": "stat_users", "new_visitors": "stat_new_users"}
STAT_ROWS = "web_stats"


def _with_stats(counts: list[dict], stats: list[dict]) -> list[dict]:
    return [
        {**{name: c[name] + s[column] for name, column in STATS.items()}, STAT_ROWS: s[STAT_ROWS]}
        for c, s in zip(counts, stats, strict=True)
    ]


def _stats(scope: Scope, periods: Sequence[Period]) -> list[dict]:
    return column_totals(scope, periods, [*STATS.values(), STAT_ROWS])


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    """Distinct and new visitors, the daily stats' users added in."""
    (answer,) = _with_stats([_events(first_day, last_day, scope)], _stats(scope, [(first_day, last_day)]))
    return answer


def _events(first_day, last_day, scope: Scope) -> dict:
    """Distinct and new visitors of the page views: range sums over `VisitorGap` (previous_day says who was seen before)."""
    if not scope.narrowed:
        counts = VisitorGap.objects.filter(day__range=(first_day, last_day)).aggregate(
            unique=Sum("visitors", filter=Q(previous_day__isnull=True) | Q(previous_day__lt=first_day)),
            new=Sum("visitors", filter=Q(previous_day__isnull=True)),
        )
        return {"unique_visitors": counts["unique"] or 0, "new_visitors": counts["new"] or 0}
    first_ever = VisitorDay.objects.filter(day__range=(first_day, last_day), previous_day__isnull=True)
    counts = (
        Touchpoint.objects.filter(
            scope.q("campaign_id"), kind=TouchpointKind.PAGE_VIEW, occurred_on__range=(first_day, last_day)
        )
        .exclude(visitor_id="")
        .aggregate(
            unique=Count("visitor_id", distinct=True),
            new=Count("visitor_id", distinct=True, filter=Q(visitor_id__in=first_ever.values("visitor_id"))),
        )
    )
    return {"unique_visitors": counts["unique"], "new_visitors": counts["new"]}


def many(workspace, periods: Sequence[Period], scope: Scope) -> list[dict]:
    """Distinct and new visitors per period: range sums over `VisitorGap`, one query for the span."""
    if scope.narrowed:
        counts = [_events(first, last, scope) for first, last in periods]
        return _with_stats(counts, _stats(scope, periods))
    cte, params = days_of(periods)
    sql = (
        f"{cte} SELECT p.idx, SUM(CASE WHEN v.previous_day IS NULL OR v.previous_day < p.first THEN v.visitors END),"  # noqa: S608
        " SUM(CASE WHEN v.previous_day IS NULL THEN v.visitors END)"
        f" FROM {VisitorGap._meta.db_table} v JOIN p ON p.day = v.day WHERE v.workspace_id = %s GROUP BY p.idx"
    )
    counts = per_period(sql, [*params, workspace.pk], periods, ("unique_visitors", "new_visitors"))
    return _with_stats(counts, _stats(scope, periods))
