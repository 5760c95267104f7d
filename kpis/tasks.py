"""Celery tasks of the KPI engine: ids in, explicitly named, idempotent.

Coalescing: ingestion's after-commit listener (`schedule_workspace_recompute`)
queues `kpis.recompute_workspace` with a short countdown and sets a flag
(cache.add) that the task clears as it starts: the pushes of a burst that see
the flag add nothing, and their DataChange rows, committed while the flag
stood, so before the task started, are consumed by that one run.

No write is lost: the task consumes only the DataChange rows it read, by id;
a push committed during the recompute finds the flag gone and queues the
next run (the flag also expires by itself, should a task be lost); and the task
itself re-queues when rows are left at its end. Correctness does not depend
on the cache being shared between processes; coalescing across web processes
does (use Redis as the cache in production).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError

from accounts.models import Workspace
from kpis import services

logger = logging.getLogger(__name__)

# A burst of pushes within this many seconds gives one recompute.
COALESCE_SECONDS = 0.5
# The flag's lifetime: whole seconds (what the Redis cache keeps); the task clears it as it starts anyway.
PENDING_FLAG_SECONDS = 1

RETRY_POLICY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 6,
    "ignore_result": True,
}


def _pending_key(workspace_id: int) -> str:
    return f"kpis:recompute-pending:{workspace_id}"


def schedule_workspace_recompute(workspace_id: int) -> bool:
    """Queue a coalesced recompute of the workspace unless one is already queued. True if queued."""
    if not cache.add(_pending_key(workspace_id), 1, timeout=PENDING_FLAG_SECONDS):
        return False
    recompute_workspace_task.apply_async((workspace_id,), countdown=COALESCE_SECONDS)
    return True


@shared_task(name="kpis.recompute_workspace", **RETRY_POLICY)
def recompute_workspace_task(workspace_id: int) -> None:
    """Rebuild the rollups of the dates that changed since the last recompute."""
    cache.delete(_pending_key(workspace_id))
    services.recompute_pending_changes(workspace_id)
    if services.pending_changes_exist(workspace_id):
        schedule_workspace_recompute(workspace_id)


@shared_task(name="kpis.recompute_workspace_full", **RETRY_POLICY)
def recompute_workspace_full_task(workspace_id: int) -> None:
    """Rebuild every rollup of the workspace (after a settings change, and nightly).

    A time-zone change is noticed here: every local date is rewritten first.
    """
    services.workspace_kpis_rebuild(workspace_id)


@shared_task(name="kpis.recompute_all_workspaces", acks_late=True, ignore_result=True)
def recompute_all_workspaces_task() -> None:
    """The periodic guard against drift: a full recompute of every workspace, one task each."""
    for workspace_id in Workspace.objects.order_by("id").values_list("id", flat=True).iterator():
        recompute_workspace_full_task.delay(workspace_id)
