"""CSV import of the daily aggregate stats: the form offers them, their exports' columns map, rows import."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from campaigns import imports
from campaigns.models import EmailStat, ImportJob, SeoStat, SocialStat, WebStat
from tests.campaigns.test_csv_import import confirm, refreshed, uploaded_job, url
from tests.data_factories import CampaignFactory, SeoStatFactory

pytestmark = pytest.mark.django_db

# An email tool's campaign report (its column names), a GA4 export, page insights, an SEO tool's history.
EMAIL = (
    "Campaign ID,Send Date,Total Recipients,Hard Bounces,Unique Opens,Unique Clicks,Unsubscribes,Abuse Reports\n"
    "news,2026-03-02,1000,12,400,90,3,1\n"
    "news,2026-03-09,1200,10,420,100,2,0\n"
)
WEB = (
    "Date,Session campaign,Sessions,Bounced sessions,Views,Total users,New users,File downloads\n"
    "2026-03-02,,500,200,1500,420,300,12\n"
    "2026-03-02,news,40,10,90,35,20,1\n"
)
SOCIAL = "Date,Campaign,Engagements\n2026-03-02,li,33\n"
SEO = "Date,Backlinks,Referring Domains\n2026-03-01,900,80\n2026-03-08,950,82\n"


def test_the_import_form_offers_every_stat_resource(workspace, member_client):
    html = member_client.get(url(workspace)).content.decode()
    for name in ("email-stats", "web-stats", "social-stats", "seo-stats"):
        assert f'value="{name}"' in html


def test_export_columns_map_to_the_stats_fields_and_engaged_sessions_are_not_bounces():
    assert imports.auto_mapping("email-stats", EMAIL.splitlines()[0].split(",")) == [
        "campaign", "date", "sent", "bounces", "unique_opens", "unique_clicks", "unsubscribes", "spam",
    ]  # fmt: skip
    assert imports.auto_mapping("web-stats", WEB.splitlines()[0].split(",")) == [
        "date", "campaign", "sessions", "bounced_sessions", "page_views", "users", "new_users", "content_downloads",
    ]  # fmt: skip
    # Engaged sessions are the complement of bounced ones: never mapped to them.
    assert imports.auto_mapping("web-stats", ["Engaged sessions", "Screen page views", "Active users"]) == [
        "", "page_views", "users",
    ]  # fmt: skip
    assert imports.auto_mapping("email-stats", ["Emails sent", "Spam complaints", "Opens"]) == [
        "sent", "spam", "unique_opens",
    ]  # fmt: skip
    assert imports.auto_mapping("seo-stats", ["Date", "Ref domains", "Backlinks"]) == [
        "date", "referring_domains", "backlinks",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("resource", "content", "model", "fields", "expected"),
    [
        (
            "email-stats",
            EMAIL,
            EmailStat,
            ("date", "sent", "bounces", "unique_opens", "unique_clicks", "unsubscribes", "spam"),
            [(date(2026, 3, 2), 1000, 12, 400, 90, 3, 1), (date(2026, 3, 9), 1200, 10, 420, 100, 2, 0)],
        ),
        (
            "web-stats",
            WEB,
            WebStat,
            ("sessions", "bounced_sessions", "page_views", "users", "new_users", "content_downloads", "campaign_id"),
            [(40, 10, 90, 35, 20, 1, "news"), (500, 200, 1500, 420, 300, 12, None)],
        ),
        ("social-stats", SOCIAL, SocialStat, ("date", "engagements"), [(date(2026, 3, 2), 33)]),
        (
            "seo-stats",
            SEO,
            SeoStat,
            ("date", "backlinks", "referring_domains"),
            [(date(2026, 3, 1), 900, 80), (date(2026, 3, 8), 950, 82)],
        ),
    ],
)
def test_a_csv_of_each_stat_resource_imports(workspace, member_client, resource, content, model, fields, expected):
    CampaignFactory(workspace=workspace, external_id="news", channel="email")
    CampaignFactory(workspace=workspace, external_id="li", channel="organic_social")
    job = uploaded_job(member_client, workspace, resource, content)
    assert "" not in job.mapping
    assert confirm(member_client, workspace, job).status_code == 302
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.created_count, job.updated_count) == (len(expected), 0)
    with workspace_scope(workspace):
        found = [
            tuple(obj.campaign.external_id if f == "campaign_id" and obj.campaign else getattr(obj, f) for f in fields)
            for obj in model.objects.order_by("sessions" if model is WebStat else "date")
        ]
    assert found == expected


def test_a_stat_row_breaking_a_rule_fails_the_import_naming_row_and_column(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="news", channel="email")
    job = uploaded_job(member_client, workspace, "email-stats", EMAIL.replace("1200,10,420,100", "1200,10,420,1300"))
    confirm(member_client, workspace, job)
    job = refreshed(workspace, job)
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"], e["field"]) for e in job.errors] == [(3, "Unique Clicks", "unique_clicks")]
    with workspace_scope(workspace):
        assert not EmailStat.objects.exists()


def test_an_seo_file_without_one_level_keeps_the_stored_one(workspace, member_client):
    SeoStatFactory(workspace=workspace, date=date(2026, 3, 1), backlinks=1, referring_domains=77)
    job = uploaded_job(member_client, workspace, "seo-stats", "Date,Backlinks\n2026-03-01,905\n")
    confirm(member_client, workspace, job)
    assert refreshed(workspace, job).status == ImportJob.Status.DONE
    with workspace_scope(workspace):
        assert list(SeoStat.objects.values_list("backlinks", "referring_domains")) == [(905, 77)]
