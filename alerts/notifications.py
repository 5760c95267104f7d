"""What an alert event sends: the email to the rule's recipients and the webhook's JSON, and their attempts."""

from __future__ import annotations

import json
import smtplib
import time
from http.client import HTTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.branding import brand_for_workspace
from alerts import webhooks
from alerts.models import AlertEvent, DeliveryChannel, EventKind, NotificationAttempt
from alerts.selectors import people_of

MAX_ATTEMPTS = 5

SUBJECT_PREFIX = {EventKind.FIRED: "Alert", EventKind.STILL_FIRING: "Still firing", EventKind.RESOLVED: "Resolved"}


def backoff_seconds(attempt: int) -> int:
    """The wait after failed attempt `attempt` (1, 2, …): the base, doubled each time (30 s, 1, 2, 4 min)."""
    return int(getattr(settings, "ALERT_RETRY_BASE_SECONDS", 30)) * 2 ** (attempt - 1)


def rule_url(event: AlertEvent, base_url: str) -> str:
    return base_url + reverse("alerts-rule", args=[event.rule.workspace.slug, event.rule_id])


def payload(event: AlertEvent) -> dict:
    """The webhook's JSON: the event, its rule and the values that decided it (README, Alerts)."""
    rule = event.rule
    return {
        "id": f"evt_{event.pk}",
        "type": f"alert.{event.kind}",
        "created_at": event.at.isoformat(),
        "workspace": {"slug": rule.workspace.slug, "name": rule.workspace.name},
        "rule": {
            "id": rule.pk,
            "name": rule.name,
            "kpi": rule.kpi,
            "kpi_label": rule.kpi_label,
            "condition": rule.condition,
            "threshold": event.threshold,
            "window": rule.window,
            "campaign": rule.campaign.external_id if rule.campaign_id else None,
            "channel": rule.channel or None,
            "severity": rule.severity,
            "url": rule_url(event, settings.SITE_URL),
        },
        "value": event.value or None,
        "comparison": event.comparison or None,
        "period": {"first_day": event.first_day.isoformat(), "last_day": event.last_day.isoformat()},
        "detail": event.detail,
    }


def _log(event: AlertEvent, channel: str, attempt: int, *, ok: bool, status=None, error="", retry_in=None) -> None:
    NotificationAttempt.objects.create(
        rule_id=event.rule_id,
        event=event,
        channel=channel,
        attempt=attempt,
        at=timezone.now(),
        ok=ok,
        status_code=status,
        error=error[:300],
        next_attempt_in=retry_in,
    )


def webhook_attempt(event: AlertEvent, attempt: int) -> bool:
    """POST the event once (logged); True when the receiver answered 2xx."""
    rule = event.rule
    body = json.dumps(payload(event), separators=(",", ":")).encode()
    headers = webhooks.signed_headers(rule.webhook_secret, int(time.time()), body)
    status, error = None, ""
    try:
        status = webhooks.post(rule.webhook_url, body, headers)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except webhooks.UnsafeUrl as refused:
        error = str(refused)
    except (OSError, HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"
    ok = not error
    retry_in = None if ok or attempt >= MAX_ATTEMPTS else backoff_seconds(attempt)
    _log(event, DeliveryChannel.WEBHOOK, attempt, ok=ok, status=status, error=error, retry_in=retry_in)
    return ok


def email_message(event: AlertEvent, to: list[str]) -> EmailMultiAlternatives:
    """The branded email of an event (sender name and reply-to of the agency's brand)."""
    rule = event.rule
    brand = brand_for_workspace(rule.workspace)
    context = {"event": event, "rule": rule, "brand": brand, "url": rule_url(event, brand.base_url)}
    subject = f"{SUBJECT_PREFIX[event.kind]}: {rule.name} — {rule.workspace.name}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("alerts/email.txt", context),
        from_email=brand.from_email,
        to=to,
        reply_to=brand.reply_to_list or None,
    )
    message.attach_alternative(render_to_string("alerts/email.html", context), "text/html")
    return message


def email_attempt(event: AlertEvent, attempt: int) -> bool:
    """Send the event's email to the rule's recipients once (logged); True when sent or nobody to send to."""
    # Only those who still reach the workspace: a person removed since the rule was saved gets nothing.
    chosen = event.rule.recipients.values("pk")
    recipients = sorted(people_of(event.rule.workspace).filter(pk__in=chosen).values_list("email", flat=True))
    if not recipients:
        return True
    error = ""
    try:
        email_message(event, recipients).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    ok = not error
    retry_in = None if ok or attempt >= MAX_ATTEMPTS else backoff_seconds(attempt)
    _log(event, DeliveryChannel.EMAIL, attempt, ok=ok, error=error or f"Sent to {len(recipients)}", retry_in=retry_in)
    return ok
