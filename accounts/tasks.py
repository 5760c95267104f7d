from celery import shared_task

from accounts.services import invitation_send


@shared_task(name="accounts.send_invitation", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_task(invitation_id: int) -> None:
    """Mail an invitation. SMTP hiccups are retried with backoff."""
    invitation_send(invitation_id=invitation_id)
