"""Every KPI group on tiny fixtures whose answers are worked out by hand from docs/kpis.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Account, DealStatus
from kpis.catalog import KPIS, Kind
from kpis.formulas import decay
from kpis.selectors import (
    account_scores,
    attribution_for_period,
    kpi_timeseries,
    kpis_for_period,
    period_starts,
)
from kpis.services import recompute_rollups
from tests.data_factories import (
    AccountFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    SpendEntryFactory,
    TouchpointFactory,
)
from tests.kpis.conftest import ny

pytestmark = pytest.mark.django_db

D = Decimal


def test_empty_workspace_gives_zero_counts_and_null_ratios(workspace, kpis):
    values = kpis(workspace, "2026-01-01", "2026-01-31")
    assert set(values) == set(KPIS.names)
    seo_levels = ("backlinks", "referring_domains", "backlinks_gained")  # levels: null without any SEO stat
    for name in KPIS.where(kind=Kind.COUNT):
        assert values[name] == (None if name in seo_levels else 0), name
    assert values["spend"] == D("0.00")
    assert values["mrr"] == D("0.00")
    # every ratio over an empty denominator is null, never 0
    for name in (
        "cpl", "cost_per_mql", "cost_per_sqo", "cac", "cpc", "ad_ctr", "mql_rate", "lead_to_customer_rate",
        "revenue_per_lead", "roi", "avg_deal_size", "win_rate", "avg_sales_cycle_days", "pipeline_velocity",
        "customer_churn_rate", "retention_rate", "arpa", "clv", "open_rate", "email_ctr", "click_to_open_rate",
        "bounce_rate", "unsubscribe_rate", "inbox_placement_rate", "bounce_rate_web", "pages_per_session",
        "returning_visitor_rate", "download_rate", "social_engagement_rate", "account_engagement_rate",
        "target_account_conversion_rate", "abm_velocity_days", "non_target_velocity_days",
    ):  # fmt: skip
        assert values[name] is None, name


def test_event_at_2330_new_york_counts_on_the_local_date(ny_workspace, kpis):
    # 2026-01-15 23:30 EST is 2026-01-16 04:30 UTC: it belongs to the 15th in New York.
    stamp = ny(2026, 1, 15, 23, 30)
    assert stamp.astimezone(UTC) == datetime(2026, 1, 16, 4, 30, tzinfo=UTC)
    LeadFactory(workspace=ny_workspace, created_at=stamp)
    TouchpointFactory(workspace=ny_workspace, kind="email_sent", occurred_at=stamp)
    on_15th = kpis(ny_workspace, "2026-01-15", "2026-01-15")
    on_16th = kpis(ny_workspace, "2026-01-16", "2026-01-16")
    assert (on_15th["leads"], on_15th["emails_sent"]) == (1, 1)
    assert (on_16th["leads"], on_16th["emails_sent"]) == (0, 0)


def test_volume_cost_and_funnel(workspace, kpis):
    email = CampaignFactory(workspace=workspace, channel="email")
    SpendEntryFactory(
        workspace=workspace, campaign=email, date=date(2026, 1, 5), cost=D("100"), impressions=2000, clicks=20
    )
    SpendEntryFactory(
        workspace=workspace, campaign=email, date=date(2026, 1, 6), cost=D("200"), impressions=1000, clicks=10
    )
    SpendEntryFactory(workspace=workspace, campaign=email, date=date(2026, 2, 1), cost=D("999"))  # outside P
    at = datetime(2026, 1, 5, 12, tzinfo=UTC)
    customer = AccountFactory(workspace=workspace)
    converted = LeadFactory(workspace=workspace, source_campaign=email, created_at=at, account=customer)
    # MQL and SQL in P, SQO after P: counted in the cohort rates but not as an SQO of P
    LeadFactory(
        workspace=workspace, source_campaign=email, created_at=at,
        mql_at=at, sql_at=at, sqo_at=datetime(2026, 2, 3, tzinfo=UTC),
    )  # fmt: skip
    LeadFactory(workspace=workspace, source_campaign=email, created_at=at)
    DealFactory(
        workspace=workspace, account=customer, lead=converted, status=DealStatus.WON,
        created_at=at, closed_at=datetime(2026, 1, 20, tzinfo=UTC), amount=D("900"),
    )  # fmt: skip
    v = kpis(workspace, "2026-01-01", "2026-01-31")
    # spend 100 + 200 = 300; impressions 3,000; clicks 30
    assert (v["spend"], v["impressions"], v["clicks"]) == (D("300.00"), 3000, 30)
    assert (v["leads"], v["mqls"], v["sqls"], v["sqos"]) == (3, 1, 1, 0)
    assert v["cpl"] == D("100.00")  # 300 / 3
    assert v["cost_per_mql"] == D("300.00")  # 300 / 1
    assert v["cost_per_sqo"] is None  # no SQO in P
    assert v["cac"] == D("300.00")  # 300 / 1 new customer
    assert v["cpc"] == D("10.00")  # 300 / 30
    assert v["ad_ctr"] == pytest.approx(0.01)  # 30 / 3,000
    assert v["mql_rate"] == pytest.approx(1 / 3)
    assert v["sql_rate"] == pytest.approx(1 / 3)
    assert v["sqo_rate"] == pytest.approx(1 / 3)  # sqo_at set, whenever
    assert v["lead_to_customer_rate"] == pytest.approx(1 / 3)
    assert v["revenue_per_lead"] == D("300.00")  # 900 / 3
    assert v["roi"] == pytest.approx(2.0)  # (900 − 300) / 300


def test_revenue_and_sales(workspace, kpis):
    account = AccountFactory(workspace=workspace)
    # first touch of the account: a touchpoint on Jan 1 00:00 UTC, before any lead or deal
    TouchpointFactory(
        workspace=workspace, kind="email_open", account=account, occurred_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    created = datetime(2026, 1, 2, tzinfo=UTC)
    DealFactory(workspace=workspace, account=account, status=DealStatus.WON, amount=D("1000"),
                created_at=created, closed_at=datetime(2026, 1, 11, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=account, status=DealStatus.WON, amount=D("500"),
                created_at=created, closed_at=datetime(2026, 1, 21, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=account, status=DealStatus.LOST, amount=D("700"),
                created_at=created, closed_at=datetime(2026, 1, 15, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, status=DealStatus.OPEN, created_at=created)
    # created in P, closed after it: still open at end(P)
    DealFactory(
        workspace=workspace, status=DealStatus.LOST, created_at=created, closed_at=datetime(2026, 2, 5, tzinfo=UTC)
    )
    v = kpis(workspace, "2026-01-01", "2026-01-31")
    assert (v["deals_created"], v["deals_won"], v["deals_lost"]) == (5, 2, 1)
    assert v["won_revenue"] == D("1500.00")
    assert v["repeat_customer_revenue"] == D("500.00")  # the second won deal of the account
    assert v["new_customers"] == 1
    assert v["avg_deal_size"] == D("750.00")
    assert v["win_rate"] == pytest.approx(2 / 3)
    # cycles from the Jan 1 first touch: 10 and 20 days → 15
    assert v["avg_sales_cycle_days"] == pytest.approx(15.0)
    assert v["open_deals"] == 2
    # 2 × 2/3 × 750 / 15 = 66.67 per day
    assert v["pipeline_velocity"] == D("66.67")


def test_churn_and_reactivation(workspace, kpis):
    workspace.gross_margin = D("0.8")
    workspace.save()
    jan = datetime(2026, 1, 1, 12, tzinfo=UTC)
    a, b, c = (AccountFactory(workspace=workspace) for _ in range(3))
    # A: a customer all along; B: churns in February; C: churned in January, back in February
    DealFactory(workspace=workspace, account=a, status=DealStatus.WON, mrr=D("100"), created_at=jan, closed_at=jan)
    DealFactory(workspace=workspace, account=b, status=DealStatus.WON, mrr=D("50"), created_at=jan, closed_at=jan,
                churned_at=datetime(2026, 2, 10, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=c, status=DealStatus.WON, mrr=D("30"), created_at=jan, closed_at=jan,
                churned_at=datetime(2026, 1, 20, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=c, status=DealStatus.WON, mrr=D("40"), amount=D("400"), created_at=jan,
                closed_at=datetime(2026, 2, 15, tzinfo=UTC))  # fmt: skip
    v = kpis(workspace, "2026-02-01", "2026-02-28")
    # active at Feb 1: A, B (C churned Jan 20); active at Mar 1: A, C — B was lost
    assert v["active_customers"] == 2
    assert v["customer_churn_rate"] == pytest.approx(0.5)
    assert v["retention_rate"] == pytest.approx(0.5)
    assert v["mrr"] == D("140.00")  # A 100 + C's new 40
    assert v["new_mrr"] == D("40.00")
    assert v["churned_mrr"] == D("50.00")
    assert v["arpa"] == D("70.00")  # 140 / 2
    # 70 × 0.8 / (0.5 × 30 / 28) = 56 / 0.535714… = 104.53
    assert v["clv"] == D("104.53")
    # C's February deal is not its first won deal: a repeat, not a new customer
    assert v["new_customers"] == 0
    assert v["repeat_customer_revenue"] == D("400.00")
    january = kpis(workspace, "2026-01-01", "2026-01-31")
    # nobody was active at Jan 1 00:00 (the deals closed at noon): churn rate null
    assert january["customer_churn_rate"] is None
    assert january["clv"] is None
    assert january["active_customers"] == 2  # A and B at Feb 1; C churned


def test_email(workspace, kpis):
    a, b = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    lead1, lead2 = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)

    def tp(kind, **kwargs):
        TouchpointFactory(workspace=workspace, kind=kind, **kwargs)

    for _ in range(4):
        tp("email_sent", campaign=a)
    tp("email_bounce", campaign=a)
    tp("email_spam", campaign=a)
    tp("email_unsubscribe", campaign=a)
    tp("email_open", campaign=a, lead=lead1)
    tp("email_open", campaign=a, lead=lead1)  # the same pair again
    tp("email_open", campaign=b, lead=lead1)
    tp("email_open", lead=lead2)  # no campaign: a pair of its own
    tp("email_open", campaign=a)  # no lead: not counted
    tp("email_click", campaign=a, lead=lead1)
    v = kpis(workspace, "2026-01-01", "2026-01-31")
    assert (v["emails_sent"], v["email_bounces"], v["emails_delivered"]) == (4, 1, 3)
    assert (v["unique_opens"], v["unique_clicks"]) == (3, 1)
    assert v["open_rate"] == pytest.approx(1.0)  # 3 / 3
    assert v["email_ctr"] == pytest.approx(1 / 3)
    assert v["click_to_open_rate"] == pytest.approx(1 / 3)
    assert v["bounce_rate"] == pytest.approx(0.25)  # 1 / 4
    assert v["unsubscribe_rate"] == pytest.approx(1 / 3)  # 1 / 3 delivered
    assert v["inbox_placement_rate"] == pytest.approx(0.5)  # (3 − 1) / 4
    narrowed = kpis(workspace, "2026-01-01", "2026-01-31", campaign=a)
    assert (narrowed["emails_sent"], narrowed["unique_opens"]) == (4, 1)


def test_web_session_crossing_midnight(ny_workspace, kpis):
    ws = ny_workspace
    site = CampaignFactory(workspace=ws, channel="seo")
    # s1 starts at 23:50 on Jan 10 (New York) and goes on past midnight
    TouchpointFactory(
        workspace=ws, visitor_id="v1", session_id="s1", campaign=site, occurred_at=ny(2026, 1, 10, 23, 50)
    )
    TouchpointFactory(workspace=ws, visitor_id="v1", session_id="s1", occurred_at=ny(2026, 1, 11, 0, 10))
    TouchpointFactory(workspace=ws, visitor_id="v2", session_id="s2", occurred_at=ny(2026, 1, 10, 9, 0))
    TouchpointFactory(workspace=ws, kind="content_download", occurred_at=ny(2026, 1, 10, 9, 5))
    day10 = kpis(ws, "2026-01-10", "2026-01-10")
    assert day10["page_views"] == 2
    assert day10["sessions"] == 2  # s1 and s2 started on the 10th
    assert day10["bounce_rate_web"] == pytest.approx(0.5)  # s2 had one page
    assert day10["pages_per_session"] == pytest.approx(1.5)  # (2 + 1) / 2, s1's page after midnight included
    assert (day10["unique_visitors"], day10["new_visitors"], day10["returning_visitors"]) == (2, 2, 0)
    assert day10["download_rate"] == pytest.approx(0.5)  # 1 download / 2 visitors
    day11 = kpis(ws, "2026-01-11", "2026-01-11")
    assert (day11["page_views"], day11["sessions"]) == (1, 0)
    assert day11["pages_per_session"] is None
    # v1 first came on the 10th: returning on the 11th
    assert (day11["unique_visitors"], day11["new_visitors"], day11["returning_visitor_rate"]) == (1, 0, 1.0)
    # narrowed to the campaign of s1's first page view: the whole session counts
    seo = kpis(ws, "2026-01-10", "2026-01-11", campaign=site)
    assert (seo["sessions"], seo["pages_per_session"], seo["page_views"], seo["unique_visitors"]) == (1, 2.0, 1, 1)


def test_social(workspace, kpis):
    social = CampaignFactory(workspace=workspace, channel="paid_social")
    email = CampaignFactory(workspace=workspace, channel="email")
    SpendEntryFactory(workspace=workspace, campaign=social, impressions=10000)
    SpendEntryFactory(workspace=workspace, campaign=email, impressions=1000)
    for campaign, count in ((social, 5), (email, 2)):
        for _ in range(count):
            TouchpointFactory(workspace=workspace, kind="social_engagement", campaign=campaign)
    v = kpis(workspace, "2026-01-01", "2026-01-31")
    assert v["social_engagements"] == 7
    # only social channels on both sides: 5 / 10,000
    assert v["social_engagement_rate"] == pytest.approx(0.0005)
    assert kpis(workspace, "2026-01-01", "2026-01-31", channel="email")["social_engagement_rate"] is None


def test_target_account_crossing_the_mqa_threshold(ny_workspace, kpis):
    ws = ny_workspace  # defaults: window 90 days, half-life 30, threshold 20
    target = AccountFactory(workspace=ws, is_target=True)
    AccountFactory(workspace=ws, is_target=True)  # never engaged
    other = AccountFactory(workspace=ws)
    lead = LeadFactory(workspace=ws, account=target, created_at=ny(2026, 1, 2))
    TouchpointFactory(workspace=ws, kind="meeting", account=target, occurred_at=ny(2026, 1, 20, 0, 0))  # 15
    TouchpointFactory(workspace=ws, kind="form_submit", lead=lead, occurred_at=ny(2026, 1, 21, 12, 0))  # 10, via lead
    TouchpointFactory(workspace=ws, kind="page_view", lead=lead, occurred_at=ny(2026, 1, 20, 23, 30))  # 1
    TouchpointFactory(
        workspace=ws, kind="email_sent", account=target, occurred_at=ny(2026, 1, 21, 1, 0)
    )  # not engagement
    TouchpointFactory(workspace=ws, kind="meeting", account=other, occurred_at=ny(2026, 1, 21, 1, 0))  # not a target

    def score(day):
        recompute_rollups(workspace_id=ws.pk)
        return {row["account"]: row["score"] for row in account_scores(workspace=ws, at=date.fromisoformat(day))}[
            target.external_id
        ]

    # end of Jan 20 = Jan 21 00:00: meeting 1 day old, page view 0.5 h old, form not yet
    assert score("2026-01-20") == pytest.approx(15 * decay(1, 30) + 1 * decay(0.5 / 24, 30))  # 15.64: below 20
    # end of Jan 21: meeting 2 days, page view 1 day + 0.5 h, form 0.5 day: 14.32 + 0.98 + 9.89 = 25.19 ≥ 20
    assert score("2026-01-21") == pytest.approx(15 * decay(2, 30) + decay(1 + 0.5 / 24, 30) + 10 * decay(0.5, 30))
    jan21 = kpis(ws, "2026-01-21", "2026-01-21")
    assert (jan21["mqas"], jan21["target_accounts"], jan21["engaged_target_accounts"]) == (1, 2, 1)
    assert jan21["account_engagement_rate"] == pytest.approx(0.5)
    # 20 days later the decay takes it back under: 15×0.5^(22/30) + 0.5^(21.02/30) + 10×0.5^(20.5/30) ≈ 15.87
    assert kpis(ws, "2026-02-10", "2026-02-10")["mqas"] == 0
    # end of Apr 20 (EDT) = Apr 21 04:00 UTC; minus exactly 90 × 86,400 s = Jan 21 04:00 UTC = Jan 20 23:00 EST:
    # the meeting (Jan 20 00:00) has left the window, the page view at 23:30 is still in it.
    end = datetime(2026, 4, 21, 4, 0, tzinfo=UTC)
    form_age = (end - ny(2026, 1, 21, 12, 0)).total_seconds() / 86400  # 89.458 days
    page_age = (end - ny(2026, 1, 20, 23, 30)).total_seconds() / 86400  # 89.979 days
    assert score("2026-04-20") == pytest.approx(10 * decay(form_age, 30) + decay(page_age, 30))


def test_abm_conversion_and_velocity(workspace, kpis):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    target, plain = AccountFactory(workspace=workspace, is_target=True), AccountFactory(workspace=workspace)
    AccountFactory(workspace=workspace, is_target=True)
    LeadFactory(workspace=workspace, account=target, created_at=start)  # first touch of target: Jan 1
    DealFactory(workspace=workspace, account=target, status=DealStatus.WON, created_at=datetime(2026, 1, 5, tzinfo=UTC),
                closed_at=datetime(2026, 1, 31, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=plain, status=DealStatus.WON, created_at=datetime(2026, 1, 6, tzinfo=UTC),
                closed_at=datetime(2026, 1, 16, tzinfo=UTC))  # fmt: skip
    v = kpis(workspace, "2026-01-01", "2026-01-31")
    assert v["target_accounts_won"] == 1
    assert v["target_account_conversion_rate"] == pytest.approx(0.5)  # 1 of 2 target accounts
    assert v["abm_velocity_days"] == pytest.approx(30.0)  # Jan 1 → Jan 31
    assert v["non_target_velocity_days"] == pytest.approx(10.0)  # its deal's own creation, Jan 6 → Jan 16


def test_account_level_kpis_are_null_when_narrowed(workspace, kpis):
    campaign = CampaignFactory(workspace=workspace)
    AccountFactory(workspace=workspace, is_target=True)
    for scope in ({"campaign": campaign}, {"channel": "email"}):
        values = kpis(workspace, "2026-01-01", "2026-01-31", **scope)
        assert all(values[name] is None for name in KPIS.where(workspace_wide=True))
        assert values["mrr"] == D("0.00")


def test_narrowing_by_campaign_and_channel(workspace, kpis):
    email, search = (
        CampaignFactory(workspace=workspace, channel="email"),
        CampaignFactory(workspace=workspace, channel="paid_search"),
    )
    email2 = CampaignFactory(workspace=workspace, channel="email")
    for campaign in (email, search, email2, None):
        LeadFactory(workspace=workspace, source_campaign=campaign)
    assert kpis(workspace, "2026-01-01", "2026-01-31")["leads"] == 4
    assert kpis(workspace, "2026-01-01", "2026-01-31", campaign=email)["leads"] == 1
    assert kpis(workspace, "2026-01-01", "2026-01-31", channel="email")["leads"] == 2
    assert kpis(workspace, "2026-01-01", "2026-01-31", channel="seo")["leads"] == 0


def test_attribution_on_the_database(workspace):
    a, b, c = (CampaignFactory(workspace=workspace, external_id=name) for name in ("A", "B", "C"))
    x, y, z = (AccountFactory(workspace=workspace) for _ in range(3))
    lead = LeadFactory(workspace=workspace, account=x)
    closed = datetime(2026, 1, 10, tzinfo=UTC)
    TouchpointFactory(
        workspace=workspace, kind="email_open", lead=lead, campaign=a, occurred_at=datetime(2026, 1, 3, tzinfo=UTC)
    )
    TouchpointFactory(workspace=workspace, kind="page_view", account=x, campaign=b, occurred_at=closed)  # at close: in
    TouchpointFactory(
        workspace=workspace, kind="meeting", account=x, campaign=c, occurred_at=datetime(2026, 1, 11, tzinfo=UTC)
    )  # after
    TouchpointFactory(
        workspace=workspace, kind="email_sent", account=x, campaign=c, occurred_at=datetime(2026, 1, 4, tzinfo=UTC)
    )  # not engagement
    TouchpointFactory(
        workspace=workspace, kind="meeting", account=x, occurred_at=datetime(2026, 1, 4, tzinfo=UTC)
    )  # no campaign
    DealFactory(workspace=workspace, account=x, status=DealStatus.WON, amount=D("1000"), closed_at=closed)
    DealFactory(
        workspace=workspace, account=y, status=DealStatus.WON, amount=D("300"), source_campaign=c, closed_at=closed
    )
    DealFactory(workspace=workspace, account=z, status=DealStatus.WON, amount=D("200"), closed_at=closed)
    rows = attribution_for_period(
        workspace=workspace, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31), model="linear"
    )
    # X's journey is A then B: 0.5 each of 1,000; Y has no journey: all to its source C; Z to "unattributed"
    assert [(r["campaign"], r["revenue"], r["deals"]) for r in rows] == [
        ("A", D("500.00"), 0.5),
        ("B", D("500.00"), 0.5),
        ("C", D("300.00"), 1.0),
        ("unattributed", D("200.00"), 1.0),
    ]
    first = attribution_for_period(
        workspace=workspace, first_day=date(2026, 1, 1), last_day=date(2026, 1, 31), model="first_touch"
    )
    assert {r["campaign"]: r["deals"] for r in first} == {"A": 1.0, "C": 1.0, "unattributed": 1.0}


def test_timeseries_by_week_and_month_clipped_to_the_range(workspace):
    campaign = CampaignFactory(workspace=workspace)
    for day in (date(2026, 1, 30), date(2026, 2, 1), date(2026, 2, 2), date(2026, 2, 20)):
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=day, cost=D("10"))
    recompute_rollups(workspace_id=workspace.pk)
    # Jan 30 is a Friday: its week starts Monday Jan 26 but only Jan 30–Feb 1 is in range
    weeks = kpi_timeseries(
        workspace=workspace, metric="spend", first_day=date(2026, 1, 30), last_day=date(2026, 2, 10), grain="week"
    )
    assert [(p["period_start"], p["value"]) for p in weeks] == [
        (date(2026, 1, 26), D("20.00")),
        (date(2026, 2, 2), D("10.00")),
        (date(2026, 2, 9), D("0.00")),
    ]
    months = kpi_timeseries(
        workspace=workspace, metric="cpl", first_day=date(2026, 1, 30), last_day=date(2026, 2, 25), grain="month"
    )
    assert [(p["period_start"], p["value"]) for p in months] == [(date(2026, 1, 1), None), (date(2026, 2, 1), None)]
    assert (
        len(
            kpi_timeseries(
                workspace=workspace, metric="leads", first_day=date(2026, 1, 30), last_day=date(2026, 2, 2), grain="day"
            )
        )
        == 4
    )


def test_money_metrics_are_two_decimal_decimals(workspace, kpis):
    values = kpis(workspace, "2026-01-01", "2026-01-01")
    for name in (n for n, kpi in KPIS.items() if kpi.kind.is_money):
        assert values[name] is None or values[name].as_tuple().exponent == -2, name
    with workspace_scope(workspace):
        assert not Account.objects.exists()


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize(
    "metric",
    ["spend", "cpl", "ad_ctr", "unique_opens", "sessions", "mqas", "cac", "avg_sales_cycle_days", "mrr",
     "open_deals", "unique_visitors", "new_visitors", "customer_churn_rate", "clv"],
)  # fmt: skip
@pytest.mark.parametrize("narrowed", [False, True])
def test_timeseries_points_equal_the_kpis_of_each_period(ny_workspace, grain, metric, narrowed):
    """Every series path (span-wide queries summed per period, or one query per period) agrees with kpis_for_period."""
    ws = ny_workspace
    campaign = CampaignFactory(workspace=ws)
    target = AccountFactory(workspace=ws, is_target=True)
    for day in (3, 9, 10, 31):
        SpendEntryFactory(
            workspace=ws, campaign=campaign, date=date(2026, 1, day), cost=D("7.77"), impressions=100 * day
        )
        LeadFactory(workspace=ws, source_campaign=campaign, created_at=ny(2026, 1, day, 23, 30))
        TouchpointFactory(workspace=ws, kind="email_open", campaign=campaign, lead=LeadFactory(workspace=ws),
                          occurred_at=ny(2026, 1, day, 23, 45))  # fmt: skip
        TouchpointFactory(workspace=ws, kind="page_view", session_id=f"s{day}", visitor_id=f"v{day % 2}",
                          occurred_at=ny(2026, 1, day, 12))  # fmt: skip
        TouchpointFactory(workspace=ws, kind="meeting", account=target, occurred_at=ny(2026, 1, day, 8))
        customer = AccountFactory(workspace=ws)
        DealFactory(workspace=ws, account=customer, source_campaign=campaign, status="won", amount=D("100"),
                    mrr=D("10"), created_at=ny(2026, 1, day, 9), closed_at=ny(2026, 1, day, 9) + timedelta(days=1),
                    churned_at=ny(2026, 1, day, 9) + timedelta(days=day + 1))  # fmt: skip
        DealFactory(workspace=ws, account=customer, created_at=ny(2026, 1, day, 10))
    recompute_rollups(workspace_id=ws.pk)
    first, last = date(2026, 1, 2), date(2026, 2, 3)
    scope = {"campaign": campaign} if narrowed else {}
    points = kpi_timeseries(workspace=ws, metric=metric, first_day=first, last_day=last, grain=grain, **scope)
    assert len(points) == {"day": 33, "week": 6, "month": 2}[grain]
    for point, (start, period_first, period_last) in zip(points, period_starts(first, last, grain), strict=True):
        assert point["period_start"] == start
        expected = kpis_for_period(
            workspace=ws, first_day=period_first, last_day=period_last, metrics=[metric], **scope
        )[metric]
        assert point["value"] == expected
