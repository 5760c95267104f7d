"""The dashboard explains what is missing instead of showing zeros."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kpis.services import recompute_rollups
from tests.data_factories import CampaignFactory, LeadFactory, SpendEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def autumn(workspace):
    """Spend and leads in October 2026 only: no web, email, social or won deals, ever."""
    campaign = CampaignFactory(workspace=workspace, external_id="search", channel="paid_search")
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 10, 5), cost="100.00")
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 10, 20), cost="50.00")
    LeadFactory(workspace=workspace, external_id="l1", source_campaign=campaign,
                created_at=datetime(2026, 10, 6, 12, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def test_a_range_without_activity_names_the_days_that_have_some(autumn, member_client):
    html = member_client.get("/w/acme/?range=custom&from=2026-11-01&to=2026-11-30").content.decode()
    assert "No activity between" in html
    assert "run from 5 Oct 2026 to 20 Oct 2026" in html
    assert "?range=custom&amp;from=2026-10-05&amp;to=2026-10-20" in html


def test_a_range_with_activity_has_no_such_notice(autumn, member_client):
    html = member_client.get("/w/acme/?range=custom&from=2026-10-01&to=2026-10-31").content.decode()
    assert "No activity between" not in html
    assert 'data-kpi="spend" data-value="150.00"' in html


def test_panels_without_their_kind_of_data_say_so(autumn, member_client):
    html = member_client.get("/w/acme/?range=custom&from=2026-10-01&to=2026-10-31").content.decode()
    assert "No web data yet: import a GA4 export or push page views." in html
    assert "No email data yet" in html and "No social data yet" in html and "No customers yet" in html
    assert 'data-kpi="page_views"' not in html  # no wall of zeros
    # The kinds of data it has keep their panels.
    assert "No spend yet" not in html and "No leads yet" not in html
    assert 'data-kpi="cpc"' in html


def test_a_panel_with_data_elsewhere_in_time_keeps_its_zeros(autumn, member_client):
    # November holds no activity, but spend exists: the Cost panel shows its figures, not "No spend yet".
    html = member_client.get("/w/acme/?range=custom&from=2026-11-01&to=2026-11-30").content.decode()
    assert "No spend yet" not in html and 'data-kpi="cpc"' in html


def test_an_empty_workspace_shows_the_checklist(workspace, member_client):
    html = member_client.get("/w/acme/").content.decode()
    assert "No data yet" in html and 'id="checklist-title"' in html
    assert "0 of 6 done" in html
