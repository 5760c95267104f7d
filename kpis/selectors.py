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

MONEY_METRICS = frozenset(
    {
        "spend",
        "won_revenue",
        "repeat_customer_revenue",
        "cpl",
        "cost_per_mql",
        "cost_per_sqo",
        "cac",
        "cpc",
        "revenue_per_lead",
        "avg_deal_size",
        "pipeline_velocity",
        "mrr",
        "new_mrr",
        "churned_mrr",
        "arpa",
        "clv",
    }
)
COUNT_METRICS = frozenset(
    {
        "impressions",
        "clicks",
        "leads",
        "mqls",
        "sqls",
        "sqos",
        "deals_created",
        "deals_won",
        "deals_lost",
        "new_customers",
        "open_deals",
        "active_customers",
        "emails_sent",
        "email_bounces",
        "emails_delivered",
        "unique_opens",
        "unique_clicks",
        "page_views",
        "sessions",
        "unique_visitors",
        "new_visitors",
        "returning_visitors",
        "content_downloads",
        "social_engagements",
        "target_accounts",
        "engaged_target_accounts",
        "mqas",
        "target_accounts_won",
    }
)
# Workspace-wide KPIs: null when narrowed to a campaign or channel.
ABM_METRICS = (
    "target_accounts",
    "engaged_target_accounts",
    "account_engagement_rate",
    "mqas",
    "target_accounts_won",
    "target_account_conversion_rate",
    "abm_velocity_days",
    "non_target_velocity_days",
)
ACCOUNT_LEVEL_METRICS = frozenset(
    {"active_customers", "customer_churn_rate", "retention_rate", "arpa", "clv", *ABM_METRICS}
)

# Every KPI name, in KPI_SPEC.md's order, with the query groups it needs.
_C, _WON, _BAL, _REC, _MAIL, _WEB, _ABM = (
    "components",
    "won_deals",
    "balances",
    "recurring",
    "email_unique",
    "web",
    "abm",
)
METRIC_GROUPS: dict[str, frozenset[str]] = {
    name: frozenset(groups)
    for name, groups in [
        ("spend", [_C]),
        ("impressions", [_C]),
        ("clicks", [_C]),
        ("leads", [_C]),
        ("mqls", [_C]),
        ("sqls", [_C]),
        ("sqos", [_C]),
        ("deals_created", [_C]),
        ("deals_won", [_C]),
        ("deals_lost", [_C]),
        ("won_revenue", [_C]),
        ("repeat_customer_revenue", [_WON]),
        ("new_customers", [_WON]),
        ("cpl", [_C]),
        ("cost_per_mql", [_C]),
        ("cost_per_sqo", [_C]),
        ("cac", [_C, _WON]),
        ("cpc", [_C]),
        ("ad_ctr", [_C]),
        ("mql_rate", [_C]),
        ("sql_rate", [_C]),
        ("sqo_rate", [_C]),
        ("lead_to_customer_rate", [_C]),
        ("revenue_per_lead", [_C]),
        ("roi", [_C]),
        ("avg_deal_size", [_C]),
        ("win_rate", [_C]),
        ("avg_sales_cycle_days", [_WON]),
        ("open_deals", [_BAL]),
        ("pipeline_velocity", [_C, _WON, _BAL]),
        ("mrr", [_BAL]),
        ("new_mrr", [_C]),
        ("churned_mrr", [_C]),
        ("active_customers", [_REC]),
        ("customer_churn_rate", [_REC]),
        ("retention_rate", [_REC]),
        ("arpa", [_BAL, _REC]),
        ("clv", [_BAL, _REC]),
        ("emails_sent", [_C]),
        ("email_bounces", [_C]),
        ("emails_delivered", [_C]),
        ("unique_opens", [_MAIL]),
        ("unique_clicks", [_MAIL]),
        ("open_rate", [_C, _MAIL]),
        ("email_ctr", [_C, _MAIL]),
        ("click_to_open_rate", [_MAIL]),
        ("bounce_rate", [_C]),
        ("unsubscribe_rate", [_C]),
        ("inbox_placement_rate", [_C]),
        ("page_views", [_C]),
        ("sessions", [_C]),
        ("bounce_rate_web", [_C]),
        ("pages_per_session", [_C]),
        ("unique_visitors", [_WEB]),
        ("new_visitors", [_WEB]),
        ("returning_visitors", [_WEB]),
        ("returning_visitor_rate", [_WEB]),
        ("content_downloads", [_C]),
        ("download_rate", [_C, _WEB]),
        ("social_engagements", [_C]),
        ("social_engagement_rate", [_C]),
        ("target_accounts", [_ABM]),
        ("engaged_target_accounts", [_ABM]),
        ("account_engagement_rate", [_ABM]),
        ("mqas", [_ABM]),
        ("target_accounts_won", [_WON]),
        ("target_account_conversion_rate", [_ABM]),
        ("abm_velocity_days", [_WON]),
        ("non_target_velocity_days", [_WON]),
    ]
}
KPI_NAMES: tuple[str, ...] = tuple(METRIC_GROUPS)
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
    names = KPI_NAMES if metrics is None else tuple(name for name in KPI_NAMES if name in set(metrics))
    scope = Scope(campaign_id=campaign.pk if campaign is not None else None, channel=channel)
    groups = set().union(*(METRIC_GROUPS[name] for name in names)) if names else set()
    if scope.narrowed:
        groups -= {_ABM, _REC}  # account-level: null when narrowed
    with workspace_reads(workspace):
        raw: dict[str, object] = {}
        for group in sorted(groups):
            raw.update(_GROUP_QUERIES[group](workspace, first_day, last_day, scope))
        values = _assemble(workspace, raw, first_day, last_day, scope.narrowed)
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
    _C: _components,
    _WON: _won_deals,
    _BAL: _balances,
    _REC: _recurring,
    _MAIL: _email_unique,
    _WEB: _web,
    _ABM: _abm,
}


