"""Issue 22: keys, joins and writes carry workspace_id (the schema a Citus cluster needs)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.distribution import KNOWN_GAPS, citus_gaps, key_gaps
from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Touchpoint
from tests.data_factories import CampaignFactory, TouchpointFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
JOIN_CONDITION = re.compile(r' ON \(.*"campaigns_campaign"\."workspace_id" = \(?"campaigns_touchpoint"\."workspace_id"')


def _link_across_workspaces(touchpoint: Touchpoint, campaign: Campaign) -> None:
    """Point a touchpoint at another workspace's campaign: SQLite lets it, PostgreSQL's composite key refuses it."""
    link = Touchpoint.objects.unscoped().filter(pk=touchpoint.pk)
    # Citus checks the deferred key on the workers at commit only (SET CONSTRAINTS stays on the coordinator).
    if not ON_POSTGRES or _has_citus():
        link.update(campaign_id=campaign.pk)
        return
    with pytest.raises(IntegrityError, match="campaigns_touchpoint_campaign_id_ws_fk"), transaction.atomic():
        link.update(campaign_id=campaign.pk)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _has_citus() -> bool:
    if not ON_POSTGRES:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        return cursor.fetchone() is not None


def test_forward_join_carries_the_workspace(workspace, other_workspace):
    mine = CampaignFactory(workspace=workspace, name="Spring")
    TouchpointFactory(workspace=workspace, campaign=mine)
    _link_across_workspaces(TouchpointFactory(workspace=other_workspace), mine)

    query = Touchpoint.objects.unscoped().filter(campaign__name="Spring")
    assert JOIN_CONDITION.search(str(query.query).split(" WHERE ")[0])
    assert [t.workspace_id for t in query] == [workspace.pk]


def test_reverse_join_carries_the_workspace(workspace, other_workspace):
    mine = CampaignFactory(workspace=workspace)
    _link_across_workspaces(TouchpointFactory(workspace=other_workspace, kind="email_open"), mine)
    TouchpointFactory(workspace=workspace, campaign=mine, kind="page_view")

    query = Campaign.objects.unscoped().filter(touchpoints__kind="email_open")
    assert JOIN_CONDITION.search(str(query.query).split(" WHERE ")[0])
    assert list(query) == []
    assert list(Campaign.objects.unscoped().filter(touchpoints__kind="page_view")) == [mine]


def test_save_updates_by_id_and_workspace(workspace):
    campaign = CampaignFactory(workspace=workspace)
    campaign.name = "Renamed"
    with workspace_scope(workspace), CaptureQueriesContext(connection) as captured:
        campaign.save()
    (update,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    where = update.split(" WHERE ", 1)[1]
    assert '"campaigns_campaign"."id" = ' in where
    assert f'"campaigns_campaign"."workspace_id" = {workspace.pk}' in where
    assert Campaign.objects.unscoped().get(pk=campaign.pk).name == "Renamed"


@pytest.mark.skipif(not ON_POSTGRES, reason="database keys: PostgreSQL only (SQLite keeps Django's)")
@pytest.mark.django_db
def test_every_key_of_a_workspace_table_carries_workspace_id():
    with connection.cursor() as cursor:
        # citus_distribute drops the known gaps' index (Citus refuses it) and leaves their table local.
        assert key_gaps(cursor) == ([] if _has_citus() else sorted(KNOWN_GAPS))


@pytest.mark.skipif(not ON_POSTGRES, reason="database keys: PostgreSQL only (SQLite keeps Django's)")
@pytest.mark.django_db
def test_the_catalog_check_sees_a_key_without_workspace_id():
    if _has_citus():
        pytest.skip("Citus itself refuses a key of a distributed table without workspace_id")
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE campaigns_lead DROP CONSTRAINT campaigns_lead_pkey CASCADE, ADD PRIMARY KEY (id);"
            "CREATE UNIQUE INDEX lead_external ON campaigns_lead (external_id)"
        )
        gaps = key_gaps(cursor)
    assert "campaigns_lead: primary key campaigns_lead_pkey lacks workspace_id" in gaps
    assert "campaigns_lead: unique index lead_external lacks workspace_id" in gaps


@pytest.mark.skipif(not ON_POSTGRES, reason="Citus: PostgreSQL only")
@pytest.mark.django_db
def test_every_workspace_table_is_distributed_or_reference():
    if not _has_citus():
        pytest.skip("not a Citus database (CITUS=1, see .ci/citus)")
    with connection.cursor() as cursor:
        assert citus_gaps(cursor) == []


def test_a_rules_recipients_carry_its_workspace(workspace, other_workspace, make_user):
    from alerts import services
    from alerts.models import AlertRecipient

    person, stranger = make_user(workspace=workspace), make_user(workspace=other_workspace)
    rule = services.rule_create(
        workspace=workspace, name="Spend", kpi="spend", condition="above", threshold=1, recipients=[person]
    )
    services.rule_update(workspace=workspace, rule=rule, recipients=[person])  # set() again: no duplicate
    rows = AlertRecipient.objects.unscoped().values_list("workspace_id", "rule_id", "user_id")
    assert list(rows) == [(workspace.pk, rule.pk, person.pk)]
    if not ON_POSTGRES or _has_citus():
        return
    # A recipients row naming another workspace's rule is refused by the composite key.
    other_rule = services.rule_create(
        workspace=other_workspace, name="Leads", kpi="leads", condition="above", threshold=1, recipients=[stranger]
    )
    link = AlertRecipient.objects.unscoped().filter(rule=other_rule)
    with pytest.raises(IntegrityError, match="alertrule_id_ws_fk"), transaction.atomic():
        link.update(workspace_id=workspace.pk)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
