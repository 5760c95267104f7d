from celery import shared_task

from accounts import offboarding
from accounts.services import invitation_send


@shared_task(name="accounts.send_invitation", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_task(invitation_id: int) -> None:
    """Mail an invitation. SMTP hiccups are retried with backoff."""
    invitation_send(invitation_id=invitation_id)


@shared_task(name="accounts.export_workspace")
def export_workspace_task(workspace_id: int, export_id: int) -> None:
    """Write a whole workspace's ZIP (accounts/workspace_export.py)."""
    offboarding.export_run(workspace_id=workspace_id, export_id=export_id)


@shared_task(name="accounts.delete_workspace", autoretry_for=(OSError,), max_retries=5)
def delete_workspace_task(workspace_id: int) -> None:
    """Remove a workspace marked deleting; a rerun carries on where the last one stopped."""
    offboarding.workspace_delete_data(workspace_id=workspace_id)


@shared_task(name="accounts.purge_expired_exports")
def purge_expired_exports_task() -> int:
    return offboarding.exports_purge_expired()


@shared_task(name="accounts.purge_audit_log")
def purge_audit_log_task() -> int:
    """Nightly (beat): audit entries older than AUDIT_RETENTION_DAYS."""
    from accounts import audit

    return audit.purge_expired()