def _assemble(workspace: Workspace, raw: dict, first_day: date, last_day: date, narrowed: bool) -> dict[str, object]:
    """Every KPI from the summed components and counts; groups not queried give garbage that is dropped."""
    g = raw.get
    zero = Decimal(0)
    spend, leads = g("spend", zero), g("leads", 0)
    won_revenue, deals_won, deals_lost = g("won_revenue", zero), g("deals_won", 0), g("deals_lost", 0)
    emails_sent, bounces = g("emails_sent", 0), g("email_bounces", 0)
    delivered = emails_sent - bounces
    unique_opens, unique_clicks = g("unique_opens", 0), g("unique_clicks", 0)
    sessions, unique_visitors, new_visitors = g("sessions", 0), g("unique_visitors", 0), g("new_visitors", 0)
    returning = unique_visitors - new_visitors
    win_rate = formulas.win_rate(deals_won, deals_lost)
    avg_deal_size = formulas.money_ratio(won_revenue, deals_won)
    values: dict[str, object] = {
        "spend": spend,
        "impressions": g("impressions", 0),
        "clicks": g("clicks", 0),
        "leads": leads,
        "mqls": g("mqls", 0),
        "sqls": g("sqls", 0),
        "sqos": g("sqos", 0),
        "deals_created": g("deals_created", 0),
        "deals_won": deals_won,
        "deals_lost": deals_lost,
        "won_revenue": won_revenue,
        "repeat_customer_revenue": g("repeat_customer_revenue", zero),
        "new_customers": g("new_customers", 0),
        "cpl": formulas.money_ratio(spend, leads),
        "cost_per_mql": formulas.money_ratio(spend, g("mqls", 0)),
        "cost_per_sqo": formulas.money_ratio(spend, g("sqos", 0)),
        "cac": formulas.money_ratio(spend, g("new_customers", 0)),
        "cpc": formulas.money_ratio(spend, g("clicks", 0)),
        "ad_ctr": formulas.ratio(g("clicks", 0), g("impressions", 0)),
        "mql_rate": formulas.ratio(g("cohort_mqls", 0), leads),
        "sql_rate": formulas.ratio(g("cohort_sqls", 0), leads),
        "sqo_rate": formulas.ratio(g("cohort_sqos", 0), leads),
        "lead_to_customer_rate": formulas.ratio(g("cohort_customers", 0), leads),
        "revenue_per_lead": formulas.money_ratio(won_revenue, leads),
        "roi": formulas.roi(won_revenue, spend),
        "avg_deal_size": avg_deal_size,
        "win_rate": win_rate,
        "avg_sales_cycle_days": g("avg_sales_cycle_days"),
        "open_deals": g("open_deals", 0),
        "pipeline_velocity": formulas.pipeline_velocity(
            g("open_deals", 0), win_rate, avg_deal_size, g("avg_sales_cycle_days")
        ),
        "mrr": g("mrr", zero),
        "new_mrr": g("new_mrr", zero),
        "churned_mrr": g("churned_mrr", zero),
        "emails_sent": emails_sent,
        "email_bounces": bounces,
        "emails_delivered": delivered,
        "unique_opens": unique_opens,
        "unique_clicks": unique_clicks,
        "open_rate": formulas.ratio(unique_opens, delivered),
        "email_ctr": formulas.ratio(unique_clicks, delivered),
        "click_to_open_rate": formulas.ratio(unique_clicks, unique_opens),
        "bounce_rate": formulas.ratio(bounces, emails_sent),
        "unsubscribe_rate": formulas.ratio(g("email_unsubscribes", 0), delivered),
        "inbox_placement_rate": formulas.ratio(delivered - g("email_spam", 0), emails_sent),
        "page_views": g("page_views", 0),
        "sessions": sessions,
        "bounce_rate_web": formulas.ratio(g("single_page_sessions", 0), sessions),
        "pages_per_session": formulas.ratio(g("session_page_views", 0), sessions),
        "unique_visitors": unique_visitors,
        "new_visitors": new_visitors,
        "returning_visitors": returning,
        "returning_visitor_rate": formulas.ratio(returning, unique_visitors),
        "content_downloads": g("content_downloads", 0),
        "download_rate": formulas.ratio(g("content_downloads", 0), unique_visitors),
        "social_engagements": g("social_engagements", 0),
        "social_engagement_rate": formulas.ratio(
            g("social_channel_engagements", 0), g("social_channel_impressions", 0)
        ),
    }
    if narrowed:
        values.update(dict.fromkeys(ACCOUNT_LEVEL_METRICS))
    else:
        active, active_at_start = g("active_customers", 0), g("active_at_start", 0)
        churn_rate = formulas.ratio(g("churned_customers", 0), active_at_start)
        arpa = formulas.money_ratio(g("mrr", zero), active)
        target_accounts = g("target_accounts", 0)
        values.update(
            {
                "active_customers": active,
                "customer_churn_rate": churn_rate,
                "retention_rate": formulas.retention_rate(churn_rate),
                "arpa": arpa,
                "clv": formulas.clv(arpa, workspace.gross_margin, churn_rate, (last_day - first_day).days + 1),
                "target_accounts": target_accounts,
                "engaged_target_accounts": g("engaged_target_accounts", 0),
                "account_engagement_rate": formulas.ratio(g("engaged_target_accounts", 0), target_accounts),
                "mqas": g("mqas", 0),
                "target_accounts_won": g("target_accounts_won", 0),
                "target_account_conversion_rate": formulas.ratio(g("converted_target_accounts", 0), target_accounts),
                "abm_velocity_days": g("abm_velocity_days"),
                "non_target_velocity_days": g("non_target_velocity_days"),
            }
        )
    for name in MONEY_METRICS:
        values[name] = formulas.to_cents(values[name])
    return values


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

    if metric not in METRIC_GROUPS:
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
