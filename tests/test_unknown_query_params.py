"""A query parameter a GET does not know is a 400 that names it and lists the known ones.

Ignoring it would answer a different question without a word: leads are filtered by
`source_campaign`, so `GET /api/v1/leads/?campaign=x` used to list every lead.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.campaigns.conftest import seed_references

LISTS = ["campaigns", "spend", "accounts", "leads", "deals", "touchpoints"]
PERIOD = {"from": "2024-05-01", "to": "2024-05-31"}
KPIS = {
    "/api/v1/kpis/": PERIOD,
    "/api/v1/kpis/timeseries/": {**PERIOD, "metric": "spend", "grain": "week"},
    "/api/v1/kpis/attribution/": {**PERIOD, "model": "linear"},
    "/api/v1/kpis/accounts/": {"at": "2024-05-31"},
    "/api/v1/kpis/pages/": {**PERIOD, "page": "1", "page_size": "10"},
}
# A valid value of each documented list filter (references name the seeded base-… objects).
VALUES = {
    "campaign": "base-campaign",
    "source_campaign": "base-campaign",
    "account": "base-account",
    "lead": "base-lead",
    "domain": "acme.example",
    "page_size": "10",
}


@pytest.fixture(scope="module")
def parameters() -> dict[str, list[dict]]:
    """The query parameters the schema documents, per GET path."""
    openapi = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: [p for p in item["get"].get("parameters", []) if p["in"] == "query"]
        for path, item in openapi["paths"].items()
        if "get" in item
    }


@pytest.fixture
def documented(parameters) -> dict[str, set[str]]:
    return {path: {p["name"] for p in listed} for path, listed in parameters.items()}


@pytest.fixture
def refs(workspace):
    seed_references(workspace)


def _value(parameter: dict) -> str:
    schema = parameter["schema"]
    if parameter["name"] in VALUES:
        return VALUES[parameter["name"]]
    if "enum" in schema:
        return str(schema["enum"][0])
    return {"boolean": "true", "date": "2024-05-01", "date-time": "2024-05-01T00:00:00Z"}[
        schema.get("format", schema["type"])
    ]


def test_leads_filtered_by_campaign_is_refused(api_client, refs):
    response = api_client.get("/api/v1/leads/", {"campaign": "base-campaign"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("campaign", "unknown_parameter")
    assert "Unknown parameter “campaign”" in error["message"] and "source_campaign" in error["message"]


@pytest.mark.parametrize("resource", LISTS)
def test_list_refuses_unknown_parameters_and_lists_the_documented_ones(resource, api_client, refs, documented):
    known = documented[f"/api/v1/{resource}/"]
    assert {"cursor", "page_size"} <= known
    response = api_client.get(f"/api/v1/{resource}/", {"page_size": "5", "sort": "name", "q": "x"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("q", "unknown_parameter"), ("sort", "unknown_parameter")]
    listed = errors[0]["message"].split("Known parameters: ")[1].rstrip(".").split(", ")
    assert set(listed) == known | {"format"}


@pytest.mark.parametrize("resource", LISTS)
def test_list_accepts_every_documented_parameter(resource, api_client, refs, parameters):
    query = {p["name"]: _value(p) for p in parameters[f"/api/v1/{resource}/"] if p["name"] != "cursor"}
    response = api_client.get(f"/api/v1/{resource}/", {**query, "format": "json"})
    assert response.status_code == 200, response.json()
    first = api_client.get(f"/api/v1/{resource}/", {"page_size": 1}).json()
    if first["next"]:
        assert api_client.get(first["next"]).status_code == 200


@pytest.mark.parametrize("page_size", ["0", "1001", "-1", "ten", "1.5", "٣", "", "9" * 5000])
def test_page_size_out_of_bounds_is_refused(page_size, api_client):
    response = api_client.get("/api/v1/campaigns/", {"page_size": page_size})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "page_size" and "1 to 1000" in error["message"]


def test_page_size_at_the_maximum_is_served(api_client, refs):
    response = api_client.get("/api/v1/campaigns/", {"page_size": "1000"})
    assert response.status_code == 200 and len(response.json()["results"]) == 1


@pytest.mark.parametrize("path", list(KPIS))
def test_kpi_endpoints_refuse_unknown_parameters(path, api_client, workspace, documented):
    assert api_client.get(path, {**KPIS[path], "format": "json"}).status_code == 200
    response = api_client.get(path, {**KPIS[path], "campaing": "x"})
    assert response.status_code == 400
    (message,) = response.json()["campaing"]
    assert message.startswith("Unknown parameter “campaing”. Known parameters: ")
    assert set(message.split(": ")[1].rstrip(".").split(", ")) == documented[path] | {"format"}
