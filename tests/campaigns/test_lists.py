"""Lists: cursor pagination, filters, and how objects are rendered."""

from __future__ import annotations

import pytest


@pytest.fixture
def data(refs, api_client, post):
    post(
        api_client,
        "campaigns",
        [
            {"external_id": "mail", "name": "Mail", "channel": "email", "budget": 1200},
            {"external_id": "ads", "name": "Ads", "channel": "paid_search", "is_abm": True},
        ],
    )
    post(
        api_client,
        "accounts",
        [{"external_id": "t1", "name": "Target", "is_target": True}, {"external_id": "n1", "name": "Other"}],
    )
    post(
        api_client,
        "deals",
        [
            {"external_id": "open", "account": "t1", "amount": "10", "created_at": "2024-05-01T00:00:00Z"},
            {
                "external_id": "won",
                "account": "t1",
                "source_campaign": "mail",
                "amount": "99.5",
                "status": "won",
                "created_at": "2024-05-01T00:00:00Z",
                "closed_at": "2024-05-20T00:00:00Z",
            },
        ],
    )
    post(
        api_client,
        "touchpoints",
        [
            {"kind": "email_open", "occurred_at": f"2024-05-{day:02d}T12:00:00Z", "campaign": "mail"}
            for day in range(1, 11)
        ]
        + [{"kind": "ad_click", "occurred_at": "2024-05-05T12:00:00Z", "campaign": "ads"}],
    )
    return refs


def _results(api_client, path, **params):
    response = api_client.get(path, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_filters(data, api_client):
    assert [c["external_id"] for c in _results(api_client, "/api/v1/campaigns/", channel="paid_search")] == ["ads"]
    assert [c["external_id"] for c in _results(api_client, "/api/v1/campaigns/", is_abm="true")] == ["ads"]
    assert [a["external_id"] for a in _results(api_client, "/api/v1/accounts/", is_target="true")] == ["t1"]
    assert [d["external_id"] for d in _results(api_client, "/api/v1/deals/", status="won")] == ["won"]
    assert [d["external_id"] for d in _results(api_client, "/api/v1/deals/", source_campaign="mail")] == ["won"]
    assert len(_results(api_client, "/api/v1/touchpoints/", kind="email_open")) == 10
    assert (
        len(
            _results(
                api_client,
                "/api/v1/touchpoints/",
                campaign="mail",
                occurred_from="2024-05-03",
                occurred_to="2024-05-05",
            )
        )
        == 3
    )
    assert len(_results(api_client, "/api/v1/touchpoints/", campaign="ads")) == 1
    unknown = api_client.get("/api/v1/touchpoints/", {"campaign": "nope"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "campaign" and "nope" in unknown.json()["errors"][0]["message"]
    assert len(_results(api_client, "/api/v1/campaigns/", updated_since="2000-01-01T00:00:00Z")) == 3
    assert _results(api_client, "/api/v1/campaigns/", updated_since="2999-01-01T00:00:00Z") == []


def test_rendering_references_and_money(data, api_client):
    won = api_client.get("/api/v1/deals/won/").json()
    assert won["account"] == "t1"
    assert won["source_campaign"] == "mail"
    assert won["lead"] is None
    assert (won["amount"], won["mrr"]) == ("99.50", "0.00")
    assert won["closed_at"] == "2024-05-20T00:00:00Z"
    assert api_client.get("/api/v1/campaigns/mail/").json()["budget"] == "1200.00"
    assert api_client.get("/api/v1/campaigns/ads/").json()["budget"] is None


def test_cursor_pagination_walks_everything_once(data, api_client):
    seen, url, params = [], "/api/v1/touchpoints/", {"page_size": 4}
    while url:
        page = api_client.get(url, params).json()
        seen += [t["occurred_at"] for t in page["results"]]
        url, params = page["next"], None
    assert len(seen) == 11 == len(set(seen)) + 1  # two touchpoints share 2024-05-05T12:00


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "bad"}, "cursor"),
        ({"cursor": "cD1hYmM="}, "cursor"),  # base64 of p=abc: a position that is not an id
        ({"channel": "telepathy"}, "channel"),
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"occurred_from": "2024-13-01"}, "occurred_from"),
        ({"campaign": "nul\x00"}, "campaign"),
    ],
)
def test_invalid_filters_are_400_in_the_errors_shape(params, field, data, api_client):
    path = {
        "channel": "/api/v1/campaigns/",
        "updated_since": "/api/v1/campaigns/",
        "is_target": "/api/v1/accounts/",
    }.get(field, "/api/v1/touchpoints/")
    response = api_client.get(path, params)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field


def test_spend_is_addressed_by_campaign_and_date(refs, api_client, post):
    post(api_client, "campaigns", {"external_id": "a/b c", "name": "Odd id", "channel": "seo"})
    post(api_client, "spend", {"campaign": "a/b c", "date": "2024-05-01", "cost": "3"})
    response = api_client.get("/api/v1/spend/a%2Fb%20c/2024-05-01/")
    assert response.status_code == 200
    assert response.json()["cost"] == "3.00"
    assert api_client.get("/api/v1/spend/a%2Fb%20c/2024-05-02/").status_code == 404
    assert api_client.get("/api/v1/spend/a%2Fb%20c/2024-02-31/").status_code == 404
    assert api_client.get("/api/v1/spend/a%2Fb%20c/yesterday/").status_code == 404
    assert api_client.get("/api/v1/campaigns/a%2Fb%20c/").json()["name"] == "Odd id"


def test_deleting_an_account_with_deals_is_a_409(data, api_client):
    response = api_client.delete("/api/v1/accounts/t1/")
    assert response.status_code == 409
    assert "deals" in response.json()["detail"]
    assert api_client.delete("/api/v1/accounts/n1/").status_code == 204
