"""The alert rule pages: who may do what (README permission matrix), form errors, the secret shown once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from alerts import services
from alerts.models import AlertEvent, AlertRule, NotificationAttempt
from tests.factories import ROLES

EVERYONE_IN = {"agency_owner", "agency_admin", "agency_member", "ws_admin", "ws_editor", "ws_viewer"}
EDITORS = EVERYONE_IN - {"ws_viewer"}

VALID = {
    "name": "Leads drop",
    "kpi": "leads",
    "condition": "change",
    "threshold": "30",
    "window": "last_7",
    "severity": "warning",
    "renotify_minutes": "0",
    "active": "on",
}


@pytest.fixture
def rule(workspace):
    return services.rule_create(
        workspace=workspace, name="Spend high", kpi="spend", condition="above", threshold=Decimal("100")
    )


def rules(workspace) -> list[str]:
    with workspace_scope(workspace):
        return list(AlertRule.objects.values_list("name", flat=True))


@pytest.mark.parametrize("role", ROLES)
def test_see_alert_rules_their_history_and_delivery_log(role, people, rule, workspace, client_for):
    client = client_for(people[role])
    for url in ("/w/acme/alerts/", f"/w/acme/alerts/{rule.pk}/"):
        expected = 200 if role in EVERYONE_IN else 404
        assert client.get(url).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_create_edit_and_delete_alert_rules(role, people, rule, workspace, client_for):
    client = client_for(people[role])
    refused = 403 if role in EVERYONE_IN else 404
    create = client.post("/w/acme/alerts/new/", VALID)
    edit = client.post(f"/w/acme/alerts/{rule.pk}/edit/", {**VALID, "name": "Renamed"})
    if role in EDITORS:
        assert (create.status_code, edit.status_code) == (302, 302)
        assert sorted(rules(workspace)) == ["Leads drop", "Renamed"]
        assert client.post(f"/w/acme/alerts/{rule.pk}/delete/").status_code == 302
        assert rules(workspace) == ["Leads drop"]
    else:
        assert (create.status_code, edit.status_code) == (refused, refused)
        assert client.post(f"/w/acme/alerts/{rule.pk}/delete/").status_code == refused
        assert client.get(f"/w/acme/alerts/{rule.pk}/delete/").status_code == refused
        assert rules(workspace) == ["Spend high"]


def test_the_delete_page_asks_first(member_client, rule, workspace):
    page = member_client.get(f"/w/acme/alerts/{rule.pk}/delete/")
    assert page.status_code == 200 and "Delete “Spend high”?" in page.content.decode()
    assert rules(workspace) == ["Spend high"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"threshold": ""}, "threshold", "This field is required."),
        ({"threshold": "abc"}, "threshold", "Enter a number."),
        ({"threshold": "-5"}, "threshold", "Give a percentage above 0."),
        ({"kpi": "nope"}, "kpi", "Select a valid choice."),
        ({"kpi": "active_customers", "channel": "email"}, "kpi", "workspace-wide"),
        ({"channel": "email", "campaign": "search-1"}, "channel", "a campaign or a channel, not both"),
        ({"condition": "off_pace", "kpi": "clicks"}, "condition", "has no targets"),
        ({"condition": "anomaly", "kpi": "clicks", "window": "yesterday"}, "condition", "has no forecast"),
        ({"condition": "anomaly", "kpi": "leads", "window": "last_7"}, "window", "choose Yesterday"),
        ({"condition": "anomaly", "window": "yesterday", "channel": "email"}, "condition", "cannot be narrowed"),
        ({"condition": "anomaly", "window": "yesterday", "threshold": "-1"}, "threshold", "0 % or more"),
        ({"condition": "stale", "kpi": "leads"}, "condition", "goes with “Data health (every source)”"),
        ({"condition": "above", "kpi": "data_health"}, "condition", "goes with “Data health (every source)”"),
        ({"condition": "stale", "kpi": "data_health", "channel": "email"}, "condition", "cannot be narrowed"),
        ({"webhook_url": "http://example.com/hook"}, "webhook_url", "https://"),
        ({"webhook_url": "https://127.0.0.1/hook"}, "webhook_url", "private address"),
        ({"webhook_url": "https://10.1.2.3:8443/x"}, "webhook_url", "private address"),
        ({"webhook_url": "https://no-such-host.invalid/x"}, "webhook_url", "does not resolve"),
        ({"renotify_minutes": "-1"}, "renotify_minutes", "greater than or equal to 0"),
    ],
)
def test_a_bad_form_is_a_400_with_the_message_next_to_its_field(
    change, field, message, member_client, campaign, workspace, settings
):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    response = member_client.post("/w/acme/alerts/new/", {**VALID, **change})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    assert rules(workspace) == []


def test_a_webhook_secret_is_shown_once_and_can_be_regenerated(member_client, workspace, receiver):
    response = member_client.post("/w/acme/alerts/new/", {**VALID, "webhook_url": receiver.url}, follow=True)
    rule = AlertRule.objects.unscoped().get(workspace=workspace)
    assert rule.webhook_secret in response.content.decode()
    again = member_client.get(f"/w/acme/alerts/{rule.pk}/").content.decode()
    assert rule.webhook_secret not in again
    old = rule.webhook_secret
    response = member_client.post(f"/w/acme/alerts/{rule.pk}/secret/", follow=True)
    rule.refresh_from_db()
    assert rule.webhook_secret != old and rule.webhook_secret in response.content.decode()


def test_the_rule_page_shows_its_history_and_log_paginated(member_client, rule, workspace):
    from datetime import UTC, date, datetime, timedelta

    with workspace_scope(workspace):
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for i in range(25):
            event = AlertEvent.objects.create(
                rule=rule,
                kind="fired" if i % 2 == 0 else "resolved",
                at=start + timedelta(hours=i),
                value=f"{100 + i}.00",
                threshold="100",
                first_day=date(2026, 3, 1),
                last_day=date(2026, 3, 1),
                detail=f"detail {i}",
            )
            NotificationAttempt.objects.create(
                rule=rule, event=event, channel="webhook", attempt=1, at=event.at, ok=False, status_code=500
            )
    first = member_client.get(f"/w/acme/alerts/{rule.pk}/").content.decode()
    assert "detail 24" in first and "detail 4" not in first.replace("detail 24", "")
    assert "Page 1 of 2" in first
    second = member_client.get(f"/w/acme/alerts/{rule.pk}/?events=2").content.decode()
    assert "detail 0" in second and "detail 24" not in second


def test_another_workspaces_rule_is_a_404(other_client, member_client, rule, other_workspace):
    for url in ("", "edit/", "delete/"):
        assert other_client.get(f"/w/acme/alerts/{rule.pk}/{url}").status_code == 404
    other_rule = services.rule_create(
        workspace=other_workspace, name="Theirs", kpi="spend", condition="above", threshold=Decimal(1)
    )
    # Their rule under our workspace's URL: not found either.
    for url in ("", "edit/", "delete/"):
        assert member_client.get(f"/w/acme/alerts/{other_rule.pk}/{url}").status_code == 404
    assert member_client.post(f"/w/acme/alerts/{other_rule.pk}/delete/").status_code == 404
    assert AlertRule.objects.unscoped().filter(pk=other_rule.pk).exists()
