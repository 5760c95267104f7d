"""A real task through a real broker to a real worker process (CI's PostgreSQL run)."""

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Invitation
from accounts.services import invitation_create
from tests.broker import celery_worker, wait_for

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI's PostgreSQL run sets it)"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="a worker process needs a shared database server",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_a_worker_through_the_broker(workspace, agency_owner, real_broker):
    with celery_worker():
        invitation = invitation_create(
            agency=workspace.agency,
            workspace=workspace,
            email="far@away.example",
            role="viewer",
            invited_by=agency_owner,
        )
        # Autocommit: the task is queued at once and this process never runs it.
        assert mail.outbox == []
        assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None), (
            "the worker never sent it"
        )
    assert Invitation.objects.get(pk=invitation.pk).token_hash
