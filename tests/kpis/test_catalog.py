"""The KPI catalogue is the one home of a KPI: what it reads, and what the API, schema and pages derive from it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import Channel
from kpis import formulas
from kpis.catalog import KPIS, Kind, kpi
from kpis.selectors import kpis_for_period
from kpis.services import recompute_rollups
from sampledata.seeding import seed_workspace
from tests.clock import SEEDED_NOW
from tests.data_factories import CampaignFactory, LeadFactory, SpendEntryFactory
from tests.kpis_pages.conftest import page_values

# A KPI that exists only in this test: leads per click, spend entries' clicks against leads.
LEADS_PER_CLICK = kpi(
    "leads_per_click",
    "Leads per click",
    "ratio",
    "Cost",
    "leads ÷ clicks",
    lambda v: formulas.ratio(v.leads, v.clicks),
    "components",
    components=("leads", "clicks"),
    panel="Cost",
)


@pytest.fixture
def throwaway_kpi(settings):
    settings.KPI_CATALOGUE_EXTRA = ["tests.kpis.test_catalog.LEADS_PER_CLICK"]
    yield "leads_per_click"
    # The settings fixture restores the setting, and the catalogue reloads with it.


@pytest.fixture
def forty_clicks_ten_leads(workspace):
    """Two spend entries with 40 clicks in all, and 10 leads, in January 2026: 0.25 leads per click."""
    with workspace_scope(workspace):
        campaign = CampaignFactory(workspace=workspace)
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, 5), clicks=25, cost=Decimal(50))
        SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, 6), clicks=15, cost=Decimal(30))
        LeadFactory.create_batch(10, workspace=workspace, source_campaign=campaign)
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def test_a_new_entry_reaches_the_api_the_schema_and_the_dashboard(
    throwaway_kpi, forty_clicks_ten_leads, api_client, member_client
):
    metrics = api_client.get("/api/v1/kpis/?from=2026-01-01&to=2026-01-31").json()["metrics"]
    assert metrics[throwaway_kpi] == 0.25

    points = api_client.get(
        f"/api/v1/kpis/timeseries/?metric={throwaway_kpi}&from=2026-01-05&to=2026-01-06&grain=day"
    ).json()["points"]
    assert [p["value"] for p in points] == [10 / 25, 0 / 15]  # the leads are all dated the 5th

    schema = member_client.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["KpiMetrics"]["properties"][throwaway_kpi] == {
        "type": "number",
        "format": "double",
        "nullable": True,
    }
    timeseries = schema["paths"]["/api/v1/kpis/timeseries/"]["get"]["parameters"]
    assert throwaway_kpi in next(p for p in timeseries if p["name"] == "metric")["schema"]["enum"]

    html = member_client.get("/w/acme/?range=custom&from=2026-01-01&to=2026-01-31").content.decode()
    assert float(page_values(html)[throwaway_kpi]) == 0.25
    assert "Leads per click" in html


def test_without_the_setting_the_entry_is_nowhere(forty_clicks_ten_leads, api_client, member_client):
    assert "leads_per_click" not in KPIS
    metrics = api_client.get("/api/v1/kpis/?from=2026-01-01&to=2026-01-31").json()["metrics"]
    assert "leads_per_click" not in metrics
    schema = member_client.get("/api/schema/?format=json").json()
    assert "leads_per_click" not in schema["components"]["schemas"]["KpiMetrics"]["properties"]


def test_a_repeated_name_is_refused(settings):
    settings.KPI_CATALOGUE_EXTRA = [
        "tests.kpis.test_catalog.LEADS_PER_CLICK",
        "tests.kpis.test_catalog.LEADS_PER_CLICK",
    ]
    with pytest.raises(ValueError, match="repeats"):
        KPIS.names


def test_components_and_layout_names_are_kpis():
    for name, entry in KPIS.items():
        assert set(entry.components) <= set(KPIS), name
        assert entry.reads, f"{name} reads nothing"
    assert KPIS["pipeline_velocity"].kind == Kind.MONEY_PER_DAY and KPIS["pipeline_velocity"].kind.is_money


@pytest.fixture
def generated(workspace):
    seed_workspace(workspace=workspace, scale="tiny", seed=5, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


@pytest.mark.parametrize("scope", ["workspace", "channel"])
def test_each_kpi_read_alone_reads_what_it_needs(generated, scope):
    """A KPI asked for alone reads only its `reads` groups: a group missing from an entry shows as a difference."""
    kwargs = {"channel": Channel.PAID_SEARCH} if scope == "channel" else {}
    first, last = date(2026, 10, 1), date(2026, 11, 30)
    everything = kpis_for_period(workspace=generated, first_day=first, last_day=last, **kwargs)
    assert everything["leads"] and everything["sessions"]  # not vacuous
    assert scope == "channel" or everything["won_revenue"]
    for name in KPIS:
        alone = kpis_for_period(workspace=generated, first_day=first, last_day=last, metrics=[name], **kwargs)
        assert alone == {name: everything[name]}, name


def test_docs_list_every_catalogue_entry_as_the_catalogue_says():
    from django.conf import settings

    from kpis.catalog_doc import render_reference

    document = (settings.BASE_DIR / "docs" / "kpis.md").read_text()
    assert render_reference() in document, "docs/kpis.md is stale: run `manage.py kpi_docs`"
    for name, entry in KPIS.items():
        assert f"| `{name}` | {entry.label} |" in document


def test_a_new_entry_shows_in_the_reference(throwaway_kpi):
    from kpis.catalog_doc import render_reference

    assert "| `leads_per_click` | Leads per click | number | leads ÷ clicks |" in render_reference()
