"""The health page, and the agency overview's "needs attention" list (stale sources, targets off pace)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_key_create
from accounts.tenancy import workspace_scope
from campaigns.models import ImportJob
from kpis.targets import target_set
from tests.factories import WorkspaceFactory
from tests.health.helpers import day_range, sent

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _stale_crm(workspace, name="CRM"):
    key = api_key_create(workspace=workspace, name=name)[0]
    sent(workspace, source_id=str(key.pk), resource="deals", days=day_range(date(2026, 11, 1), date(2026, 11, 20)))
    return key


@pytest.mark.django_db
def test_the_page_shows_each_source_and_resource_with_a_worded_stale_badge(workspace, member_client, frozen):
    key = _stale_crm(workspace)
    sent(workspace, kind="import", source_id="", resource="spend", days=[date(2026, 11, 29), date(2026, 11, 30)])
    with workspace_scope(workspace):
        ImportJob.objects.create(resource="spend", filename="ads.csv", status="failed", error_count=3)
    response = member_client.get("/w/acme/health/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"API key “CRM” ({key.prefix}…)" in html
    assert "⚠ Stale" in html and "silent 10 days" in html  # last deals on the 20th
    assert "CSV import" in html and "✓ Receiving" in html
    assert "ads.csv" in html and "3 problems, nothing written" in html
    assert "1 source stopped sending" in html
    assert 'href="/w/acme/health/"' in html  # the workspace navigation links it


@pytest.mark.django_db
def test_a_new_workspace_gets_the_empty_state_pointing_to_integrations(workspace, member_client):
    html = member_client.get("/w/acme/health/").content.decode()
    assert "No data has arrived yet." in html
    assert 'href="/w/acme/integrations/"' in html


@pytest.mark.django_db
def test_another_agencys_user_gets_a_404(workspace, other_client):
    assert other_client.get("/w/acme/health/").status_code == 404


@pytest.mark.django_db
def test_the_overview_lists_stale_sources_and_off_pace_targets_of_its_own_clients_only(
    workspace, other_workspace, member_client, frozen
):
    _stale_crm(workspace)
    _stale_crm(other_workspace, name="Globex CRM")
    # 300 leads asked for November, none by the 30th: off track.
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 11, 1), value=Decimal(300))
    target_set(
        workspace=other_workspace, kpi="leads", period_kind="month", starts_on=date(2026, 11, 1), value=Decimal(300)
    )
    html = member_client.get("/").content.decode()
    assert "Needs attention" in html
    assert "Acme Client: API key “CRM”" in html and "stopped sending deals" in html
    assert "Nothing for 10 days; it usually sends every day." in html
    assert 'data-attention-kind="target_off_pace"' in html and "Acme Client: Leads target off track" in html
    assert "⚠ Warning" in html
    assert "Globex" not in html


@pytest.mark.django_db
def test_a_months_target_is_paced_on_that_month_alone_beside_a_quarters(workspace, frozen):
    from kpis.attention import collect
    from kpis.services import recompute_rollups
    from tests.data_factories import CampaignFactory, SpendEntryFactory

    campaign = CampaignFactory(workspace=workspace)
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 10, 15), cost=Decimal("10000"))
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 11, 10), cost=Decimal("3000"))
    recompute_rollups(workspace_id=workspace.pk)
    # November's spend target 3,000: on the 30th its pace is the whole 3,000, met exactly by November's spend
    # (October's 10,000 is not November's). The quarter's leads target (none yet) makes a read from 1 October.
    target_set(workspace=workspace, kpi="spend", period_kind="month", starts_on=date(2026, 11, 1), value=Decimal(3000))
    target_set(workspace=workspace, kpi="leads", period_kind="quarter", starts_on=date(2026, 10, 1), value=Decimal(90))
    titles = [i.title for i in collect([workspace]) if i.kind == "target_off_pace"]
    assert titles == ["Acme Client: Leads target off track"]


@pytest.mark.django_db
def test_collecting_the_attention_list_costs_the_same_queries_for_more_clients(workspace, frozen):
    from kpis.attention import collect

    def queries() -> tuple[int, int]:
        workspaces = list(type(workspace).objects.filter(agency=workspace.agency))
        with CaptureQueriesContext(connection) as captured:
            items = [i for i in collect(workspaces) if i.kind == "stale_source"]
        return len(items), len(captured)

    _stale_crm(workspace)
    one = queries()
    for n in range(3):
        _stale_crm(WorkspaceFactory(agency=workspace.agency, slug=f"more-{n}"), name=f"CRM {n}")
    # Stale sources: the intake counts, the API keys' and site keys' names; targets: one lookup (none run);
    # alert rules: one lookup of the firing ones.
    assert one == (1, 5)
    assert queries() == (4, 5)


@pytest.mark.django_db
def test_the_dashboard_says_in_one_query_when_a_source_stopped(workspace, member_client, frozen):
    from campaigns.services import lead_upsert_batch
    from health.status import summary
    from kpis.services import workspace_kpis_rebuild

    lead = {"external_id": "l1", "email": "a@lead.example", "created_at": "2026-11-29T12:00:00Z"}
    lead_upsert_batch(workspace=workspace, items=[lead])  # no source: not counted, but the dashboard has data
    workspace_kpis_rebuild(workspace.pk)
    html = member_client.get("/w/acme/").content.decode()
    assert "Leads" in html and "data-health-summary" not in html  # no intake counted yet: no line
    _stale_crm(workspace)
    sent(workspace, kind="import", source_id="", resource="spend", days=[date(2026, 11, 30)])
    with CaptureQueriesContext(connection) as captured:
        assert summary(workspace) == (2, 1)
    assert len(captured) == 1
    html = member_client.get("/w/acme/").content.decode()
    assert "1 source stopped sending." in html and 'href="/w/acme/health/"' in html
