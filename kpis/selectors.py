"""Reads of the KPI engine: every KPI of KPI_SPEC.md for a period and scope.

Additive components are summed from the rollups, ratios are taken at read
time (`kpis.formulas`), and the few KPIs that depend on other rows (first won
deal, first touch, active customers…) are indexed SQL queries on the raw
tables' local-date columns. The number of queries is fixed: it grows with
neither the campaigns nor the length of the range.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, Sum

from accounts.models import Workspace
from accounts.tenancy import require_workspace, workspace_reads, workspace_scope
from campaigns.models import (
    ENGAGEMENT_KINDS,
    Account,
    Campaign,
    Channel,
    Deal,
    DealStatus,
    Touchpoint,
    TouchpointKind,
)
from kpis import formulas
from kpis.abm import engagement_counts, scores_at, scores_by_external_id
from kpis.catalog import KPIS, Reads
from kpis.models import (
    COMPONENT_FIELDS,
    AccountFacts,
    CustomerDay,
    DailyComponents,
    KpiState,
    VisitorDay,
    VisitorGap,
    WorkspaceDay,
)
from kpis.queries import among, effective_account
from kpis.rollups import epoch_days
from kpis.values import assemble

GRAINS = ("day", "week", "month")
SOCIAL_CHANNELS = (Channel.ORGANIC_SOCIAL, Channel.PAID_SOCIAL)
UNATTRIBUTED = "unattributed"


@dataclass(frozen=True)
class Scope:
    """The narrowing of a KPI query: a campaign, a channel, or the whole workspace."""

    campaign_id: int | None = None
    channel: str | None = None

    @property
    def narrowed(self) -> bool:
        return self.campaign_id is not None or self.channel is not None

    def sql(self, column: str) -> tuple[str, list]:
        """The same narrowing as an `AND …` clause on `column` with its parameters."""
        if self.campaign_id is not None:
            return f" AND {column} = %s", [self.campaign_id]
        if self.channel is not None:
            campaigns = f"SELECT id FROM {Campaign._meta.db_table} WHERE workspace_id = %s AND channel = %s"  # noqa: S608
            return f" AND {column} IN ({campaigns})", [require_workspace().pk, self.channel]
        return "", []

    def q(self, field: str) -> Q:
        """Rows whose campaign link `field` is in scope (rows without one drop out)."""
        if self.campaign_id is not None:
            return Q(**{field: self.campaign_id})
        if self.channel is not None:
            return Q(**{f"{field}__in": Campaign.objects.filter(channel=self.channel).values("id")})
        return Q()


def kpis_as_of(workspace: Workspace) -> datetime | None:
    """When the workspace's rollups were last computed (None: never)."""
    with workspace_scope(workspace):
        return KpiState.objects.values_list("as_of", flat=True).first()


def kpis_for_period(
    workspace: Workspace,
    first_day: date,
    last_day: date,
    campaign: Campaign | None = None,
    channel: str | None = None,
    metrics: Iterable[str] | None = None,
) -> dict[str, object]:
    """Every KPI of KPI_SPEC.md (or those in `metrics`) over first_day..last_day.

    Money is Decimal with 2 decimals, counts int, rates and days float, None
    where the spec says null.
    """
    names = KPIS.named(metrics)
    scope = Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel)
    groups = KPIS.reads(names)
    if scope.narrowed:
        groups -= {Reads.ABM, Reads.RECURRING}  # account-level: null when narrowed
    with workspace_reads(workspace):
        raw: dict[str, object] = {}
        for group in sorted(groups):
            raw.update(_GROUP_QUERIES[group](workspace, first_day, last_day, scope))
        values = kpi_values(workspace, raw, first_day, last_day, narrowed=scope.narrowed)
    return {name: values.get(name) for name in names}


def _component_rows(scope: Scope):
    """The rollup rows to sum: one a day for the workspace, one per (day, campaign) when narrowed."""
    if scope.narrowed:
        return DailyComponents.objects.filter(scope.q("campaign_id"))
    return WorkspaceDay.objects.all()


def _component_sums() -> dict[str, Sum]:
    return {f"total_{name}": Sum(name) for name in COMPONENT_FIELDS}


def _totals(row: dict) -> dict:
    return {name.removeprefix("total_"): value if value is not None else 0 for name, value in row.items()}


def _components(workspace, first_day, last_day, scope: Scope) -> dict:
    return _totals(_component_rows(scope).filter(day__range=(first_day, last_day)).aggregate(**_component_sums()))


WON_SUMS = (
    "repeat_customer_revenue",
    "new_customers",
    "cycle_sum",
    "cycle_count",
    "target_accounts_won",
    "abm_sum",
    "abm_count",
    "non_target_sum",
    "non_target_count",
)


