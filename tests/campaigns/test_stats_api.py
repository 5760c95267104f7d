"""The daily aggregate stats resources (KPI_SPEC, API): upserts by key, the rules, addressing, tenancy."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import DataChange, EmailStat, SeoStat, SocialStat, WebStat
from tests.data_factories import CampaignFactory, EmailStatFactory, SeoStatFactory, WebStatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns(workspace):
    return (
        CampaignFactory(workspace=workspace, external_id="news", channel="email"),
        CampaignFactory(workspace=workspace, external_id="li", channel="paid_social"),
    )


def rows(workspace, model, *fields):
    with workspace_scope(workspace):
        return sorted(model.objects.values_list(*fields), key=lambda row: [(v is not None, v) for v in row])


def test_email_stats_upsert_replaces_the_row_of_the_same_campaign_and_date(api_client, workspace, campaigns):
    first = {"campaign": "news", "date": "2026-03-02", "sent": 100, "bounces": 4, "unique_opens": 30, "spam": 1}
    response = api_client.post("/api/v1/email-stats/", [first, {**first, "date": "2026-03-03"}], format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0}
    # The same key again: replaced whole (a field left out goes back to 0).
    response = api_client.post(
        "/api/v1/email-stats/", {"campaign": "news", "date": "2026-03-02", "sent": 80}, format="json"
    )
    assert response.json() == {"created": 0, "updated": 1}
    assert rows(workspace, EmailStat, "date", "sent", "bounces", "unique_opens", "spam") == [
        (date(2026, 3, 2), 80, 0, 0, 0),
        (date(2026, 3, 3), 100, 4, 30, 1),
    ]


def test_web_stats_without_campaign_are_one_row_per_date(api_client, workspace, campaigns):
    site = {"date": "2026-03-02", "sessions": 50, "bounced_sessions": 20, "users": 40, "new_users": 10}
    tagged = {**site, "campaign": "news", "sessions": 5, "bounced_sessions": 1}
    assert api_client.post("/api/v1/web-stats/", [site, tagged], format="json").json() == {"created": 2, "updated": 0}
    # "No campaign" is a key value of its own: a second push for the date replaces that row, null or left out.
    again = {**site, "campaign": None, "sessions": 60}
    assert api_client.post("/api/v1/web-stats/", again, format="json").json() == {"created": 0, "updated": 1}
    assert api_client.post("/api/v1/web-stats/", {**site, "sessions": 70}, format="json").json() == {
        "created": 0,
        "updated": 1,
    }
    assert rows(workspace, WebStat, "campaign__external_id", "sessions") == [(None, 70), ("news", 5)]
    # The same no-campaign key twice in one request is refused, as any repeated key.
    response = api_client.post("/api/v1/web-stats/", [site, site], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 1


def test_social_and_seo_stats_upsert(api_client, workspace, campaigns):
    social = {"campaign": "li", "date": "2026-03-02", "engagements": 12}
    assert api_client.post("/api/v1/social-stats/", social, format="json").json() == {"created": 1, "updated": 0}
    assert api_client.post("/api/v1/social-stats/", {**social, "engagements": 15}, format="json").json()["updated"] == 1
    seo = {"date": "2026-03-02", "backlinks": 900, "referring_domains": 80}
    assert api_client.post("/api/v1/seo-stats/", seo, format="json").json() == {"created": 1, "updated": 0}
    assert api_client.post("/api/v1/seo-stats/", {**seo, "backlinks": 950}, format="json").json()["updated"] == 1
    assert rows(workspace, SocialStat, "engagements") == [(15,)]
    assert rows(workspace, SeoStat, "date", "backlinks", "referring_domains") == [(date(2026, 3, 2), 950, 80)]


@pytest.mark.parametrize(
    ("resource", "item", "field"),
    [
        ("email-stats", {"campaign": "news", "sent": 10, "bounces": 11}, "bounces"),
        ("email-stats", {"campaign": "news", "sent": 10, "unique_clicks": 11}, "unique_clicks"),
        ("web-stats", {"sessions": 10, "bounced_sessions": 11}, "bounced_sessions"),
        ("web-stats", {"users": 10, "new_users": 11}, "new_users"),
        ("social-stats", {"campaign": "li", "engagements": -1}, "engagements"),
        ("seo-stats", {"backlinks": 1.5}, "backlinks"),
    ],
)
def test_a_row_breaking_a_rule_is_refused_with_its_index_and_field_and_nothing_is_written(
    api_client, workspace, campaigns, resource, item, field
):
    good = {k: v for k, v in item.items() if k == "campaign"}
    batch = [{**good, "date": "2026-03-01"}, {**item, "date": "2026-03-02"}]
    response = api_client.post(f"/api/v1/{resource}/", batch, format="json")
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, field)]
    model = {"email-stats": EmailStat, "web-stats": WebStat, "social-stats": SocialStat, "seo-stats": SeoStat}
    assert rows(workspace, model[resource], "id") == []


def test_an_unknown_campaign_is_a_400_that_names_it(api_client, workspace, campaigns, other_workspace):
    CampaignFactory(workspace=other_workspace, external_id="theirs")
    for resource in ("email-stats", "web-stats", "social-stats"):
        response = api_client.post(f"/api/v1/{resource}/", {"campaign": "theirs", "date": "2026-03-02"}, format="json")
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert (error["field"], error["code"]) == ("campaign", "unknown_reference")
        assert "theirs" in error["message"]
    # A campaign is required of email and social stats.
    response = api_client.post("/api/v1/email-stats/", {"date": "2026-03-02"}, format="json")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("campaign", "required")]


def test_one_stat_by_campaign_and_date_get_patch_delete(api_client, workspace, campaigns):
    news, _ = campaigns
    EmailStatFactory(workspace=workspace, campaign=news, date=date(2026, 3, 2), sent=100, bounces=3)
    url = "/api/v1/email-stats/news/2026-03-02/"
    body = api_client.get(url).json()
    assert (body["campaign"], body["date"], body["sent"], body["bounces"]) == ("news", "2026-03-02", 100, 3)
    response = api_client.patch(url, {"unique_opens": 40}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["sent"], response.json()["bounces"], response.json()["unique_opens"]) == (100, 3, 40)
    # A PATCH is checked against the stored fields too.
    response = api_client.patch(url, {"sent": 2}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "bounces"
    response = api_client.patch(url, {"date": "2026-03-03"}, format="json")
    assert (response.status_code, response.json()["errors"][0]["code"]) == (400, "immutable")
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404
    assert api_client.get("/api/v1/email-stats/news/2026-3-2/").status_code == 404


def test_the_web_stat_without_campaign_and_the_seo_stat_are_addressed_by_a_dash(api_client, workspace, campaigns):
    WebStatFactory(workspace=workspace, campaign=None, date=date(2026, 3, 2), sessions=9)
    WebStatFactory(workspace=workspace, campaign=campaigns[0], date=date(2026, 3, 2), sessions=4)
    SeoStatFactory(workspace=workspace, date=date(2026, 3, 2), backlinks=500)
    assert api_client.get("/api/v1/web-stats/-/2026-03-02/").json()["sessions"] == 9
    assert api_client.get("/api/v1/web-stats/-/2026-03-02/").json()["campaign"] is None
    assert api_client.get("/api/v1/web-stats/news/2026-03-02/").json()["sessions"] == 4
    response = api_client.patch("/api/v1/web-stats/-/2026-03-02/", {"sessions": 11, "campaign": None}, format="json")
    assert response.status_code == 200, response.content
    assert rows(workspace, WebStat, "campaign__external_id", "sessions") == [(None, 11), ("news", 4)]
    assert api_client.get("/api/v1/seo-stats/-/2026-03-02/").json()["backlinks"] == 500
    assert api_client.patch("/api/v1/seo-stats/-/2026-03-02/", {"backlinks": 510}, format="json").status_code == 200
    assert api_client.delete("/api/v1/seo-stats/-/2026-03-02/").status_code == 204
    assert api_client.delete("/api/v1/web-stats/-/2026-03-02/").status_code == 204
    assert rows(workspace, WebStat, "campaign__external_id") == [("news",)]


def test_another_tenants_stats_are_404_and_invisible(api_client, other_api_client, workspace, campaigns):
    news, _ = campaigns
    EmailStatFactory(workspace=workspace, campaign=news, date=date(2026, 3, 2))
    WebStatFactory(workspace=workspace, campaign=None, date=date(2026, 3, 2))
    SeoStatFactory(workspace=workspace, date=date(2026, 3, 2))
    for url in (
        "/api/v1/email-stats/news/2026-03-02/",
        "/api/v1/web-stats/-/2026-03-02/",
        "/api/v1/seo-stats/-/2026-03-02/",
    ):
        assert api_client.get(url).status_code == 200
        for method in ("get", "patch", "delete"):
            assert getattr(other_api_client, method)(url).status_code == 404, (method, url)
    for resource in ("email-stats", "web-stats", "seo-stats"):
        assert other_api_client.get(f"/api/v1/{resource}/").json()["results"] == []
    # Nor can the other key write to this workspace's campaign: it is unknown there.
    response = other_api_client.post("/api/v1/email-stats/", {"campaign": "news", "date": "2026-03-02"}, format="json")
    assert response.status_code == 400


def test_lists_filter_by_campaign_and_dates(api_client, workspace, campaigns):
    news, li = campaigns
    for day in (1, 2, 3):
        EmailStatFactory(workspace=workspace, campaign=news, date=date(2026, 3, day))
    EmailStatFactory(workspace=workspace, campaign=li, date=date(2026, 3, 2))
    body = api_client.get("/api/v1/email-stats/", {"campaign": "news", "date_from": "2026-03-02"}).json()
    assert [(r["campaign"], r["date"]) for r in body["results"]] == [("news", "2026-03-02"), ("news", "2026-03-03")]
    response = api_client.get("/api/v1/email-stats/", {"campaign": "nope"})
    assert response.status_code == 400


def test_a_write_records_its_old_and_new_dates_for_the_recompute(api_client, workspace, campaigns):
    api_client.post("/api/v1/web-stats/", {"date": "2026-03-02", "sessions": 1}, format="json")
    api_client.delete("/api/v1/web-stats/-/2026-03-02/")
    with workspace_scope(workspace):
        changes = sorted(DataChange.objects.values_list("first_day", "last_day"))
    assert changes == [(date(2026, 3, 2), date(2026, 3, 2))] * 2
