"""Rules fire, keep firing and resolve as pushes arrive (SQLite: tasks run in-process), with their notifications."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from accounts.models import AgencyRole
from accounts.tenancy import workspace_scope
from alerts import services
from alerts.evaluation import check, evaluate_workspace, touches, window_period
from alerts.models import AlertEvent, AlertRule, NotificationAttempt, RuleState
from kpis import attention
from kpis.periods import Period

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the workspace is in UTC: today is 2026-03-10


def verify(secret: str, headers: dict, body: bytes, now: float) -> bool:
    """The README's recipe, as a receiver writes it."""
    timestamp = headers["X-Pulse-Timestamp"]
    if abs(now - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v1={expected}", headers["X-Pulse-Signature"])


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def recipient(workspace, make_user):
    return make_user(workspace=workspace, agency_role=AgencyRole.MEMBER, email="am@agency.example")


def push_spend(api_client, day: date, cost: str, campaign: str = "search-1"):
    body = [{"campaign": campaign, "date": day.isoformat(), "cost": cost}]
    response = api_client.post("/api/v1/spend/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content


def spend_rule(workspace, **overrides):
    fields = {
        "name": "Spend over 100 yesterday",
        "kpi": "spend",
        "condition": "above",
        "threshold": Decimal("100"),
        "window": "yesterday",
    }
    return services.rule_create(workspace=workspace, **{**fields, **overrides})


def kinds(rule) -> list[str]:
    with workspace_scope(rule.workspace):
        return list(AlertEvent.objects.filter(rule=rule).order_by("at", "id").values_list("kind", flat=True))


def state(rule) -> str:
    return AlertRule.objects.unscoped().get(pk=rule.pk).state


def test_a_push_over_the_threshold_fires_once_keeps_firing_quietly_then_resolves(
    workspace, campaign, api_client, recipient, receiver, clock, django_capture_on_commit_callbacks
):
    from django.core import mail

    rule = spend_rule(workspace, recipients=[recipient], webhook_url=receiver.url)
    yesterday = date(2026, 3, 9)
    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, yesterday, "80.00")
    assert state(rule) == RuleState.OK and kinds(rule) == [] and receiver.requests == [] and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, yesterday, "150.00")  # 150 > 100
    assert state(rule) == RuleState.FIRING
    assert kinds(rule) == ["fired"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["am@agency.example"]
    assert mail.outbox[0].subject == "Alert: Spend over 100 yesterday — Acme Client"
    assert [p["type"] for p in receiver.payloads()] == ["alert.fired"]
    fired = receiver.payloads()[0]
    assert (fired["value"], fired["rule"]["threshold"], fired["period"]) == (
        "150.00",
        "100",
        {"first_day": "2026-03-09", "last_day": "2026-03-09"},
    )

    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, yesterday, "170.00")  # still over: no second notification
    assert state(rule) == RuleState.FIRING and kinds(rule) == ["fired"]
    assert len(mail.outbox) == 1 and len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, yesterday, "60.00")  # back under
    assert state(rule) == RuleState.OK
    assert kinds(rule) == ["fired", "resolved"]
    assert [p["type"] for p in receiver.payloads()] == ["alert.fired", "alert.resolved"]
    assert mail.outbox[1].subject.startswith("Resolved: ")
    with workspace_scope(workspace):
        resolved = AlertEvent.objects.get(rule=rule, kind="resolved")
    assert (resolved.value, resolved.threshold) == ("60.00", "100")


def test_a_push_outside_the_window_does_not_evaluate(workspace, campaign, api_client, clock, monkeypatch):
    rule = spend_rule(workspace)
    calls = []
    monkeypatch.setattr("alerts.evaluation.advance", lambda *args: calls.append(args))
    evaluate_workspace(workspace.pk, [(date(2026, 1, 1), date(2026, 1, 31))])
    assert calls == []
    evaluate_workspace(workspace.pk, [(date(2026, 3, 9), date(2026, 3, 9))])
    assert [c[0].pk for c in calls] == [rule.pk]


