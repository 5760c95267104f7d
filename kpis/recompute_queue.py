"""At most one queued recompute per workspace, noted in the database (`QueuedRecompute`).

A push claims the workspace's slot after its commit; the claim succeeds only
when no run is queued, so a workspace pushing faster than the workers keep up
has one run waiting, not one per push, and the queue holds each busy workspace
once: the workers take them in turn, none starves. The run releases the slot
as it starts, before reading the changes, so a push committed after the
release queues the next run and one committed before is read by this one.

Kept in the database rather than the cache: the release by a worker must reach
every web process, whatever cache they are configured with. A slot held longer
than LOST_AFTER (a run lost with its broker) is taken again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpis.models import QueuedRecompute

LOST_AFTER = timedelta(minutes=10)

# Inserted, or taken over when lost; the row comes back only then.
CLAIM_SQL = (
    "INSERT INTO kpis_queuedrecompute (workspace_id, queued_at) VALUES (%s, %s)"
    " ON CONFLICT (workspace_id) DO UPDATE SET queued_at = excluded.queued_at"
    " WHERE kpis_queuedrecompute.queued_at < %s RETURNING workspace_id"
)


def _scope(workspace_id: int):
    # The id is all the scope needs (the row-level security setting): no query for the workspace itself.
    return workspace_scope(Workspace(pk=workspace_id))


def claim(workspace_id: int, now: datetime | None = None) -> bool:
    """Note a queued run of the workspace. False when one is queued already (and not lost)."""
    now = now or timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with _scope(workspace_id), connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [workspace_id, adapt(now), adapt(now - LOST_AFTER)])
        return cursor.fetchone() is not None


def release(workspace_id: int) -> None:
    """The workspace's queued run starts: pushes from now on queue the next one."""
    with _scope(workspace_id):
        QueuedRecompute.objects.filter(workspace_id=workspace_id).delete()
