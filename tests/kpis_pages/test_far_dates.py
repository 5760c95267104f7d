"""Far dates on every page, chart, export and KPI API route: a clear message or a 400, never a 500.

The routes come from the URL resolver (every GET view of the `kpis` app, the
agency overview and the dashboard included), so a new page is tested here
without anyone listing it. Dates outside 1900-01-01..2999-12-31 (the years
ingestion accepts) are refused; the edges of that range answer normally.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from accounts.tenancy import workspace_scope
from campaigns.models import DealStatus
from kpis.services import recompute_rollups
from kpis.targets import Target, target_set
from tests.data_factories import T0, AccountFactory, CampaignFactory, DealFactory, LeadFactory, TouchpointFactory

FIRST, LAST = date(1900, 1, 1), date(2999, 12, 31)
MESSAGE = "between 1900-01-01 and 2999-12-31"
OUTSIDE = [
    ("0001-01-01", "0001-01-10"),
    ("1000-01-01", "1000-01-02"),
    ("1899-12-31", "1900-01-31"),
    ("2026-01-01", "3000-01-01"),
    ("2999-12-31", "3000-01-01"),
    ("9999-12-20", "9999-12-31"),
    ("9999-12-30", "9999-12-31"),
]
EDGES = [("1900-01-01", "1900-01-31"), ("1900-01-01", "1900-01-01"), ("2999-12-01", "2999-12-31")]
CAMPAIGN = "cmp-far"


def _views(patterns, prefix: str = ""):
    """(route, view class) of every URL pattern, nested includes flattened."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "view_class"):
            yield route, pattern.callback.view_class


# KPI-app views that read no date range from the query string (annotations carry their own dates,
# validated as fields: tests/kpis_annotations; the dashboard layout editor has none).
NO_RANGE_MODULES = ("kpis.annotations_api", "kpis.views.annotations", "kpis.views.layout_editor")


def _reads_get(view) -> bool:
    return (
        view.__module__.startswith("kpis.")
        and view.__module__ not in NO_RANGE_MODULES
        and "get" in view.http_method_names
        and hasattr(view, "get")
    )


ROUTE_ARGUMENTS = {"<slug:workspace_slug>": "acme", "<path:campaign_external_id>": CAMPAIGN}


def _url(route: str) -> str:
    for placeholder, value in ROUTE_ARGUMENTS.items():
        route = route.replace(placeholder, value)
    assert "<" not in route, f"give {route} an argument in ROUTE_ARGUMENTS"
    return "/" + route


ROUTES = sorted((route, view) for route, view in _views(get_resolver().url_patterns) if _reads_get(view))
PAGES = [_url(route) for route, view in ROUTES if not view.__module__.startswith("kpis.api")]
API = [(_url(route), view) for route, view in ROUTES if view.__module__.startswith("kpis.api")]


def test_the_route_lists_cover_every_page_chart_and_api_route():
    """The resolver walk finds what the app serves (so the tests below cannot pass on an empty list)."""
    assert {"/", "/w/acme/", "/w/acme/report/", "/w/acme/abm/", "/w/acme/attribution/", "/w/acme/targets/",
            "/w/acme/campaigns/", f"/w/acme/campaigns/{CAMPAIGN}/", "/w/acme/records/customers/",
            "/w/acme/charts/velocity/"} <= set(PAGES)  # fmt: skip
    assert len(PAGES) >= 23
    assert {url for url, _view in API} == {
        "/api/v1/kpis/",
        "/api/v1/kpis/timeseries/",
        "/api/v1/kpis/forecast/",
        "/api/v1/kpis/attribution/",
        "/api/v1/kpis/accounts/",
        "/api/v1/kpis/pages/",
    }


@pytest.fixture
def data(workspace):
    """A little of everything, with rollups (the ABM score reads their decay reference)."""
    campaign = CampaignFactory(workspace=workspace, external_id=CAMPAIGN)
    account = AccountFactory(workspace=workspace, is_target=True)
    lead = LeadFactory(workspace=workspace, account=account, source_campaign=campaign)
    DealFactory(
        workspace=workspace, account=account, lead=lead, source_campaign=campaign, status=DealStatus.WON,
        closed_at=T0 + timedelta(days=2),
    )  # fmt: skip
    TouchpointFactory(workspace=workspace, kind="email_click", campaign=campaign, lead=lead, account=account)
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 1, 1), value=Decimal(5))
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def _range(first: str, last: str) -> str:
    return f"range=custom&from={first}&to={last}"