def test_the_webhook_signature_verifies_and_a_tampered_body_or_old_timestamp_does_not(
    workspace, campaign, api_client, receiver, clock, django_capture_on_commit_callbacks
):
    rule = spend_rule(workspace, webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, date(2026, 3, 9), "150.00")
    request = receiver.requests[0]
    secret = AlertRule.objects.unscoped().get(pk=rule.pk).webhook_secret
    assert secret.startswith("whsec_")
    now = time.time()
    assert verify(secret, request["headers"], request["body"], now)
    tampered = request["body"].replace(b"150.00", b"15.00")
    assert not verify(secret, request["headers"], tampered, now)
    assert not verify(secret, request["headers"], request["body"], now + 301)  # replayed 5 min later
    assert not verify("whsec_other", request["headers"], request["body"], now)


def test_a_failing_receiver_is_retried_with_backoff_and_each_attempt_logged(
    workspace, campaign, api_client, receiver, clock, settings, django_capture_on_commit_callbacks
):
    settings.ALERT_RETRY_BASE_SECONDS = 30
    receiver.statuses = [500, 500, 200]
    rule = spend_rule(workspace, webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, date(2026, 3, 9), "150.00")
    assert len(receiver.requests) == 3
    with workspace_scope(workspace):
        log = list(NotificationAttempt.objects.filter(rule=rule).order_by("attempt"))
    assert [(a.attempt, a.ok, a.status_code, a.next_attempt_in) for a in log] == [
        (1, False, 500, 30),
        (2, False, 500, 60),
        (3, True, 200, None),
    ]


