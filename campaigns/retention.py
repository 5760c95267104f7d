"""Retention: what is deleted on schedule, and how the KPIs stay true to what is kept (docs/security.md).

- Touchpoints older than a workspace's `touchpoint_retention_days` (blank: kept forever),
  counted in the workspace's own days: on the day D a setting of N days keeps every
  touchpoint of D - N and later. They go in batches of ids, each batch one short
  transaction that also records its days as changed (`campaigns.changes`), so the
  rollups of those days are rebuilt from what is left, even if the purge stops half-way.
  What that means for the KPIs is in docs/security.md: the touchpoint KPIs of purged
  days fall to zero; spend, leads, deals and revenue are untouched.
- Idempotency keys past their 24 hours (`campaigns.idempotency.idempotency_purge`).
- CSV import drafts never confirmed, older than DRAFT_IMPORT_RETENTION_DAYS: the job and the
  file's text it holds.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, Workspace
from accounts.rls import rls_bypass
from accounts.tenancy import workspace_scope
from campaigns.changes import record_change
from campaigns.idempotency import idempotency_purge
from campaigns.models import ImportJob, Touchpoint

logger = logging.getLogger("pulse.retention")

TOUCHPOINT_BATCH = 2000
DRAFT_BATCH = 500


def touchpoint_cutoff(workspace: Workspace, today: date | None = None) -> date | None:
    """The first local date kept (older ones are purged); None when the workspace keeps everything."""
    if not workspace.touchpoint_retention_days:
        return None
    today = today or timezone.localdate(timezone=workspace.tz)
    return today - timedelta(days=workspace.touchpoint_retention_days)


def touchpoints_purge(*, workspace: Workspace, today: date | None = None, batch: int = TOUCHPOINT_BATCH) -> int:
    """Delete the workspace's touchpoints dated before its cutoff; returns how many."""
    cutoff = touchpoint_cutoff(workspace, today)
    if cutoff is None:
        return 0
    deleted = 0
    first_day = None
    with workspace_scope(workspace):
        old = Touchpoint.objects.filter(occurred_on__lt=cutoff)
        while ids := list(old.order_by("pk").values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                rows = Touchpoint.objects.filter(pk__in=ids)
                span = rows.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
                removed, _ = rows.delete()
                record_change(workspace=workspace, days=[span["first"], span["last"]])
            deleted += removed
            first_day = span["first"] if first_day is None else min(first_day, span["first"])
        if deleted:
            audit.record(
                AuditAction.TOUCHPOINTS_PURGED,
                workspace=workspace,
                target=workspace,
                touchpoints=deleted,
                first_day=first_day,
                before=cutoff,
                retention_days=workspace.touchpoint_retention_days,
            )
    return deleted


def draft_imports_purge(*, older_than: timedelta | None = None, batch: int = DRAFT_BATCH) -> int:
    """Delete import jobs never confirmed (still drafts) created longer ago than `older_than`, every workspace."""
    older_than = older_than or timedelta(days=settings.DRAFT_IMPORT_RETENTION_DAYS)
    cutoff = timezone.now() - older_than
    deleted = 0
    with rls_bypass():  # maintenance across every workspace
        drafts = ImportJob.objects.unscoped().filter(status=ImportJob.Status.DRAFT, created_at__lt=cutoff)
        while ids := list(drafts.order_by("pk").values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                removed, _ = ImportJob.objects.unscoped().filter(pk__in=ids).delete()
            deleted += removed
    return deleted


def purge_all() -> dict[str, int]:
    """The nightly retention run: every workspace's touchpoints, idempotency keys, import drafts."""
    touchpoints = 0
    for workspace in Workspace.objects.filter(deleting_since=None, touchpoint_retention_days__isnull=False):
        try:
            touchpoints += touchpoints_purge(workspace=workspace)
        except Exception:  # one workspace's failure must not stop the others' retention; retried tomorrow
            logger.exception("Touchpoint retention failed for workspace %s", workspace.pk)
    with rls_bypass():
        keys = idempotency_purge()
    return {"touchpoints": touchpoints, "idempotency_keys": keys, "draft_imports": draft_imports_purge()}
