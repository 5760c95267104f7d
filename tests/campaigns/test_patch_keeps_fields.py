"""A PATCH of one field changes that field only: sent alone, or as a client generated from
/api/schema/ sends it (the field plus every default the PATCH body declares)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from drf_spectacular.generators import SchemaGenerator

# Per resource: an object with every optional field away from its default, its path,
# and one change (field, value sent, value as the API shows it).
OBJECTS: dict[str, tuple[dict[str, Any], str, tuple[str, Any, Any]]] = {
    "campaigns": (
        {
            "external_id": "abm/q2",
            "name": "ABM Q2",
            "channel": "paid_social",
            "is_abm": True,
            "starts_on": "2024-04-01",
            "ends_on": "2024-06-30",
            "budget": "5000.00",
        },
        "campaigns/" + quote("abm/q2", safe=""),
        ("budget", "7500", "7500.00"),
    ),
    "spend": (
        {"campaign": "base-campaign", "date": "2024-05-02", "cost": "10.50", "impressions": 1000, "clicks": 30},
        "spend/base-campaign/2024-05-02",
        ("clicks", 45, 45),
    ),
    "accounts": (
        {
            "external_id": "acc-1",
            "name": "Acme",
            "domain": "acme.example",
            "industry": "Retail",
            "employees": 250,
            "is_target": True,
        },
        "accounts/acc-1",
        ("industry", "Software", "Software"),
    ),
    "leads": (
        {
            "external_id": "lead-1",
            "email": "ann@acme.example",
            "account": "base-account",
            "source_campaign": "base-campaign",
            "created_at": "2024-05-01T10:00:00Z",
            "mql_at": "2024-05-02T10:00:00Z",
            "sql_at": "2024-05-03T10:00:00Z",
            "sqo_at": "2024-05-04T10:00:00Z",
        },
        "leads/lead-1",
        ("email", "ann@globex.example", "ann@globex.example"),
    ),
    "deals": (
        {
            "external_id": "deal-1",
            "account": "base-account",
            "lead": "base-lead",
            "source_campaign": "base-campaign",
            "name": "Acme platform",
            "amount": "1200.00",
            "mrr": "100.00",
            "status": "won",
            "created_at": "2024-05-01T10:00:00Z",
            "closed_at": "2024-05-10T10:00:00Z",
            "churned_at": "2024-08-01T00:00:00Z",
        },
        "deals/deal-1",
        ("name", "Acme platform (renewal)", "Acme platform (renewal)"),
    ),
    "touchpoints": (
        {
            "external_id": "tp-1",
            "kind": "form_submit",
            "occurred_at": "2024-05-01T10:00:00Z",
            "campaign": "base-campaign",
            "lead": "base-lead",
            "account": "base-account",
            "visitor_id": "v1",
            "session_id": "s1",
            "url": "https://example.com/demo",
        },
        "touchpoints/tp-1",
        ("url", "https://example.com/pricing", "https://example.com/pricing"),
    ),
}


@pytest.fixture(scope="module")
def patch_bodies() -> dict[str, dict]:
    """Each resource's PATCH body schema, from the schema /api/schema/ serves."""
    openapi = SchemaGenerator().get_schema(request=None, public=True)
    bodies = {}
    for path, item in openapi["paths"].items():
        if "patch" in item:
            ref = item["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            bodies[path.split("/")[3]] = openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return bodies


def generated_client_body(schema: dict, changes: dict[str, Any]) -> dict[str, Any]:
    """What openapi-python-client sends: required fields (the caller must give them), declared
    defaults for every field left out, then the caller's values."""
    missing = [name for name in schema.get("required", []) if name not in changes]
    assert not missing, f"a generated client cannot PATCH without sending {missing}"
    defaults = {name: prop["default"] for name, prop in schema["properties"].items() if "default" in prop}
    return {**defaults, **changes}


def _shown(response) -> dict[str, Any]:
    assert response.status_code == 200, response.json()
    return {k: v for k, v in response.json().items() if k != "updated_at"}


@pytest.mark.parametrize("resource", list(OBJECTS))
@pytest.mark.parametrize("client_kind", ["one field only", "generated client"])
def test_patching_one_field_keeps_every_other(resource, client_kind, refs, api_client, post, patch_bodies):
    obj, path, (field, value, shown) = OBJECTS[resource]
    assert post(api_client, resource, obj).status_code == 200
    before = _shown(api_client.get(f"/api/v1/{path}/"))
    body = {field: value}
    if client_kind == "generated client":
        body = generated_client_body(patch_bodies[resource], body)
    after = _shown(api_client.patch(f"/api/v1/{path}/", body, format="json"))
    assert after == {**before, field: shown}
    assert _shown(api_client.get(f"/api/v1/{path}/")) == after