def test_a_receiver_that_always_fails_is_given_up_after_five_attempts(
    workspace, campaign, api_client, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.statuses = [503]
    rule = spend_rule(workspace, webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, date(2026, 3, 9), "150.00")
    with workspace_scope(workspace):
        log = list(NotificationAttempt.objects.filter(rule=rule).order_by("attempt"))
    assert [a.next_attempt_in for a in log] == [30, 60, 120, 240, None]
    assert len(receiver.requests) == 5


def test_the_renotify_interval_is_honoured_on_a_frozen_clock(workspace, campaign, api_client, receiver):
    rule = spend_rule(workspace, webhook_url=receiver.url, renotify_minutes=60)
    with time_machine.travel(NOW, tick=False) as traveller:
        from campaigns.models import SpendEntry

        with workspace_scope(workspace):
            SpendEntry.objects.create(campaign=campaign, date=date(2026, 3, 9), cost=Decimal("150"))
        from kpis.services import recompute_rollups

        recompute_rollups(workspace_id=workspace.pk)
        evaluate_workspace(workspace.pk)
        assert kinds(rule) == ["fired"]
        traveller.shift(timedelta(minutes=59))
        evaluate_workspace(workspace.pk)
        assert kinds(rule) == ["fired"]
        traveller.shift(timedelta(minutes=1))
        evaluate_workspace(workspace.pk)
        assert kinds(rule) == ["fired", "still_firing"]
        traveller.shift(timedelta(minutes=30))
        evaluate_workspace(workspace.pk)
        assert kinds(rule) == ["fired", "still_firing"]


def test_windows_in_local_dates():
    today = date(2026, 3, 10)
    assert window_period("yesterday", today) == Period(date(2026, 3, 9), date(2026, 3, 9))
    assert window_period("last_7", today) == Period(date(2026, 3, 4), today)
    assert window_period("month_to_date", today) == Period(date(2026, 3, 1), today)
    assert touches(Period(date(2026, 3, 4), today), [(date(2026, 3, 1), date(2026, 3, 4))])
    assert not touches(Period(date(2026, 3, 4), today), [(date(2026, 3, 1), date(2026, 3, 3))])
    assert touches(Period(date(2026, 3, 4), today), None)


def _rule(**fields):
    defaults = {"kpi": "leads", "condition": "change", "threshold": Decimal("50")}
    return AlertRule(**{**defaults, **fields})


def test_conditions_by_hand():
    # change: 30 against 20 is +50 %, not more than 50 %; 31 is +55 %.
    assert check(_rule(), 30, 20).firing is False
    assert check(_rule(), 31, 20).firing is True
    assert check(_rule(), 9, 20).firing is True  # −55 %
    assert check(_rule(), 9, 0).firing is None  # nothing to compare with
    # a rate's threshold is in percent: 0.06 is 6 %
    assert check(_rule(kpi="lead_to_customer_rate", condition="above", threshold=Decimal("5")), 0.06, None).firing
    assert check(_rule(condition="below", threshold=Decimal("10")), None).firing is None


def test_off_pace_reads_the_target(workspace):
    from kpis.targets import TargetPeriodValue, progress_against

    march = [TargetPeriodValue(Period(date(2026, 3, 1), date(2026, 3, 31)), Decimal("310"))]
    window = Period(date(2026, 3, 1), date(2026, 3, 10))  # asks 100 leads by the 10th
    rule = _rule(condition="off_pace", threshold=Decimal("90"))
    assert check(rule, 89, progress=progress_against("leads", 89, window, march)).firing is True
    assert check(rule, 90, progress=progress_against("leads", 90, window, march)).firing is False


def test_firing_rules_need_attention(workspace, other_workspace):
    rule = spend_rule(workspace, severity="critical")
    spend_rule(other_workspace)
    AlertRule.objects.unscoped().filter(workspace__in=[workspace, other_workspace]).update(state="firing")
    items = [i for i in attention.collect([workspace]) if i.kind == "alert"]
    assert [(i.workspace_id, i.severity, i.url) for i in items] == [
        (workspace.pk, "critical", f"/w/acme/alerts/{rule.pk}/")
    ]


def test_a_rule_narrowed_to_a_campaign_reads_only_that_campaign(
    workspace, campaign, api_client, clock, django_capture_on_commit_callbacks
):
    from campaigns.models import Campaign

    with workspace_scope(workspace):
        Campaign.objects.create(external_id="social-1", name="Social", channel="paid_social")
    narrowed = spend_rule(workspace, name="Search spend", campaign=campaign)
    channel = spend_rule(workspace, name="Social channel spend", channel="paid_social")
    everything = spend_rule(workspace, name="All spend")
    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, date(2026, 3, 9), "60.00", campaign="search-1")
        push_spend(api_client, date(2026, 3, 9), "70.00", campaign="social-1")
    # search 60, social 70, together 130: only the unnarrowed rule is over 100.
    assert [state(r) for r in (narrowed, channel, everything)] == ["ok", "ok", "firing"]
    assert AlertRule.objects.unscoped().get(pk=channel.pk).last_value == "70.00"


def test_a_webhook_to_a_private_address_is_refused_at_send_time_and_logged(
    workspace, campaign, api_client, receiver, clock, settings, django_capture_on_commit_callbacks
):
    rule = spend_rule(workspace, webhook_url=receiver.url)  # allowed when the rule was saved
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False  # then the guard is on
    with django_capture_on_commit_callbacks(execute=True):
        push_spend(api_client, date(2026, 3, 9), "150.00")
    assert receiver.requests == []
    with workspace_scope(workspace):
        errors = list(NotificationAttempt.objects.filter(rule=rule).values_list("error", flat=True))
    assert len(errors) == 5 and all("https://" in error for error in errors)


def test_the_email_goes_under_the_agency_brand(workspace, recipient, clock):
    from alerts.notifications import email_message

    agency = workspace.agency
    agency.brand_name, agency.email_sender_name, agency.email_reply_to = "Northwind", "Northwind Team", "am@nw.example"
    agency.save()
    rule = spend_rule(workspace, recipients=[recipient])
    with workspace_scope(workspace):
        event = AlertEvent.objects.create(
            rule=rule,
            kind="fired",
            at=NOW,
            value="150.00",
            threshold="100",
            first_day=date(2026, 3, 9),
            last_day=date(2026, 3, 9),
            detail="150 is above 100",
        )
    message = email_message(AlertEvent.objects.unscoped().select_related("rule__workspace").get(pk=event.pk), ["x@y"])
    assert message.from_email.startswith("Northwind Team <")
    assert message.reply_to == ["am@nw.example"]
    assert f"/w/acme/alerts/{rule.pk}/" in message.body and "150 is above 100" in message.body


