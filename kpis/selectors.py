"""Reads of the KPI engine: every KPI (docs/kpis.md) for a period, or consecutive periods, and a scope.

The catalogue says which query groups the asked KPIs read (`kpis.reads`); their inputs are summed or
counted in SQL and the KPIs computed from them (`kpis.values`). Consecutive periods (a chart, the
timeseries API) read each group's span once. Attribution and account scores are read here too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import F

from accounts.models import Workspace
from accounts.tenancy import workspace_reads, workspace_scope
from campaigns.models import (
    ENGAGEMENT_KINDS,
    Campaign,
    Channel,
    Deal,
    DealStatus,
    Touchpoint,
)
from kpis import formulas
from kpis.abm import scores_at, scores_by_external_id
from kpis.catalog import KPIS, Reads
from kpis.models import (
    KpiState,
)
from kpis.queries import effective_account
from kpis.reads import GROUPS, Scope, pages
from kpis.reads.spans import Period
from kpis.values import assemble

GRAINS = ("day", "week", "month")
SOCIAL_CHANNELS = (Channel.ORGANIC_SOCIAL, Channel.PAID_SOCIAL)
UNATTRIBUTED = "unattributed"
# Query groups of workspace-wide KPIs only (account-level, SEO levels): not read when narrowed, their KPIs are null.
WORKSPACE_WIDE_GROUPS = frozenset({Reads.ABM, Reads.RECURRING, Reads.SEO})


class KpiValues(dict):
    """KPI values by name, and `approximate`: those of them that are upper bounds for this answer.

    A KPI marked `approximate_with_stats` in the catalogue is one whenever a WebStat row (daily users
    summed over days) contributes to the period and narrowing (KPI_SPEC, daily aggregate stats).
    """

    def __init__(self, values: dict[str, object], approximate: Iterable[str] = ()) -> None:
        super().__init__(values)
        self.approximate: tuple[str, ...] = tuple(approximate)


def _answer(names: Sequence[str], values: dict, raw: dict) -> KpiValues:
    approximate = [name for name in names if KPIS[name].approximate_with_stats] if raw.get("web_stats") else []
    return KpiValues({name: values.get(name) for name in names}, approximate)


def kpis_as_of(*, workspace: Workspace) -> datetime | None:
    """When the workspace's rollups were last computed (None: never)."""
    with workspace_scope(workspace):
        return KpiState.objects.values_list("as_of", flat=True).first()


def kpis_for_period(
    *,
    workspace: Workspace,
    first_day: date,
    last_day: date,
    campaign: Campaign | None = None,
    channel: str | None = None,
    metrics: Iterable[str] | None = None,
) -> KpiValues:
    """Every KPI of docs/kpis.md (or those in `metrics`) over first_day..last_day, and which are approximate.

    Money is Decimal with 2 decimals, counts int, rates and days float, None
    where the spec says null.
    """
    names = KPIS.named(metrics)
    scope = Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel)
    groups = KPIS.reads(names)
    if scope.narrowed:
        groups -= WORKSPACE_WIDE_GROUPS
    with workspace_reads(workspace):
        raw: dict[str, object] = {}
        for group in sorted(groups):
            raw.update(GROUPS[group].one(workspace, first_day, last_day, scope))
        values = kpi_values(workspace, raw, first_day, last_day, narrowed=scope.narrowed)
    return _answer(names, values, raw)


def kpis_for_periods(
    *,
    workspace: Workspace,
    periods: Sequence[Period],
    campaign: Campaign | None = None,
    channel: str | None = None,
    metrics: Iterable[str] | None = None,
) -> list[KpiValues]:
    """`kpis_for_period` of each period; the periods are consecutive (each starts the day after the last ends)."""
    names = KPIS.named(metrics)
    scope = Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel)
    groups = KPIS.reads(names)
    if scope.narrowed:
        groups -= WORKSPACE_WIDE_GROUPS
    raws: list[dict[str, object]] = [{} for _ in periods]
    if not periods:
        return []
    with workspace_reads(workspace):
        for group in sorted(groups):
            for raw, part in zip(raws, GROUPS[group].many(workspace, periods, scope), strict=True):
                raw.update(part)
        answers = []
        for (first, last), raw in zip(periods, raws, strict=True):
            values = kpi_values(workspace, raw, first, last, narrowed=scope.narrowed)
            answers.append(_answer(names, values, raw))
    return answers


def kpi_values(workspace: Workspace, raw: dict, first_day: date, last_day: date, *, narrowed: bool) -> dict:
    """Every KPI of the catalogue from the inputs read for a period (`kpis.values.assemble`)."""
    return assemble(raw, first_day=first_day, last_day=last_day, narrowed=narrowed, gross_margin=workspace.gross_margin)


def engagement_scores(*, workspace: Workspace, at: date) -> dict[int, float]:
    """score(a, end of `at`) of every target account with engagement in the window (others score 0)."""
    return scores_at(workspace, at)


def account_scores(*, workspace: Workspace, at: date) -> list[dict[str, object]]:
    """Engagement score and MQA flag of every target account at the end of `at`, by external_id."""
    threshold = float(workspace.mqa_threshold)
    with workspace_reads(workspace):
        return [
            {"account": external_id, "score": score, "is_mqa": score >= threshold}
            for external_id, score in scores_by_external_id(workspace, at)
        ]