def _message_shown(response) -> bool:
    if response["Content-Type"].startswith("application/json"):
        return any(MESSAGE in error for error in json.loads(response.content)["errors"])
    return MESSAGE in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_a_page_answers_far_dates_with_the_default_range_and_a_message(data, member_client, url):
    for first, last in OUTSIDE:
        response = member_client.get(f"{url}?{_range(first, last)}")
        assert response.status_code == 200, (url, first, last)
        assert _message_shown(response), (url, first, last)
    for first, last in EDGES:
        response = member_client.get(f"{url}?{_range(first, last)}")
        assert response.status_code == 200, (url, first, last)
        assert not _message_shown(response), (url, first, last)


EXPORTS = [
    "/w/acme/?export=kpis",
    "/w/acme/?export=target-progress",
    "/w/acme/report/?export=kpis",
    "/w/acme/campaigns/?export=campaigns",
    f"/w/acme/campaigns/{CAMPAIGN}/?export=deals",
    "/w/acme/abm/?export=accounts",
    "/w/acme/abm/?show=mqa&export=accounts",
    "/w/acme/attribution/?export=campaigns",
    "/w/acme/attribution/?export=reconciliation",
    "/w/acme/web/?export=pages",
    "/w/acme/targets/?export=targets",
    "/w/acme/records/deals/?status=open&export=deals",
    "/w/acme/records/customers/?export=customers",
    "/?export=workspaces",
    "/w/acme/charts/spend-leads/?format=csv",
    "/w/acme/charts/abm/?format=csv",
]


@pytest.mark.parametrize("url", EXPORTS)
def test_an_export_falls_back_like_its_page(data, member_client, url):
    """The page's export link repeats the page's query: it exports what the page shows (the default range)."""
    for first, last in OUTSIDE + EDGES:
        response = member_client.get(f"{url}&{_range(first, last)}")
        assert response.status_code == 200, (url, first, last)
        assert response["Content-Type"].startswith("text/csv")
        if (first, last) in OUTSIDE:  # a dated file name names the range exported, never the refused one
            assert last not in response["Content-Disposition"]


def _params(view, first: str, last: str) -> tuple[dict[str, str], list[str]]:
    """An API view's query parameters (the dates given, the first choice of a required choice) and its date ones."""
    params, dates = {}, []
    for name, field in view.query_serializer().get_fields().items():
        if isinstance(field, serializers.DateField):
            params[name] = last if name == "to" else first
            dates.append(name)
        elif isinstance(field, serializers.ChoiceField) and field.required:
            params[name] = next(iter(field.choices))
    return params, dates


@pytest.mark.parametrize(("url", "view"), API, ids=[url for url, _view in API])
def test_the_kpi_api_refuses_far_dates_with_a_field_message(data, api_client, url, view):
    for first, last in OUTSIDE:
        params, dates = _params(view, first, last)
        response = api_client.get(url, params)
        refused = [name for name in dates if not FIRST <= date.fromisoformat(params[name]) <= LAST]
        if not refused:  # `at` alone may be inside the range
            assert response.status_code == 200, (url, params, response.content[:300])
            continue
        assert response.status_code == 400, (url, params, response.content[:300])
        body = response.json()
        assert set(refused) <= set(body), (url, params, body)
        assert all(MESSAGE in message for name in refused for message in body[name]), body
    for first, last in EDGES:
        params, _dates = _params(view, first, last)
        response = api_client.get(url, params)
        assert response.status_code == 200, (url, params, response.content[:300])


@pytest.mark.parametrize("starts_on", ["0001-03-01", "1899-12-01", "3000-01-01", "9999-12-01"])
def test_a_target_outside_the_dates_is_a_form_error(workspace, member_client, starts_on):
    data = {"kpi": "leads", "period_kind": "year", "starts_on": starts_on, "value": "1"}
    response = member_client.post("/w/acme/targets/", data)
    assert response.status_code == 400
    assert MESSAGE in " ".join(response.context["form"].errors["starts_on"])
    with workspace_scope(workspace):
        assert not Target.objects.exists()


def test_scores_survive_the_widest_window_and_shortest_half_life(data, member_client, api_client):
    """A window longer than the calendar and a one-day half-life read every edge without overflowing."""
    data.engagement_window_days, data.half_life_days = 2**31 - 1, 1
    data.save()
    recompute_rollups(workspace_id=data.pk)
    for first, last in EDGES:
        assert member_client.get(f"/w/acme/abm/?{_range(first, last)}").status_code == 200, (first, last)
        for at in (first, last):
            assert api_client.get("/api/v1/kpis/accounts/", {"at": at}).status_code == 200, at
