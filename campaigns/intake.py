"""A daily count of what arrived from where, for data health (health/): one statement per batch.

Each write path names its source: the API (the key that sent the batch), the
CSV import, the tracking snippet (its site key). Accepted rows are counted in
the batch's own transaction (an undone batch counts nothing); rejected rows
(a refused API batch, a failed import's invalid rows) after the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import IntakeDay

API_KEY = IntakeDay.SourceKind.API_KEY.value
IMPORT = IntakeDay.SourceKind.IMPORT.value
TRACKING = IntakeDay.SourceKind.TRACKING.value


@dataclass(frozen=True)
class Source:
    """Where a batch came from: its kind and the id of the key that sent it ("" for the CSV import)."""

    kind: str
    id: str = ""


# Standard SQL upsert, the same text on PostgreSQL and SQLite (≥ 3.24): counts add up, the last arrival moves on.
_UPSERT = """
INSERT INTO campaigns_intakeday
    (workspace_id, source_kind, source_id, resource, day, received, rejected, last_received_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (workspace_id, source_kind, source_id, resource, day) DO UPDATE SET
    received = campaigns_intakeday.received + excluded.received,
    rejected = campaigns_intakeday.rejected + excluded.rejected,
    last_received_at = COALESCE(excluded.last_received_at, campaigns_intakeday.last_received_at)
"""
assert IntakeDay._meta.db_table == "campaigns_intakeday"


def record(*, workspace: Workspace, source: Source, resource: str, received: int = 0, rejected: int = 0) -> None:
    """Add a batch's accepted and rejected rows to today's count (the workspace's local day)."""
    if received <= 0 and rejected <= 0:
        return
    now = timezone.now()
    day = now.astimezone(workspace.tz).date()
    params = [
        workspace.pk,
        source.kind,
        source.id,
        resource,
        connection.ops.adapt_datefield_value(day),
        max(received, 0),
        max(rejected, 0),
        connection.ops.adapt_datetimefield_value(now) if received > 0 else None,
    ]
    with workspace_scope(workspace), connection.cursor() as cursor:
        cursor.execute(_UPSERT, params)


def rejected_rows(errors, batch_size: int) -> int:
    """How many rows a refusal rejects: the rows named by its errors, or the whole batch for a batch-wide one."""
    indexes = {getattr(e, "index", None) for e in errors}
    if None in indexes or not indexes:
        return max(batch_size, 1)
    return len(indexes)
