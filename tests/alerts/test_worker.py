"""End to end with a real broker and worker on PostgreSQL: an API push fires the rule within seconds, and the
worker notifies a real local SMTP server and a local webhook receiver; then it keeps firing quietly and resolves."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from accounts.models import AgencyRole
from alerts import services
from alerts.models import AlertEvent, AlertRule
from tests.broker import celery_worker, wait_for

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI's PostgreSQL run sets it)"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="a worker process needs a shared database server",
    ),
]

SECONDS = 15  # "within seconds": the bound of each wait (a recompute is coalesced for 0.5 s)


def subject(message: dict) -> str:
    return email.message_from_string(message["data"], policy=email.policy.default)["subject"]


def events(rule) -> list[str]:
    return list(AlertEvent.objects.unscoped().filter(rule=rule).order_by("at", "id").values_list("kind", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_push_fires_once_notifies_by_mail_and_webhook_then_resolves(
    workspace, campaign, api_client, make_user, receiver, smtp_server, real_broker
):
    person = make_user(workspace=workspace, agency_role=AgencyRole.MEMBER, email="am@agency.example")
    rule = services.rule_create(
        workspace=workspace,
        name="Spend over 100",
        kpi="spend",
        condition="above",
        threshold=Decimal("100"),
        window="last_7",
        recipients=[person],
        webhook_url=receiver.url,
    )
    # Yesterday in the workspace's zone (UTC), from the clock the worker reads too: inside "last 7 days".
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

    def push(cost: str) -> None:
        body = json.dumps([{"campaign": "search-1", "date": day, "cost": cost}])
        assert api_client.post("/api/v1/spend/", data=body, content_type="application/json").status_code == 200

    with celery_worker(
        extra_env={"DJANGO_SETTINGS_MODULE": "tests.alerts.smtp_settings", "SMTP_PORT": str(settings.EMAIL_PORT)}
    ):
        push("150.00")
        assert wait_for(lambda: len(receiver.requests) == 1 and len(smtp_server.messages) == 1, SECONDS), (
            receiver.requests,
            smtp_server.messages,
        )
        assert json.loads(receiver.requests[0]["body"])["type"] == "alert.fired"
        assert smtp_server.messages[0]["to"] == ["am@agency.example"]
        assert subject(smtp_server.messages[0]) == "Alert: Spend over 100 — Acme Client"

        push("170.00")  # still over 100: evaluated, no second notification
        assert wait_for(lambda: AlertRule.objects.unscoped().get(pk=rule.pk).last_value == "170.00", SECONDS)
        assert events(rule) == ["fired"]

        push("20.00")  # a push replaces the (campaign, date) cost: back under 100
        assert wait_for(lambda: len(receiver.requests) == 2 and len(smtp_server.messages) == 2, SECONDS)
    assert events(rule) == ["fired", "resolved"]
    assert json.loads(receiver.requests[1]["body"])["type"] == "alert.resolved"
    assert subject(smtp_server.messages[1]) == "Resolved: Spend over 100 — Acme Client"
    assert len(receiver.requests) == 2 and len(smtp_server.messages) == 2
