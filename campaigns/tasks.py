"""Celery tasks of the campaigns app: ids in, explicitly named, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from campaigns import imports

MAX_RETRIES = 3


@shared_task(
    bind=True,
    name="campaigns.import_csv",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
def import_csv_task(self, workspace_id: int, job_id: int) -> None:
    """Import one CSV file: check every row in batches of 1,000 (progress committed after each), then write all
    rows in one transaction. Safe to run again: the write is one transaction that also marks the job done, and a
    job already done, failed or deleted is left alone.
    """
    try:
        imports.import_run(workspace_id=workspace_id, job_id=job_id)
    except DatabaseError as exc:
        if self.request.retries >= MAX_RETRIES:
            imports.job_abandon(workspace_id=workspace_id, job_id=job_id)
            raise
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc


@shared_task(name="campaigns.purge_retention", ignore_result=True)
def purge_retention_task() -> dict[str, int]:
    """Nightly (beat): touchpoints past each workspace's retention, idempotency keys, import drafts."""
    from campaigns import retention

    return retention.purge_all()
