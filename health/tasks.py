"""Celery task of the daily digest: beat's tick (idempotent: one digest per person and local day)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from accounts.tasks_base import ScopedTask
from health import digest


@shared_task(name="health.send_digests", base=ScopedTask, acks_late=True, ignore_result=True)
def send_digests_task() -> int:
    """Every quarter hour (beat): send the digests whose hour has come."""
    return digest.send_due(timezone.now())
