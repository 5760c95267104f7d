"""Ad, email and web exports into an empty workspace: campaigns created from the files, KPIs equal the files;
a sample imported twice changes nothing, and undoing both imports brings the empty workspace's KPIs back.

Expected figures are the samples' own rows added by hand (totals rows left out), written next to each test.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, EmailStat, ImportJob, SpendEntry, WebStat
from kpis.services import recompute_rollups
from tests.campaigns.test_csv_import import count, refreshed, uploaded_job, url
from tests.campaigns.test_export_files import kpis, sample


@pytest.fixture
def gbp(workspace):
    workspace.currency = "GBP"
    workspace.save(update_fields=["currency"])
    return workspace


def imported_creating_campaigns(client, workspace, resource: str, name: str) -> ImportJob:
    """The sample imported with the suggested mapping, "create campaigns" confirmed; it must succeed."""
    job = uploaded_job(client, workspace, resource, sample(name), name)
    data = {"date_format": "", "create_campaigns": "1"}
    data.update({f"col_{index}": field for index, field in enumerate(job.mapping)})
    assert client.post(url(workspace, f"{job.pk}/"), data).status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.DONE, job.errors
    recompute_rollups(workspace_id=workspace.pk)
    return job


def campaigns(workspace) -> dict[str, tuple[str, str]]:
    with workspace_scope(workspace):
        return {c.external_id: (c.name, c.channel) for c in Campaign.objects.all()}


def totals(metrics: dict) -> tuple[str, int, int]:
    return metrics["spend"], metrics["impressions"], metrics["clicks"]


# ---------------------------------------------------------------- ad platforms: spend, campaigns created

AD_EXPORTS = [
    pytest.param(
        "google_ads_campaign_report.csv",
        # "Campaign type" Search / Display.
        {"17430001": ("Brand Search UK", "paid_search"), "17430002": ("Prospecting Display", "display")},
        # Cost 45.20 + 51.75 + 30.00 + 28.40; Impr. 1,204 + 1,310 + 20,450 + 18,900; Clicks 98 + 105 + 61 + 55.
        ("155.35", 41864, 319),
        id="google-ads",
    ),
    pytest.param(
        "microsoft_ads_campaign_report.csv",
        # No type column: Microsoft Ads' campaigns are paid search.
        {"880001": ("Brand - UK", "paid_search"), "880002": ("Generic - UK", "paid_search")},
        # Spend 22.10 + 19.80 + 25.00 + 31.45; Impressions 512 + 498 + 1,250 + 1,410; Clicks 40 + 36 + 31 + 37.
        ("98.35", 3670, 144),
        id="microsoft-ads",
    ),
    pytest.param(
        "linkedin_campaign_performance.csv",
        {"210001": ("ABM - Finance", "paid_social"), "210002": ("Retargeting - Visitors", "paid_social")},
        # Total Spent 120.50 + 98.25 + 143.00 + 87.75; Impressions 4500 + 3900 + 6100 + 3300; Clicks 38 + 30 + 52 + 21.
        ("449.50", 17800, 141),
        id="linkedin",
    ),
    pytest.param(
        "meta_ads_campaigns.csv",
        {
            "120210000000000001": ("Retargeting - Site visitors", "paid_social"),
            "120210000000000002": ("Lookalike - Customers", "paid_social"),
        },
        # Amount spent (GBP) 35.60 + 41.20 + 18.95 + 22.05; Impressions 4210 + 4480 + 3010 + 3300;
        # Link clicks 57 + 63 + 22 + 27.
        ("117.80", 15000, 169),
        id="meta",
    ),
]


@pytest.mark.parametrize(("name", "created", "expected"), AD_EXPORTS)
def test_an_ad_export_into_an_empty_workspace_creates_its_campaigns(
    gbp, member_client, api_client, name, created, expected
):
    job = uploaded_job(member_client, gbp, "spend", sample(name), name)
    html = member_client.get(url(gbp, f"{job.pk}/")).content.decode()
    section = html.split("Campaigns to create")[1].split("</table>")[0]
    for external_id, (campaign_name, channel) in created.items():
        assert f"<code>{external_id}</code>" in section and campaign_name in section and channel in section

    job = imported_creating_campaigns(member_client, gbp, "spend", name)
    assert (job.created_count, job.updated_count) == (4, 0)
    assert campaigns(gbp) == created
    assert totals(kpis(api_client)) == expected


def test_the_four_ad_exports_together_split_by_channel(gbp, member_client, api_client):
    for name in ("google_ads_campaign_report.csv", "microsoft_ads_campaign_report.csv"):
        imported_creating_campaigns(member_client, gbp, "spend", name)
    for name in ("linkedin_campaign_performance.csv", "meta_ads_campaigns.csv"):
        imported_creating_campaigns(member_client, gbp, "spend", name)
    assert count(gbp, Campaign) == 8 and count(gbp, SpendEntry) == 16
    # 155.35 + 98.35 + 449.50 + 117.80; 41,864 + 3,670 + 17,800 + 15,000; 319 + 144 + 141 + 169.
    assert totals(kpis(api_client)) == ("821.00", 78334, 773)
    # Search: Google's Brand Search UK 45.20 + 51.75 and Microsoft's 98.35; display: Google's 30.00 + 28.40.
    assert totals(kpis(api_client, channel="paid_search")) == ("195.30", 2514 + 3670, 203 + 144)
    assert totals(kpis(api_client, channel="display")) == ("58.40", 39350, 116)
    # LinkedIn 449.50 + Meta 117.80.
    assert totals(kpis(api_client, channel="paid_social")) == ("567.30", 32800, 310)
    assert kpis(api_client, campaign="210002")["spend"] == "230.75"  # LinkedIn Retargeting 143.00 + 87.75


# ---------------------------------------------------------------- email and web stats


def test_mailchimp_report_into_an_empty_workspace(workspace, member_client, api_client):
    job = imported_creating_campaigns(member_client, workspace, "email-stats", "mailchimp_campaigns.csv")
    assert job.preset == "mailchimp_campaigns" and job.created_count == 2
    assert campaigns(workspace) == {
        "November Newsletter": ("November Newsletter", "email"),
        "Webinar Invite": ("Webinar Invite", "email"),
    }
    answer = api_client.get("/api/v1/kpis/", {"from": "2026-11-01", "to": "2026-11-30"}).json()
    m = answer["metrics"]
    # Total Recipients 2400 + 5200; Total Bounces 34 + 104 (= deliveries 2366 + 5096 short of the recipients).
    assert (m["emails_sent"], m["email_bounces"], m["emails_delivered"]) == (7600, 138, 7462)
    # Unique Opens 1012 + 1430; Unique Clicks 188 + 233; Unsubscribes 9 + 21; Abuse Complaints 1 + 3.
    assert (m["unique_opens"], m["unique_clicks"]) == (2442, 421)
    assert m["open_rate"] == pytest.approx(float(Fraction(2442, 7462)))
    assert m["email_ctr"] == pytest.approx(float(Fraction(421, 7462)))
    assert m["click_to_open_rate"] == pytest.approx(float(Fraction(421, 2442)))
    assert m["bounce_rate"] == pytest.approx(float(Fraction(138, 7600)))
    assert m["unsubscribe_rate"] == pytest.approx(float(Fraction(30, 7462)))
    assert m["inbox_placement_rate"] == pytest.approx(float(Fraction(7462 - 4, 7600)))
    assert answer["approximate"] == []  # email stats are exact counts
    # Per campaign: the webinar invite's row alone (sent 18 Nov).
    webinar = kpis(api_client, campaign="Webinar Invite")
    assert (webinar["emails_sent"], webinar["unique_opens"]) == (5200, 1430)


def test_ga4_export_into_an_empty_workspace(workspace, member_client, api_client):
    job = imported_creating_campaigns(member_client, workspace, "web-stats", "ga4_traffic.csv")
    assert job.preset == "ga4_traffic" and job.created_count == 4
    # "(direct)" is GA4's "no campaign": no campaign made of it.
    assert campaigns(workspace) == {"brand-search-uk": ("brand-search-uk", "other")}
    answer = api_client.get("/api/v1/kpis/", {"from": "2026-11-01", "to": "2026-11-30"}).json()
    m = answer["metrics"]
    # Sessions 420 + 510 + 398 + 489; Views 1210 + 1388 + 1102 + 1301.
    assert (m["sessions"], m["page_views"]) == (1817, 5001)
    # Bounced = sessions − engaged sessions: (420 − 301) + (510 − 322) + (398 − 287) + (489 − 301) = 606.
    assert m["bounce_rate_web"] == pytest.approx(float(Fraction(606, 1817)))
    assert m["pages_per_session"] == pytest.approx(float(Fraction(5001, 1817)))
    # Total users 388 + 470 + 360 + 455; New users 250 + 301 + 231 + 290: daily users summed, an upper bound.
    assert (m["unique_visitors"], m["new_visitors"], m["returning_visitors"]) == (1673, 1072, 601)
    assert {"unique_visitors", "new_visitors", "returning_visitors", "returning_visitor_rate"} <= set(
        answer["approximate"]
    )
    assert "sessions" not in answer["approximate"]
    # The campaign's rows only: 420 + 398 sessions.
    assert kpis(api_client, campaign="brand-search-uk")["sessions"] == 818


# ---------------------------------------------------------------- safe to repeat, and undone


def undo(client, workspace, job) -> None:
    assert client.post(url(workspace, f"{job.pk}/undo/")).status_code == 302
    assert refreshed(workspace, job).undone_at is not None
    recompute_rollups(workspace_id=workspace.pk)


def test_an_ad_export_twice_changes_nothing_and_both_undone_leave_the_empty_workspace(gbp, member_client, api_client):
    empty = kpis(api_client)
    first = imported_creating_campaigns(member_client, gbp, "spend", "linkedin_campaign_performance.csv")
    after_first = kpis(api_client)
    assert totals(after_first) == ("449.50", 17800, 141)

    second = imported_creating_campaigns(member_client, gbp, "spend", "linkedin_campaign_performance.csv")
    assert (second.created_count, second.updated_count, second.skipped_count) == (0, 0, 4)
    html = member_client.get(url(gbp, f"{second.pk}/")).content.decode()
    assert "4 rows already imported, skipped." in html
    assert kpis(api_client) == after_first
    assert count(gbp, Campaign) == 2 and count(gbp, SpendEntry) == 4

    undo(member_client, gbp, second)
    assert kpis(api_client) == after_first  # the second import wrote nothing
    undo(member_client, gbp, first)
    assert count(gbp, Campaign) == 0 and count(gbp, SpendEntry) == 0
    assert kpis(api_client) == empty


@pytest.mark.parametrize(
    ("resource", "name", "model", "rows"),
    [
        ("email-stats", "mailchimp_campaigns.csv", EmailStat, 2),
        ("web-stats", "ga4_traffic.csv", WebStat, 4),
    ],
)
def test_a_stats_export_twice_changes_nothing_and_undone_in_turn(
    workspace, member_client, api_client, resource, name, model, rows
):
    empty = kpis(api_client)
    first = imported_creating_campaigns(member_client, workspace, resource, name)
    once = kpis(api_client)
    second = imported_creating_campaigns(member_client, workspace, resource, name)
    assert (second.created_count, second.updated_count, second.skipped_count) == (0, 0, rows)
    assert kpis(api_client) == once and count(workspace, model) == rows

    undo(member_client, workspace, second)
    undo(member_client, workspace, first)
    assert count(workspace, model) == 0 and count(workspace, Campaign) == 0
    assert kpis(api_client) == empty
