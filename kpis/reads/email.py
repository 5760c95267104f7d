"""Unique email opens and clicks: distinct (lead, campaign) pairs, which do not add up across days.

An email tool's daily totals (EmailStat) add their own unique opens and clicks (KPI_SPEC).
"""

from __future__ import annotations

from collections.abc import Sequence

from campaigns.models import Touchpoint, TouchpointKind
from kpis.reads.components import column_totals
from kpis.reads.scope import Scope
from kpis.reads.spans import Period, days_of, per_period

# The stats' component columns added to each count.
STATS = {"unique_opens": "stat_unique_opens", "unique_clicks": "stat_unique_clicks"}


def _with_stats(counts: list[dict], stats: list[dict]) -> list[dict]:
    return [{name: c[name] + s[column] for name, column in STATS.items()} for c, s in zip(counts, stats, strict=True)]


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    def pairs(kind: str) -> int:
        return (
            Touchpoint.objects.filter(
                scope.q("campaign_id"), kind=kind, occurred_on__range=(first_day, last_day), lead__isnull=False
            )
            .values("lead_id", "campaign_id")
            .distinct()
            .count()
        )

    counts = {"unique_opens": pairs(TouchpointKind.EMAIL_OPEN), "unique_clicks": pairs(TouchpointKind.EMAIL_CLICK)}
    (answer,) = _with_stats([counts], column_totals(scope, [(first_day, last_day)], list(STATS.values())))
    return answer


def many(workspace, periods: Sequence[Period], scope: Scope) -> list[dict]:
    """Distinct (lead, campaign) pairs with an open (a click) per period: one DISTINCT over the span."""
    cte, params = days_of(periods)
    scope_sql, scope_params = scope.sql("t.campaign_id")
    table = Touchpoint._meta.db_table
    sql = (
        f"{cte} SELECT idx, SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END), SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END)"  # noqa: S608
        f" FROM (SELECT DISTINCT p.idx, t.kind, t.lead_id, t.campaign_id FROM {table} t JOIN p ON p.day = t.occurred_on"
        f" WHERE t.workspace_id = %s AND t.kind IN (%s, %s) AND t.lead_id IS NOT NULL{scope_sql}) pairs GROUP BY idx"
    )
    opened, clicked = TouchpointKind.EMAIL_OPEN, TouchpointKind.EMAIL_CLICK
    params += [opened, clicked, workspace.pk, opened, clicked, *scope_params]
    counts = per_period(sql, params, periods, ("unique_opens", "unique_clicks"))
    return _with_stats(counts, column_totals(scope, periods, list(STATS.values())))
