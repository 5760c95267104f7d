"""Intake counts laid down by hand, for the health rules' tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accounts.tenancy import workspace_scope
from campaigns.models import IntakeDay


def sent(workspace, *, kind="api_key", source_id="1", resource="leads", days=(), received=10, rejected=0):
    """One intake row per local day in `days` (received rows that day)."""
    with workspace_scope(workspace):
        for day in days:
            IntakeDay.objects.create(
                source_kind=kind,
                source_id=source_id,
                resource=resource,
                day=day,
                received=received(day) if callable(received) else received,
                rejected=rejected,
                last_received_at=datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC) if received else None,
            )


def day_range(first: date, last: date, step: int = 1) -> list[date]:
    return [first + timedelta(days=i) for i in range(0, (last - first).days + 1, step)]