def attribution_for_period(
    *, workspace: Workspace, first_day: date, last_day: date, model: str, reconciled: bool = False
) -> list[dict[str, object]]:
    """Won revenue of the period credited to campaigns by `model` (always workspace-wide).

    Streams the journeys account by account, in time order. Each campaign's revenue is rounded to the
    cent (halves to even), or, `reconciled`, apportioned by largest remainder so that the campaigns'
    cents add up exactly to the won revenue (the pages' tables and totals).
    """
    if model not in formulas.ATTRIBUTION_MODELS:
        raise ValueError(f"unknown attribution model {model!r}")
    with workspace_reads(workspace):
        won = Deal.objects.filter(status=DealStatus.WON, closed_on__range=(first_day, last_day))
        deals_by_account: dict[int, list[dict]] = {}
        for deal in won.order_by("account_id", "closed_at", "external_id").values(
            "account_id", "amount", "closed_at", "source_campaign__external_id"
        ):
            deals_by_account.setdefault(deal["account_id"], []).append(deal)
        # Revenue in Decimal (amount × credit), so a half cent stays a half cent until the final rounding.
        revenue: dict[str, Decimal] = {}
        credit: dict[str, float] = {}

        def add(deal: dict, credits: dict[str, float]) -> None:
            for campaign, share in credits.items():
                revenue[campaign] = revenue.get(campaign, Decimal(0)) + deal["amount"] * Decimal(repr(share))
                credit[campaign] = credit.get(campaign, 0.0) + share

        touches = (
            Touchpoint.objects.filter(kind__in=ENGAGEMENT_KINDS, campaign__isnull=False)
            .annotate(engaged_account=effective_account())
            .filter(engaged_account__in=won.values("account_id"))
            .order_by("engaged_account", "occurred_at", F("external_id").asc(nulls_last=True), "id")
            .values_list("engaged_account", "occurred_at", "campaign__external_id")
        )
        seen_accounts = set()
        for account_id, account_touches in itertools.groupby(touches.iterator(chunk_size=5000), key=lambda t: t[0]):
            seen_accounts.add(account_id)
            account_touches = [(moment, campaign) for _, moment, campaign in account_touches]
            for deal in deals_by_account.get(account_id, []):
                journey = [
                    (campaign, (deal["closed_at"] - moment).total_seconds() / formulas.SECONDS_PER_DAY)
                    for moment, campaign in account_touches
                    if moment <= deal["closed_at"]
                ]
                add(
                    deal,
                    formulas.attribution_credits(model, journey, deal["source_campaign__external_id"] or UNATTRIBUTED),
                )
        for account_id, deals in deals_by_account.items():
            if account_id not in seen_accounts:
                for deal in deals:
                    add(deal, {deal["source_campaign__external_id"] or UNATTRIBUTED: 1.0})
    campaigns = sorted(revenue, key=lambda name: (name == UNATTRIBUTED, name))
    if reconciled:
        total = sum((deal["amount"] for deals in deals_by_account.values() for deal in deals), Decimal(0))
        cents = formulas.largest_remainder({name: revenue[name] for name in campaigns}, total)
    else:
        cents = {name: formulas.to_cents(revenue[name]) for name in campaigns}
    return [{"campaign": name, "revenue": cents[name], "deals": credit[name]} for name in campaigns]


def period_starts(first_day: date, last_day: date, grain: str) -> list[tuple[date, date, date]]:
    """(period_start, clipped first day, clipped last day) of each day/week (Monday)/month period."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    periods = []
    day = first_day
    while day <= last_day:
        if grain == "day":
            start, end = day, day
        elif grain == "week":
            start = day - timedelta(days=day.weekday())
            end = start + timedelta(days=6)
        else:
            start = day.replace(day=1)
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        periods.append((start, day, min(end, last_day)))
        day = min(end, last_day) + timedelta(days=1)
    return periods


def kpi_timeseries(
    *,
    workspace: Workspace,
    metric: str,
    first_day: date,
    last_day: date,
    grain: str,
    campaign: Campaign | None = None,
    channel: str | None = None,
) -> list[dict[str, object]]:
    """One point per period: the KPI over that period clipped to first_day..last_day, and whether it is approximate."""
    if metric not in KPIS:
        raise ValueError(f"unknown metric {metric!r}")
    periods = period_starts(first_day, last_day, grain)
    values = kpis_for_periods(
        workspace=workspace,
        periods=[(first, last) for _, first, last in periods],
        campaign=campaign,
        channel=channel,
        metrics=[metric],
    )
    return [
        {"period_start": start, "value": value[metric], "approximate": metric in value.approximate}
        for (start, _, _), value in zip(periods, values, strict=True)
    ]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def top_pages(
    *,
    workspace: Workspace,
    first_day: date,
    last_day: date,
    campaign: Campaign | None = None,
    channel: str | None = None,
    sort: str = "page_views",
    descending: bool = True,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[pages.PageRow]]:
    """The number of pages of the range, and its pages in `sort` order from `offset` (docs/kpis.md, top pages).

    Narrowed by the session's campaign (its first page view's), like sessions.
    """
    scope = Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel)
    with workspace_reads(workspace):
        count = pages.page_count(first_day, last_day, scope)
        rows = (
            pages.top_pages(first_day, last_day, scope, sort=sort, descending=descending, offset=offset, limit=limit)
            if count > offset
            else []
        )
    return count, rows
