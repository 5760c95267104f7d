"""KPIs with daily aggregate stats (KPI_SPEC): values computed by hand from a small fixture of events and stats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kpis.selectors import kpi_timeseries, kpis_for_period
from kpis.services import recompute_pending_changes, recompute_rollups
from tests.data_factories import (
    CampaignFactory,
    EmailStatFactory,
    LeadFactory,
    SeoStatFactory,
    SocialStatFactory,
    SpendEntryFactory,
    TouchpointFactory,
    WebStatFactory,
)

pytestmark = pytest.mark.django_db

JAN = {"first_day": date(2026, 1, 1), "last_day": date(2026, 1, 31)}
APPROXIMATE = ["unique_visitors", "new_visitors", "returning_visitors", "returning_visitor_rate", "download_rate"]


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def mixed(workspace):
    """Events and stats side by side (hand-computed totals in each test)."""
    news = CampaignFactory(workspace=workspace, external_id="news", channel="email")
    ads = CampaignFactory(workspace=workspace, external_id="ads", channel="paid_search")
    li = CampaignFactory(workspace=workspace, external_id="li", channel="paid_social")
    lead = LeadFactory(workspace=workspace)
    # Email events: 3 sent, 1 bounce, one lead opening and clicking.
    for _ in range(3):
        TouchpointFactory(workspace=workspace, kind="email_sent", occurred_at=at(10), campaign=news)
    TouchpointFactory(workspace=workspace, kind="email_bounce", occurred_at=at(10), campaign=news)
    TouchpointFactory(workspace=workspace, kind="email_open", occurred_at=at(10), campaign=news, lead=lead)
    TouchpointFactory(workspace=workspace, kind="email_click", occurred_at=at(10), campaign=news, lead=lead)
    EmailStatFactory(
        workspace=workspace, campaign=news, date=date(2026, 1, 12), sent=100, bounces=5, unique_opens=30,
        unique_clicks=8, unsubscribes=2, spam=1,
    )  # fmt: skip
    # Web events: session s1 (v1, on ads) of 2 page views, session s2 (v2, no campaign) of 1.
    for minute in (0, 5):
        TouchpointFactory(
            workspace=workspace, kind="page_view", occurred_at=at(10, 10, minute), campaign=ads, visitor_id="v1",
            session_id="s1", url="https://example.com/",
        )  # fmt: skip
    TouchpointFactory(
        workspace=workspace, kind="page_view", occurred_at=at(11), visitor_id="v2", session_id="s2",
        url="https://example.com/",
    )  # fmt: skip
    WebStatFactory(
        workspace=workspace, campaign=None, date=date(2026, 1, 12), sessions=50, bounced_sessions=20,
        page_views=120, users=40, new_users=30, content_downloads=4,
    )  # fmt: skip
    WebStatFactory(
        workspace=workspace, campaign=ads, date=date(2026, 1, 13), sessions=10, bounced_sessions=5, page_views=25,
        users=8, new_users=6, content_downloads=1,
    )  # fmt: skip
    # Social: one engagement event on li, stats on li (a social channel) and on news (not one).
    TouchpointFactory(workspace=workspace, kind="social_engagement", occurred_at=at(12), campaign=li)
    SocialStatFactory(workspace=workspace, campaign=li, date=date(2026, 1, 12), engagements=30)
    SocialStatFactory(workspace=workspace, campaign=news, date=date(2026, 1, 12), engagements=7)
    SpendEntryFactory(workspace=workspace, campaign=li, date=date(2026, 1, 12), cost=Decimal(10), impressions=1000)
    recompute_rollups(workspace_id=workspace.pk)
    return {"news": news, "ads": ads, "li": li}


def test_email_stats_add_to_the_events(workspace, mixed):
    v = kpis_for_period(workspace=workspace, **JAN)
    assert (v["emails_sent"], v["email_bounces"], v["emails_delivered"]) == (103, 6, 97)
    assert (v["unique_opens"], v["unique_clicks"]) == (31, 9)
    assert v["open_rate"] == pytest.approx(31 / 97)
    assert v["email_ctr"] == pytest.approx(9 / 97)
    assert v["click_to_open_rate"] == pytest.approx(9 / 31)
    assert v["bounce_rate"] == pytest.approx(6 / 103)
    assert v["unsubscribe_rate"] == pytest.approx(2 / 97)
    assert v["inbox_placement_rate"] == pytest.approx((97 - 1) / 103)
    # Narrowed to another campaign: the news stats drop out.
    ads = kpis_for_period(workspace=workspace, campaign=mixed["ads"], **JAN)
    assert (ads["emails_sent"], ads["unique_opens"], ads["unique_clicks"]) == (0, 0, 0)
    # Through the channel: all of it.
    email = kpis_for_period(workspace=workspace, channel="email", **JAN)
    assert (email["emails_sent"], email["unique_opens"]) == (103, 31)


def test_web_stats_add_to_sessions_and_visitors_which_become_approximate(workspace, mixed):
    v = kpis_for_period(workspace=workspace, **JAN)
    assert (v["sessions"], v["page_views"], v["content_downloads"]) == (62, 148, 5)
    assert v["bounce_rate_web"] == pytest.approx(26 / 62)
    assert v["pages_per_session"] == pytest.approx(148 / 62)
    assert (v["unique_visitors"], v["new_visitors"], v["returning_visitors"]) == (50, 38, 12)
    assert v["returning_visitor_rate"] == pytest.approx(12 / 50)
    assert v["download_rate"] == pytest.approx(5 / 50)
    assert list(v.approximate) == APPROXIMATE
    # Only some KPIs asked: only those of them.
    asked = kpis_for_period(workspace=workspace, metrics=["sessions", "new_visitors"], **JAN)
    assert list(asked.approximate) == ["new_visitors"]


def test_narrowing_drops_the_web_stat_without_campaign(workspace, mixed):
    for scope in ({"campaign": mixed["ads"]}, {"channel": "paid_search"}):
        v = kpis_for_period(workspace=workspace, **scope, **JAN)
        assert (v["sessions"], v["page_views"]) == (11, 27), scope
        assert v["bounce_rate_web"] == pytest.approx(5 / 11)
        assert (v["unique_visitors"], v["new_visitors"]) == (9, 7)
        assert list(v.approximate) == APPROXIMATE
    # No web stat in scope: exact again.
    news = kpis_for_period(workspace=workspace, campaign=mixed["news"], **JAN)
    assert (news["sessions"], news["unique_visitors"], list(news.approximate)) == (0, 0, [])
    # Nor in a period before the stats.
    early = kpis_for_period(workspace=workspace, first_day=date(2026, 1, 1), last_day=date(2026, 1, 11))
    assert (early["sessions"], early["unique_visitors"], list(early.approximate)) == (2, 2, [])


def test_social_stats_add_to_engagements_and_the_social_channels_share(workspace, mixed):
    v = kpis_for_period(workspace=workspace, **JAN)
    assert v["social_engagements"] == 1 + 30 + 7
    assert v["social_engagement_rate"] == pytest.approx((1 + 30) / 1000)
    assert kpis_for_period(workspace=workspace, campaign=mixed["news"], **JAN)["social_engagements"] == 7


def test_the_api_lists_the_approximate_kpis(api_client, workspace, mixed):
    body = api_client.get("/api/v1/kpis/", {"from": "2026-01-01", "to": "2026-01-31"}).json()
    assert body["approximate"] == APPROXIMATE
    assert body["metrics"]["unique_visitors"] == 50
    body = api_client.get("/api/v1/kpis/", {"from": "2026-01-01", "to": "2026-01-31", "campaign": "news"}).json()
    assert body["approximate"] == []
    series = api_client.get(
        "/api/v1/kpis/timeseries/",
        {"metric": "unique_visitors", "from": "2026-01-10", "to": "2026-01-13", "grain": "day"},
    ).json()
    assert [p["value"] for p in series["points"]] == [1, 1, 40, 8]
    assert series["approximate"] == ["unique_visitors"]
    day_points = kpi_timeseries(
        workspace=workspace, metric="unique_visitors", first_day=date(2026, 1, 10), last_day=date(2026, 1, 13),
        grain="day",
    )  # fmt: skip
    assert [p["approximate"] for p in day_points] == [False, False, True, True]


@pytest.fixture
def seo(workspace):
    SeoStatFactory(workspace=workspace, date=date(2025, 12, 20), backlinks=800, referring_domains=70)
    SeoStatFactory(workspace=workspace, date=date(2026, 1, 10), backlinks=900, referring_domains=80)
    SeoStatFactory(workspace=workspace, date=date(2026, 1, 20), backlinks=950, referring_domains=82)
    return CampaignFactory(workspace=workspace, external_id="news")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2026, 1, 1), date(2026, 1, 31), (950, 82, 950 - 800)),
        (date(2026, 1, 11), date(2026, 1, 15), (900, 80, 0)),
        (date(2026, 1, 5), date(2026, 1, 15), (900, 80, 900 - 800)),
        (date(2025, 12, 1), date(2025, 12, 31), (800, 70, None)),  # nothing before the period
        (date(2025, 12, 1), date(2025, 12, 10), (None, None, None)),  # nothing yet
    ],
)
def test_seo_levels_are_the_latest_stat_not_a_sum(workspace, seo, first, last, expected):
    v = kpis_for_period(workspace=workspace, first_day=first, last_day=last)
    assert (v["backlinks"], v["referring_domains"], v["backlinks_gained"]) == expected


def test_seo_levels_are_null_when_narrowed_and_a_series_reads_them_per_period(workspace, seo):
    v = kpis_for_period(workspace=workspace, campaign=seo, **JAN)
    assert (v["backlinks"], v["referring_domains"], v["backlinks_gained"]) == (None, None, None)
    assert kpis_for_period(workspace=workspace, channel="email", **JAN)["backlinks"] is None
    months = kpi_timeseries(
        workspace=workspace, metric="backlinks_gained", first_day=date(2025, 12, 1), last_day=date(2026, 1, 31),
        grain="month",
    )  # fmt: skip
    assert [p["value"] for p in months] == [None, 150]
    # Weeks of January: the latest level at each week's end, and its gain over the week before.
    weeks = kpi_timeseries(
        workspace=workspace, metric="backlinks", first_day=date(2026, 1, 5), last_day=date(2026, 1, 25), grain="week"
    )
    assert [p["value"] for p in weeks] == [900, 900, 950]
    gained = kpi_timeseries(
        workspace=workspace, metric="backlinks_gained", first_day=date(2026, 1, 5), last_day=date(2026, 1, 25),
        grain="week",
    )  # fmt: skip
    assert [p["value"] for p in gained] == [100, 0, 50]


def test_a_stat_pushed_through_the_api_changes_the_kpis_after_the_recompute(api_client, workspace, mixed):
    assert kpis_for_period(workspace=workspace, **JAN)["emails_sent"] == 103
    response = api_client.post(
        "/api/v1/email-stats/", {"campaign": "news", "date": "2026-01-20", "sent": 50, "bounces": 2}, format="json"
    )
    assert response.status_code == 200
    result = recompute_pending_changes(workspace_id=workspace.pk)
    assert result.ranges == ((date(2026, 1, 20), date(2026, 1, 20)),)
    v = kpis_for_period(workspace=workspace, **JAN)
    assert (v["emails_sent"], v["email_bounces"]) == (153, 8)
    # A web stat's delete takes its sessions and the approximation away.
    assert api_client.delete("/api/v1/web-stats/-/2026-01-12/").status_code == 204
    assert api_client.delete("/api/v1/web-stats/ads/2026-01-13/").status_code == 204
    recompute_pending_changes(workspace_id=workspace.pk)
    v = kpis_for_period(workspace=workspace, **JAN)
    assert (v["sessions"], v["unique_visitors"], list(v.approximate)) == (2, 2, [])