def won_deal_sums(workspace, first_day: date, last_day: date, scope: Scope, *, by_day: bool = False) -> list[tuple]:
    """Sums over the deals won in the range, beside their account's facts (`kpis.models.AccountFacts`).

    One join of two small sets, in SQL: the deal is its account's first won
    deal (a new customer) or a repeat one; its cycle starts at the account's
    first touch. Rows of WON_SUMS, one for the range or (day, *WON_SUMS) per close day.
    """
    cycle = f"({epoch_days('d.closed_at')} - {epoch_days('f.first_touch_at')})"
    first, repeat = "d.id = f.first_won_deal_id", "d.id <> f.first_won_deal_id"
    target, other = f"{first} AND f.is_target", f"{first} AND NOT f.is_target"
    scope_sql, scope_params = scope.sql("d.source_campaign_id")
    day = "d.closed_on, " if by_day else ""
    sql = (
        f"SELECT {day}SUM(CASE WHEN {repeat} THEN d.amount ELSE 0 END), SUM(CASE WHEN {first} THEN 1 ELSE 0 END),"  # noqa: S608
        f" SUM({cycle}), COUNT(*), SUM(CASE WHEN {target} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {target} THEN {cycle} ELSE 0 END), SUM(CASE WHEN {target} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {other} THEN {cycle} ELSE 0 END), SUM(CASE WHEN {other} THEN 1 ELSE 0 END)"
        f" FROM {Deal._meta.db_table} d JOIN {AccountFacts._meta.db_table} f"
        " ON f.workspace_id = d.workspace_id AND f.account_id = d.account_id"
        f" WHERE d.workspace_id = %s AND d.status = %s AND d.closed_on BETWEEN %s AND %s{scope_sql}"
    )
    # Only those accounts' facts, by index: joined whole, every customer of the history is read.
    won = f"SELECT account_id FROM {Deal._meta.db_table} WHERE workspace_id = %s AND status = %s"  # noqa: S608
    sql += f" AND {among('f.account_id', won + ' AND closed_on BETWEEN %s AND %s')}"
    sql += " GROUP BY d.closed_on" if by_day else ""
    won_in_range = [workspace.pk, DealStatus.WON, first_day, last_day]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*won_in_range, *scope_params, *won_in_range])
        return cursor.fetchall()


def won_deal_values(sums: dict[str, object]) -> dict[str, object]:
    """The KPI inputs from summed WON_SUMS (means from sums and counts)."""
    g = sums.get
    return {
        "repeat_customer_revenue": _as_decimal(g("repeat_customer_revenue")),
        "new_customers": int(g("new_customers") or 0),
        "avg_sales_cycle_days": formulas.ratio(g("cycle_sum"), g("cycle_count")),
        "target_accounts_won": int(g("target_accounts_won") or 0),
        "abm_velocity_days": formulas.ratio(g("abm_sum"), g("abm_count")),
        "non_target_velocity_days": formulas.ratio(g("non_target_sum"), g("non_target_count")),
    }


def _won_deals(workspace, first_day, last_day, scope: Scope) -> dict:
    (row,) = won_deal_sums(workspace, first_day, last_day, scope)
    return won_deal_values(dict(zip(WON_SUMS, row, strict=True)))


def _as_decimal(value) -> Decimal:
    """A SUM of money as Decimal (SQLite answers a float)."""
    if value is None:
        return Decimal(0)
    return Decimal(repr(value)).quantize(Decimal("0.01")) if isinstance(value, float) else Decimal(value)


def _balances(workspace, first_day, last_day, scope: Scope) -> dict:
    """Open deals and MRR at the end of P: running sums of their daily changes up to `last_day`."""
    totals = (
        _component_rows(scope)
        .filter(day__lte=last_day)
        .aggregate(open_deals=Sum(F("deals_created") - F("deals_closed_out")), mrr=Sum(F("new_mrr") - F("churned_mrr")))
    )
    return {"open_deals": totals["open_deals"] or 0, "mrr": _as_decimal(totals["mrr"])}


