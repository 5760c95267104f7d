"""Celery tasks of the KPI engine: ids in, explicitly named, idempotent.

Coalescing: ingestion's after-commit listener (`schedule_workspace_recompute`)
queues `kpis.recompute_workspace` and notes its start time in the cache. An
isolated push (none from the workspace in the last BURST_GAP_SECONDS) starts
at once; a push within a burst starts COALESCE_SECONDS later, so the burst's
pushes share one run. A push that finds a noted start still ahead
adds nothing: its DataChange rows are committed (the listener runs after
commit), so the queued run, which cannot start before its time, reads them.
A push that finds the start passed (the run may be reading already) queues
the next run. The task also clears the note as it starts, for runs that
start at once (in-process, with no broker).

No write is lost, and this does not depend on the cache being shared between
processes (only the coalescing across web processes does: use Redis as the
cache in production): the task consumes only the DataChange rows it read, by
id, and re-queues itself when rows are left at its end.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError

from accounts.models import Workspace
from kpis import services

logger = logging.getLogger(__name__)

# A burst of pushes within this many seconds gives one recompute.
COALESCE_SECONDS = 0.5
# A push this soon after the workspace's previous one is part of a burst (an isolated push waits for
# nothing). Back-to-back batches of one sender commit closer than this; a sender that waits to see its
# numbers (a person, a sync that polls) does not.
BURST_GAP_SECONDS = 0.3
# How long the cache keeps a noted start: whole seconds (what the Redis cache keeps), past the start itself.
PENDING_FLAG_SECONDS = 1
# A queued run is trusted to be still ahead only this much before its start (clocks of web and worker hosts).
CLOCK_MARGIN_SECONDS = 0.1

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


def _last_push_key(workspace_id: int) -> str:
    return f"kpis:last-push:{workspace_id}"


def forget_workspace(workspace_id: int) -> None:
    """Drop what the cache holds about a deleted workspace."""
    cache.delete_many([_pending_key(workspace_id), _last_push_key(workspace_id)])


def _coalescing_delay(workspace_id: int, now: float) -> float:
    """No delay for an isolated push; COALESCE_SECONDS within a burst. Notes this push's time."""
    key = _last_push_key(workspace_id)
    previous = cache.get(key)
    cache.set(key, now, timeout=int(BURST_GAP_SECONDS) + 1)  # whole seconds: what Redis keeps
    return COALESCE_SECONDS if previous is not None and now - previous < BURST_GAP_SECONDS else 0.0


def schedule_workspace_recompute(workspace_id: int) -> bool:
    """Queue a coalesced recompute of the workspace unless a queued one has yet to start. True if queued."""
    key = _pending_key(workspace_id)
    now = time.time()
    start = now + _coalescing_delay(workspace_id, now)
    if not cache.add(key, start, timeout=PENDING_FLAG_SECONDS):
        queued_start = cache.get(key)
        if queued_start is not None and now < queued_start - CLOCK_MARGIN_SECONDS:
            return False
        cache.set(key, start, timeout=PENDING_FLAG_SECONDS)
    eta = datetime.fromtimestamp(start, UTC) if start > now else None  # no ETA: a worker takes it at once
    recompute_workspace_task.apply_async((workspace_id,), eta=eta)
    return True


@shared_task(name="kpis.recompute_workspace", **RETRY_POLICY)
def recompute_workspace_task(workspace_id: int) -> None:
    """Rebuild the rollups of the dates that changed since the last recompute."""
    cache.delete(_pending_key(workspace_id))  # for runs that start at once (in-process), before their noted start
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
