"""Celery tasks of scheduled reports: beat's tick and one delivery each (ids in, idempotent)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from accounts.tasks_base import ScopedTask
from reports import schedules


@shared_task(name="reports.send_due", base=ScopedTask, acks_late=True, ignore_result=True)
def send_due_task() -> None:
    """Every few minutes (beat): claim the due periods, and queue every delivery to attempt now."""
    for delivery_id in schedules.due_deliveries(timezone.now()):
        deliver_task.delay(delivery_id)


@shared_task(name="reports.deliver", base=ScopedTask, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_task(delivery_id: int) -> None:
    schedules.deliver(delivery_id)
