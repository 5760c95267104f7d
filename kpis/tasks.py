"""Celery tasks of the KPI engine: ids in, explicitly named, idempotent.

Coalescing: ingestion's after-commit listener (`schedule_workspace_recompute`)
queues `kpis.recompute_workspace` only when the workspace has no run queued
that has yet to start (`kpis.recompute_queue`, in the database): pushes while
one waits add nothing, since their DataChange rows are committed and the
waiting run reads them. So however far the workers fall behind, a workspace
has one run in the queue, and the queue takes the busy workspaces in turn.

An isolated push (none from the workspace in the last BURST_GAP_SECONDS, noted
in the cache) starts its run at once; one within a burst starts it
COALESCE_SECONDS later, so the rest of the burst joins it rather than the
run that is reading already.

No write is lost: the run releases the workspace's slot before it reads the
changes, consumes only the DataChange rows it read, by id, and re-queues
itself when rows are left at its end. The cache only tells bursts apart: a
cache per process (no CACHE_URL) loses coalescing across web processes,
nothing else.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError

from accounts.models import Workspace
from kpis import recompute_queue, services

logger = logging.getLogger(__name__)

# A burst of pushes within this many seconds gives one recompute.
COALESCE_SECONDS = 0.5
# A push this soon after the workspace's previous one is part of a burst (an isolated push waits for
# nothing). Back-to-back batches of one sender commit closer than this; a sender that waits to see its
# numbers (a person, a sync that polls) does not.
BURST_GAP_SECONDS = 0.3

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


def _last_push_key(workspace_id: int) -> str:
    return f"kpis:last-push:{workspace_id}"


def forget_workspace(workspace_id: int) -> None:
    """Drop what the cache holds about a deleted workspace."""
    cache.delete(_last_push_key(workspace_id))


def _coalescing_delay(workspace_id: int, now: float) -> float:
    """No delay for an isolated push; COALESCE_SECONDS within a burst. Notes this push's time."""
    key = _last_push_key(workspace_id)
    previous = cache.get(key)
    cache.set(key, now, timeout=int(BURST_GAP_SECONDS) + 1)  # whole seconds: what Redis keeps
    return COALESCE_SECONDS if previous is not None and now - previous < BURST_GAP_SECONDS else 0.0


def schedule_workspace_recompute(workspace_id: int) -> bool:
    """Queue a recompute of the workspace unless one is queued and has yet to start. True if queued."""
    now = time.time()
    delay = _coalescing_delay(workspace_id, now)
    if not recompute_queue.claim(workspace_id):
        return False
    eta = datetime.fromtimestamp(now + delay, UTC) if delay else None  # no ETA: a worker takes it at once
    try:
        recompute_workspace_task.apply_async((workspace_id,), eta=eta)
    except Exception:
        recompute_queue.release(workspace_id)  # not queued after all (broker down): the next push tries again
        raise
    return True


@shared_task(name="kpis.recompute_workspace", **RETRY_POLICY)
def recompute_workspace_task(workspace_id: int) -> None:
    """Rebuild the rollups of the dates that changed since the last recompute."""
    recompute_queue.release(workspace_id)  # before reading: a push committed from now on queues the next run
    services.recompute_pending_changes(workspace_id=workspace_id)
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