def _recurring(workspace, first_day, last_day, scope: Scope) -> dict:
    """Customers at the start and the end of P, and those of the start that are not at the end (workspace-wide).

    The two counts are running sums of `CustomerDay`; the churned customers
    are looked for among the accounts with a deal churned in P only (no other
    can be a customer at the start and not at the end), by their deals.
    """
    deals = f"{Deal._meta.db_table} WHERE workspace_id = %(ws)s AND status = %(won)s"
    active_at_end = "closed_on <= %(last)s AND (churned_on IS NULL OR churned_on > %(last)s)"
    active_at_start = "closed_on < %(first)s AND (churned_on IS NULL OR churned_on >= %(first)s)"
    in_range = "churned_on BETWEEN %(first)s AND %(last)s"
    churning = among("account_id", f"SELECT account_id FROM {deals} AND {in_range}")  # noqa: S608
    churned = (
        f"SELECT COUNT(*) FROM (SELECT account_id FROM {deals} AND {churning} GROUP BY account_id"  # noqa: S608
        f" HAVING MAX(CASE WHEN {active_at_start} THEN 1 ELSE 0 END) = 1"
        f" AND MAX(CASE WHEN {active_at_end} THEN 1 ELSE 0 END) = 0) churned"
    )
    sql = (
        f"SELECT SUM(gained - lost), SUM(CASE WHEN day < %(first)s THEN gained - lost ELSE 0 END), ({churned})"  # noqa: S608
        f" FROM {CustomerDay._meta.db_table} WHERE workspace_id = %(ws)s AND day <= %(last)s"
    )
    params = {"ws": workspace.pk, "won": DealStatus.WON, "first": first_day, "last": last_day}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        active, at_start, churned_count = cursor.fetchone()
    return {
        "active_customers": int(active or 0),
        "active_at_start": int(at_start or 0),
        "churned_customers": int(churned_count or 0),
    }


def _email_unique(workspace, first_day, last_day, scope: Scope) -> dict:
    def pairs(kind: str) -> int:
        return (
            Touchpoint.objects.filter(
                scope.q("campaign_id"), kind=kind, occurred_on__range=(first_day, last_day), lead__isnull=False
            )
            .values("lead_id", "campaign_id")
            .distinct()
            .count()
        )

    return {"unique_opens": pairs(TouchpointKind.EMAIL_OPEN), "unique_clicks": pairs(TouchpointKind.EMAIL_CLICK)}


def _web(workspace, first_day, last_day, scope: Scope) -> dict:
    """Distinct and new visitors: range sums over `VisitorGap` (previous_day says who was seen before)."""
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


def _abm(workspace, first_day, last_day, scope: Scope) -> dict:
    """Target accounts, those engaged in P and the MQAs at its end: one pass over the target-account days."""
    threshold = float(workspace.mqa_threshold)
    target_accounts = Account.objects.filter(is_target=True).count()
    engaged, mqas = engagement_counts(workspace, first_day, last_day)
    return {
        "target_accounts": target_accounts,
        "engaged_target_accounts": engaged,
        # Every score is ≥ 0: with a threshold of 0 every target account is an MQA, engaged or not.
        "mqas": target_accounts if threshold <= 0 else mqas,
        "converted_target_accounts": AccountFacts.objects.filter(is_target=True, first_won_on__lte=last_day).count(),
    }


_GROUP_QUERIES = {
    Reads.COMPONENTS: _components,
    Reads.WON_DEALS: _won_deals,
    Reads.BALANCES: _balances,
    Reads.RECURRING: _recurring,
    Reads.EMAIL_UNIQUE: _email_unique,
    Reads.WEB: _web,
    Reads.ABM: _abm,
}


def kpi_values(workspace: Workspace, raw: dict, first_day: date, last_day: date, *, narrowed: bool) -> dict:
    """Every KPI of the catalogue from the inputs read for a period (`kpis.values.assemble`)."""
    return assemble(raw, first_day=first_day, last_day=last_day, narrowed=narrowed, gross_margin=workspace.gross_margin)


def engagement_scores(workspace: Workspace, at: date) -> dict[int, float]:
    """score(a, end of `at`) of every target account with engagement in the window (others score 0)."""
    return scores_at(workspace, at)


def account_scores(workspace: Workspace, at: date) -> list[dict[str, object]]:
    """Engagement score and MQA flag of every target account at the end of `at`, by external_id."""
    threshold = float(workspace.mqa_threshold)
    with workspace_reads(workspace):
        return [
            {"account": external_id, "score": score, "is_mqa": score >= threshold}
            for external_id, score in scores_by_external_id(workspace, at)
        ]


def attribution_for_period(
    workspace: Workspace, first_day: date, last_day: date, model: str
) -> list[dict[str, object]]:
    """Won revenue of the period credited to campaigns by `model` (always workspace-wide).

    Streams the journeys account by account, in time order.
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
    return [
        {"campaign": name, "revenue": formulas.to_cents(revenue[name]), "deals": credit[name]} for name in campaigns
    ]


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
    workspace: Workspace,
    metric: str,
    first_day: date,
    last_day: date,
    grain: str,
    campaign: Campaign | None = None,
    channel: str | None = None,
) -> list[dict[str, object]]:
    """One point per period: the KPI over that period clipped to first_day..last_day."""
    from kpis.series import kpis_for_periods  # built on this module

    if metric not in KPIS:
        raise ValueError(f"unknown metric {metric!r}")
    periods = period_starts(first_day, last_day, grain)
    values = kpis_for_periods(
        workspace, [(first, last) for _, first, last in periods], campaign=campaign, channel=channel, metrics=[metric]
    )
    return [
        {"period_start": start, "value": value[metric]} for (start, _, _), value in zip(periods, values, strict=True)
    ]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value