def test_a_workspace_without_rules_queues_no_evaluation(workspace, monkeypatch, django_capture_on_commit_callbacks):
    from alerts import tasks
    from kpis.signals import rollups_recomputed

    queued = []
    monkeypatch.setattr(tasks.evaluate_workspace_task, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        rollups_recomputed.send(sender=None, workspace_id=workspace.pk, ranges=None)
    assert queued == []
    spend_rule(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        rollups_recomputed.send(sender=None, workspace_id=workspace.pk, ranges=((date(2026, 3, 9), date(2026, 3, 9)),))
    assert queued == [(workspace.pk, [["2026-03-09", "2026-03-09"]])]


def test_a_recipient_who_left_the_workspace_gets_no_email(workspace, recipient, campaign, api_client, clock):
    from django.core import mail

    from accounts.models import AgencyMembership
    from alerts.notifications import email_attempt

    rule = spend_rule(workspace, recipients=[recipient])
    with workspace_scope(workspace):
        event = AlertEvent.objects.create(
            rule=rule, kind="fired", at=NOW, value="1", threshold="100",
            first_day=date(2026, 3, 9), last_day=date(2026, 3, 9), detail="d",
        )  # fmt: skip
        AgencyMembership.objects.filter(user=recipient).delete()
        assert email_attempt(AlertEvent.objects.unscoped().get(pk=event.pk), 1) is True
    assert mail.outbox == []


def test_an_anomaly_is_a_value_outside_the_forecasts_interval_by_hand():
    rule = _rule(kpi="leads", condition="anomaly", threshold=Decimal("0"), window="yesterday")
    expected = (10.0, 20.0, "a model")
    assert check(rule, 21, expected=expected).firing is True
    assert check(rule, 15, expected=expected).firing is False
    assert check(rule, 9, expected=expected).firing is True
    assert check(rule, 15, expected=None).firing is None  # no history: the state stays
    # A margin of 50 % of the interval's width (5) widens it to 5–25.
    wide = _rule(kpi="leads", condition="anomaly", threshold=Decimal("50"), window="yesterday")
    assert check(wide, 24, expected=expected).firing is False
    assert check(wide, 26, expected=expected).firing is True
    assert check(wide, 26, expected=expected).detail == "26 is outside the expected 10–20 (a model)"


def test_an_anomaly_rule_fires_on_a_spike_of_leads_after_a_recompute(workspace):
    from kpis.services import recompute_rollups
    from tests.data_factories import LeadFactory

    # 1–10 May alternate 10 and 20 leads a day (noon UTC; the workspace's days are UTC); 11 May has 90.
    for day, count in enumerate([10, 20] * 5 + [90], start=1):
        for _ in range(count):
            LeadFactory(workspace=workspace, created_at=datetime(2026, 5, day, 12, tzinfo=UTC))
    rule = services.rule_create(
        workspace=workspace,
        name="Lead spike",
        kpi="leads",
        condition="anomaly",
        threshold=Decimal("0"),
        window="yesterday",
    )
    with time_machine.travel(datetime(2026, 5, 12, 9, tzinfo=UTC), tick=False):
        recompute_rollups(workspace_id=workspace.pk)
        evaluate_workspace(workspace.pk)
    rule.refresh_from_db()
    assert state(rule) == "firing"
    with workspace_scope(workspace):
        event = AlertEvent.objects.get(rule=rule)
    # The short-history model: the last 14 days' mean 15 ± 5 (tests/forecasts: expected_interval).
    assert (event.value, event.comparison) == ("90", "10–20")
