"""Reaching into another workspace through bodies, filters and exports: always 400/404, never a row of it.

Workspace A (`refs`, the `api_client` key) and workspace B (`other_refs`) each
have a campaign, an account and a lead; B's are named `…-other`. A also has a
campaign whose external_id B uses too (`shared`), to show a reference always
resolves inside the caller's workspace.
"""

from __future__ import annotations

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Account, Campaign, Deal, Lead, SpendEntry, Touchpoint
from tests.campaigns.conftest import SAMPLES

B = {"campaign": "base-campaign-other", "account": "base-account-other", "lead": "base-lead-other"}


@pytest.fixture
def two(refs, other_refs, post, api_client, other_api_client):
    for client, name in ((api_client, "A's"), (other_api_client, "B's")):
        post(client, "campaigns", {"external_id": "shared", "name": f"{name} shared", "channel": "seo"})
    post(other_api_client, "deals", {"external_id": "b-deal", "account": B["account"], "lead": B["lead"],
                                     "amount": "5", "created_at": "2024-05-01T00:00:00Z"})  # fmt: skip
    post(other_api_client, "touchpoints", {"kind": "page_view", "occurred_at": "2024-05-01T10:00:00Z",
                                           "campaign": B["campaign"], "visitor_id": "b-visitor"})  # fmt: skip
    return refs, other_refs


def _counts(workspace) -> tuple[int, ...]:
    with workspace_scope(workspace):
        return tuple(model.objects.count() for model in (Campaign, Account, Lead, Deal, SpendEntry, Touchpoint))


REFERENCES = [
    (resource, field, target)
    for resource, field, target in [
        ("spend", "campaign", "campaign"),
        ("leads", "account", "account"),
        ("leads", "source_campaign", "campaign"),
        ("deals", "account", "account"),
        ("deals", "lead", "lead"),
        ("deals", "source_campaign", "campaign"),
        ("touchpoints", "campaign", "campaign"),
        ("touchpoints", "lead", "lead"),
        ("touchpoints", "account", "account"),
    ]
]


@pytest.mark.parametrize(("resource", "field", "target"), REFERENCES)
def test_creating_with_another_workspaces_reference_is_400_and_writes_nothing(
    two, api_client, post, resource, field, target
):
    a, b = two
    before = (_counts(a), _counts(b))
    body = {**SAMPLES[resource].make(1), field: B[target]}
    response = post(api_client, resource, [SAMPLES[resource].make(2), body])
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (1, field, "unknown_reference")
    assert B[target] in error["message"]
    assert (_counts(a), _counts(b)) == before


@pytest.mark.parametrize(("resource", "field", "target"), [r for r in REFERENCES if r[0] != "spend"])
def test_updating_to_another_workspaces_reference_is_400_and_changes_nothing(
    two, api_client, post, resource, field, target
):
    sample = SAMPLES[resource]
    obj = sample.make(1)
    assert post(api_client, resource, obj).status_code == 200
    path = sample.path(obj)
    before = api_client.get(path).json()
    response = api_client.patch(path, {field: B[target]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_reference"
    assert api_client.get(path).json() == before


def test_a_shared_external_id_resolves_inside_the_callers_workspace(two, api_client, post):
    a, b = two
    post(api_client, "touchpoints", {"kind": "ad_click", "occurred_at": "2024-05-02T10:00:00Z", "campaign": "shared"})
    with workspace_scope(a):
        (touch,) = Touchpoint.objects.filter(kind="ad_click")
        assert touch.campaign.workspace_id == a.pk and touch.campaign.name == "A's shared"
    with workspace_scope(b):
        assert not Touchpoint.objects.filter(kind="ad_click").exists()


@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/api/v1/spend/", "campaign", B["campaign"]),
        ("/api/v1/leads/", "account", B["account"]),
        ("/api/v1/leads/", "source_campaign", B["campaign"]),
        ("/api/v1/deals/", "account", B["account"]),
        ("/api/v1/deals/", "source_campaign", B["campaign"]),
        ("/api/v1/touchpoints/", "campaign", B["campaign"]),
        ("/api/v1/touchpoints/", "lead", B["lead"]),
        ("/api/v1/touchpoints/", "account", B["account"]),
    ],
)
def test_filtering_a_list_by_another_workspaces_id_is_400(two, api_client, path, param, value):
    response = api_client.get(path, {param: value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == param
    assert value in response.json()["errors"][0]["message"]


def test_filtering_by_a_shared_id_lists_only_the_callers_rows(two, api_client, other_api_client):
    other_api_client.post(
        "/api/v1/touchpoints/",
        {"kind": "page_view", "occurred_at": "2024-05-03T10:00:00Z", "campaign": "shared"},
        format="json",
    )
    assert api_client.get("/api/v1/touchpoints/", {"campaign": "shared"}).json()["results"] == []
    assert len(other_api_client.get("/api/v1/touchpoints/", {"campaign": "shared"}).json()["results"]) == 1


def test_kpis_narrowed_to_another_workspaces_campaign_is_400(two, api_client):
    params = {"from": "2024-05-01", "to": "2024-05-31", "campaign": B["campaign"]}
    # Each endpoint gets only its own parameters: an unknown one is a 400 of its own.
    for path, extra in (("/api/v1/kpis/", {}), ("/api/v1/kpis/timeseries/", {"metric": "spend", "grain": "day"})):
        response = api_client.get(path, {**params, **extra})
        assert response.status_code == 400
        assert B["campaign"] in str(response.json())


@pytest.mark.parametrize("resource", ["campaigns", "accounts", "leads", "deals"])
def test_csv_exports_hold_no_row_of_another_workspace(two, member_client, resource):
    slug = two[0].slug
    for query in ("", f"&campaign={B['campaign']}", "&q=other"):
        response = member_client.get(f"/w/{slug}/data/{resource}/?export=csv{query}")
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode()
        assert "-other" not in text and "B's" not in text and "b-deal" not in text


def test_dashboard_exports_ignore_another_workspaces_campaign(two, member_client):
    slug = two[0].slug
    response = member_client.get(f"/w/{slug}/?range=custom&from=2024-05-01&to=2024-05-31&campaign={B['campaign']}")
    assert response.status_code == 200
    assert "No such campaign in this workspace" in response.content.decode()
    export = member_client.get(f"/w/{slug}/?range=custom&from=2024-05-01&to=2024-05-31&export=kpis")
    assert export.status_code == 200
    assert B["campaign"] not in export.content.decode()


def test_another_workspaces_objects_are_404_to_read_change_and_delete(two, api_client):
    for path in ("/api/v1/campaigns/base-campaign-other/", "/api/v1/deals/b-deal/", "/api/v1/leads/base-lead-other/"):
        assert api_client.get(path).status_code == 404
        assert api_client.patch(path, {"name": "mine now"}, format="json").status_code == 404
        assert api_client.delete(path).status_code == 404
    with workspace_scope(two[1]):
        assert Deal.objects.filter(external_id="b-deal").exists()
