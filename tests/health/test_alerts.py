"""Alert rules on data health: firing while a source is stale, resolved once it sends again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.services import api_key_create
from accounts.tenancy import workspace_scope
from alerts import services
from alerts.evaluation import evaluate_workspace
from alerts.models import AlertEvent
from tests.health.helpers import day_range, sent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def test_a_data_health_rule_fires_while_a_source_is_stale_and_resolves_when_it_sends(workspace, other_workspace):
    key = api_key_create(workspace=workspace, name="CRM")[0]
    # Deals every day from 1 to 20 November, then nothing: on the 30th it is 10 days silent (stale).
    sent(workspace, source_id=str(key.pk), resource="deals", days=day_range(date(2026, 11, 1), date(2026, 11, 20)))
    rule = services.rule_create(
        workspace=workspace, name="Feeds", kpi="data_health", condition="stale", threshold=Decimal("0")
    )
    other = services.rule_create(
        workspace=other_workspace, name="Feeds", kpi="data_health", condition="stale", threshold=Decimal("0")
    )
    with time_machine.travel(NOW, tick=False):
        evaluate_workspace(workspace.pk)
        evaluate_workspace(other_workspace.pk)
        rule.refresh_from_db()
        other.refresh_from_db()
        assert (rule.state, other.state) == ("firing", "ok")  # the other workspace's sources are its own
        with workspace_scope(workspace):
            fired = AlertEvent.objects.get(rule=rule)
        assert fired.detail == f"Stopped sending: API key “CRM” ({key.prefix}…): deals, nothing for 10 days"
        sent(workspace, source_id=str(key.pk), resource="deals", days=[date(2026, 11, 30)])
        evaluate_workspace(workspace.pk)
        rule.refresh_from_db()
        assert rule.state == "ok"
        with workspace_scope(workspace):
            assert list(AlertEvent.objects.filter(rule=rule).order_by("id").values_list("kind", flat=True)) == [
                "fired",
                "resolved",
            ]
