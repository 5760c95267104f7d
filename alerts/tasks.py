"""Celery tasks of alerts: evaluate after a recompute, then notify (ids in, each attempt logged)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import DatabaseError

from accounts.tasks_base import ScopedTask
from accounts.tenancy import workspace_scope
from alerts import evaluation, notifications
from alerts.models import AlertEvent


@shared_task(
    name="alerts.evaluate_workspace",
    base=ScopedTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    max_retries=5,
    ignore_result=True,
)
def evaluate_workspace_task(workspace_id: int, ranges: list[list[str]] | None = None) -> None:
    parsed = None if ranges is None else [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in ranges]
    evaluation.evaluate_workspace(workspace_id, parsed)


def _event(event_id: int) -> AlertEvent | None:
    event = (
        AlertEvent.objects.unscoped().select_related("rule__workspace", "rule__campaign").filter(pk=event_id).first()
    )
    return event


@shared_task(name="alerts.notify_event", base=ScopedTask, acks_late=True, ignore_result=True)
def notify_event_task(event_id: int) -> None:
    """Fan an event out to its channels: each retries on its own."""
    event = _event(event_id)
    if event is None:
        return
    if event.rule.webhook_url:
        send_webhook_task.delay(event_id)
    with workspace_scope(event.rule.workspace):  # the recipients are the workspace's rows (row-level security)
        has_recipients = event.rule.recipients.exists()
    if has_recipients:
        send_email_task.delay(event_id)


def _send(task, event_id: int, attempt_once) -> None:
    event = _event(event_id)
    if event is None:
        return
    attempt = task.request.retries + 1
    with workspace_scope(event.rule.workspace):
        ok = attempt_once(event, attempt)
    if not ok and attempt < notifications.MAX_ATTEMPTS:
        if task.request.is_eager:
            # In-process (no broker: tests, development): the next attempt at once, its wait only logged.
            task.apply((event_id,), retries=attempt)
            return
        raise task.retry(countdown=notifications.backoff_seconds(attempt), max_retries=notifications.MAX_ATTEMPTS - 1)


@shared_task(name="alerts.send_webhook", base=ScopedTask, bind=True, acks_late=True, ignore_result=True)
def send_webhook_task(self, event_id: int) -> None:
    _send(self, event_id, notifications.webhook_attempt)


@shared_task(name="alerts.send_email", base=ScopedTask, bind=True, acks_late=True, ignore_result=True)
def send_email_task(self, event_id: int) -> None:
    _send(self, event_id, notifications.email_attempt)
