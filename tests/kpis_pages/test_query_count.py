"""The workspace dashboard's number of SQL queries grows with neither campaigns nor the range."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis.targets import target_set
from sampledata.scales import SCALES
from tests.factories import AgencyMembershipFactory, WorkspaceFactory
from tests.kpis_pages.conftest import seed


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_dashboard_queries_do_not_grow_with_campaigns_or_range(workspace, client_for):
    from datetime import date
    from decimal import Decimal

    bigger = WorkspaceFactory(agency=workspace.agency, slug="bigger")
    seed(workspace, scale=SCALES["tiny"])
    seed(bigger, scale=SCALES["tiny"].times(2), seed_value=2)
    for ws in (workspace, bigger):
        target_set(workspace=ws, kpi="leads", period_kind="month", starts_on=date.today(), value=Decimal(10))
    client = client_for(AgencyMembershipFactory(agency=workspace.agency, role="owner").user)
    counts = {
        (slug, preset): queries(client, f"/w/{slug}/?range={preset}")
        for slug in ("acme", "bigger")
        for preset in ("last_7", "last_90", "ytd")
    }
    assert len(set(counts.values())) == 1, counts
    # Narrowed to a campaign or a channel: also constant (and no more than the whole workspace).
    narrowed = {queries(client, f"/w/{slug}/?range=last_90&channel=email") for slug in ("acme", "bigger")}
    assert len(narrowed) == 1 and narrowed.pop() <= counts["acme", "last_90"]


def test_agency_overview_queries_grow_only_with_workspaces(workspace, client_for):
    second = WorkspaceFactory(agency=workspace.agency, slug="second")
    seed(workspace, scale=SCALES["tiny"])
    seed(second, scale=SCALES["tiny"].times(2), seed_value=2)
    client = client_for(AgencyMembershipFactory(agency=workspace.agency, role="owner").user)
    assert queries(client, "/?range=last_7") == queries(client, "/?range=ytd")


def test_report_queries_do_not_grow_with_campaigns_or_range(workspace, client_for):
    bigger = WorkspaceFactory(agency=workspace.agency, slug="bigger")
    seed(workspace, scale=SCALES["tiny"])
    seed(bigger, scale=SCALES["tiny"].times(2), seed_value=2)
    client = client_for(AgencyMembershipFactory(agency=workspace.agency, role="owner").user)
    counts = {
        (slug, preset): queries(client, f"/w/{slug}/report/?range={preset}")
        for slug in ("acme", "bigger")
        for preset in ("last_7", "ytd")
    }
    assert len(set(counts.values())) == 1, counts


def test_the_report_reads_each_period_once(workspace, client_for, monkeypatch):
    """The range and the one comparison period chosen (`compare`): one KPI read each, none for no comparison."""
    from kpis import selectors

    seed(workspace, scale=SCALES["tiny"])
    client = client_for(AgencyMembershipFactory(agency=workspace.agency, role="owner").user)
    reads = []
    original = selectors.kpis_for_period

    def counted(**kwargs):
        reads.append((kwargs["first_day"], kwargs["last_day"]))
        return original(**kwargs)

    monkeypatch.setattr(selectors, "kpis_for_period", counted)
    assert client.get("/w/acme/report/?range=last_30").status_code == 200
    assert len(reads) == len(set(reads)) == 2, reads
    reads.clear()
    assert client.get("/w/acme/report/?range=custom&from=2026-03-01&to=2026-03-31&compare=last_year").status_code == 200
    assert reads == [(date(2026, 3, 1), date(2026, 3, 31)), (date(2025, 3, 1), date(2025, 3, 31))]
    reads.clear()
    assert client.get("/w/acme/report/?range=last_30&compare=none").status_code == 200
    assert len(reads) == 1
