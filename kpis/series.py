"""KPIs over consecutive periods (a chart, the timeseries API) in a fixed number of queries.

`kpis_for_periods` answers what `kpis_for_period` would for each period, but
each query group reads the whole span once: per-day rows from the rollups
summed into the periods here (the days of a range, never the workspace), or
one GROUP BY over a (day → period) list for the distinct counts. Three
groups still take one query per period, and say so: churn (per-account
flags at both ends of a period), ABM scores (per-account windows), and the
visitors of a narrowed scope; charts cap their points (`MAX_POINTS`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db import connection
from django.db.models import F, Sum

from accounts.models import Workspace
from accounts.tenancy import workspace_reads
from campaigns.models import Campaign, Touchpoint, TouchpointKind
from kpis import selectors as s
from kpis.catalog import KPIS
from kpis.models import VisitorGap

Period = tuple[date, date]


def kpis_for_periods(
    workspace: Workspace,
    periods: Sequence[Period],
    campaign: Campaign | None = None,
    channel: str | None = None,
    metrics: Iterable[str] | None = None,
) -> list[dict[str, object]]:
    """`kpis_for_period` of each period; the periods are consecutive (each starts the day after the last ends)."""
    names = KPIS.named(metrics)
    scope = s.Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel)
    groups = KPIS.reads(names)
    if scope.narrowed:
        groups -= {"abm", "recurring"}
    raws: list[dict[str, object]] = [{} for _ in periods]
    if not periods:
        return []
    with workspace_reads(workspace):
        for group in sorted(groups):
            for raw, part in zip(raws, _SERIES[group](workspace, periods, scope), strict=True):
                raw.update(part)
        answers = []
        for (first, last), raw in zip(periods, raws, strict=True):
            values = s.kpi_values(workspace, raw, first, last, narrowed=scope.narrowed)
            answers.append({name: values.get(name) for name in names})
    return answers


def _index_of(periods: Sequence[Period]):
    firsts = [first for first, _ in periods]

    def index(day: date) -> int:
        return bisect_right(firsts, day) - 1

    return index


def _add(into: dict[str, object], row: dict[str, object]) -> None:
    for name, value in row.items():
        if value is not None:
            into[name] = into.get(name, 0) + value


def _components(workspace, periods, scope) -> list[dict]:
    """Per-day sums of the span, added up per period."""
    index = _index_of(periods)
    totals: list[dict[str, object]] = [{} for _ in periods]
    rows = (
        s._component_rows(scope)
        .filter(day__range=(periods[0][0], periods[-1][1]))
        .values("day")
        .annotate(**s._component_sums())
    )
    for row in rows:
        day = row.pop("day")
        _add(totals[index(day)], s._totals(row))
    return totals


def _balances(workspace, periods, scope) -> list[dict]:
    """Running sums of the daily changes of open deals and MRR, read at each period's last day."""
    rows = (
        s._component_rows(scope)
        .filter(day__lte=periods[-1][1])
        .values("day")
        .annotate(open_deals=Sum(F("deals_created") - F("deals_closed_out")), mrr=Sum(F("new_mrr") - F("churned_mrr")))
        .order_by("day")
    )
    answers, open_deals, mrr = [], 0, 0
    rows = iter(rows)
    pending = next(rows, None)
    for _, last in periods:
        while pending is not None and pending["day"] <= last:
            open_deals += pending["open_deals"] or 0
            mrr += pending["mrr"] or 0
            pending = next(rows, None)
        answers.append({"open_deals": open_deals, "mrr": s._as_decimal(mrr)})
    return answers


def _won_deals(workspace, periods, scope) -> list[dict]:
    index = _index_of(periods)
    sums: list[dict[str, object]] = [{} for _ in periods]
    for day, *values in s.won_deal_sums(workspace, periods[0][0], periods[-1][1], scope, by_day=True):
        _add(
            sums[index(day if isinstance(day, date) else date.fromisoformat(day))],
            dict(zip(s.WON_SUMS, values, strict=True)),
        )
    return [s.won_deal_values(total) for total in sums]


def _days_of(periods: Sequence[Period]) -> tuple[str, list]:
    """A `p(day, idx, first)` common table: every day of the span with its period's index and first day."""
    values, params = [], []
    for idx, (first, last) in enumerate(periods):
        day = first
        while day <= last:
            values.append("(%s, %s, %s)")
            params.extend([day, idx, first])
            day += timedelta(days=1)
    return f"WITH p(day, idx, first) AS (VALUES {', '.join(values)})", params


def _per_period(sql: str, params: list, periods, columns: Sequence[str]) -> list[dict]:
    answers = [dict.fromkeys(columns, 0) for _ in periods]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for idx, *values in cursor.fetchall():
            answers[int(idx)] = {name: int(value or 0) for name, value in zip(columns, values, strict=True)}
    return answers


def _email_unique(workspace, periods, scope) -> list[dict]:
    """Distinct (lead, campaign) pairs with an open (a click) per period: one DISTINCT over the span."""
    cte, params = _days_of(periods)
    scope_sql, scope_params = scope.sql("t.campaign_id")
    table = Touchpoint._meta.db_table
    sql = (
        f"{cte} SELECT idx, SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END), SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END)"  # noqa: S608
        f" FROM (SELECT DISTINCT p.idx, t.kind, t.lead_id, t.campaign_id FROM {table} t JOIN p ON p.day = t.occurred_on"
        f" WHERE t.workspace_id = %s AND t.kind IN (%s, %s) AND t.lead_id IS NOT NULL{scope_sql}) pairs GROUP BY idx"
    )
    opened, clicked = TouchpointKind.EMAIL_OPEN, TouchpointKind.EMAIL_CLICK
    params += [opened, clicked, workspace.pk, opened, clicked, *scope_params]
    return _per_period(sql, params, periods, ("unique_opens", "unique_clicks"))


def _web(workspace, periods, scope) -> list[dict]:
    """Distinct and new visitors per period: range sums over `VisitorGap`, one query for the span."""
    if scope.narrowed:
        return [s._web(workspace, first, last, scope) for first, last in periods]
    cte, params = _days_of(periods)
    sql = (
        f"{cte} SELECT p.idx, SUM(CASE WHEN v.previous_day IS NULL OR v.previous_day < p.first THEN v.visitors END),"  # noqa: S608
        " SUM(CASE WHEN v.previous_day IS NULL THEN v.visitors END)"
        f" FROM {VisitorGap._meta.db_table} v JOIN p ON p.day = v.day WHERE v.workspace_id = %s GROUP BY p.idx"
    )
    return _per_period(sql, [*params, workspace.pk], periods, ("unique_visitors", "new_visitors"))


def _each_period(group: str):
    def per_period(workspace, periods, scope) -> list[dict]:
        return [s._GROUP_QUERIES[group](workspace, first, last, scope) for first, last in periods]

    return per_period


_SERIES = {
    "components": _components,
    "balances": _balances,
    "won_deals": _won_deals,
    "email_unique": _email_unique,
    "web": _web,
    "recurring": _each_period("recurring"),
    "abm": _each_period("abm"),
}
assert set(_SERIES) == set(s._GROUP_QUERIES), "every query group has a series form"
