"""The audit log is append-only for the app's role (PostgreSQL): entries leave only through the purge functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditAction, AuditEntry, Workspace
from accounts.rls import rls_bypass, rls_enforce
from tests.app_role import APP_ROLE_DB, as_role, create_app_role, role_name

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="database roles and privileges exist only on PostgreSQL",
    ),
    APP_ROLE_DB,
]


@pytest.fixture
def app_role(db, settings) -> str:
    """An ordinary role given the app's privileges by `rls_enforce`, as migrate does in production."""
    role = role_name()
    with connection.cursor() as cursor:
        create_app_role(cursor, role)  # every privilege on every table, as a careless grant would give
    settings.APP_DB_ROLE = role
    rls_enforce()  # …which the audit table's restriction takes back
    return role


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        return "permission denied" in str(error)
    return False


def test_the_app_role_adds_and_reads_entries_but_never_changes_or_deletes_one(app_role, workspace):
    with as_role(app_role):
        entry = audit.record(AuditAction.TARGET_CREATED, workspace=workspace, target=("target", 1, "Spend"))
        audit.record(AuditAction.INVITATION_SENT, agency=workspace.agency)
        with rls_bypass():
            assert AuditEntry.objects.count() == 2
        assert _refused("UPDATE accounts_auditentry SET action = 'auth.sign_in' WHERE id = %s", [entry.pk])
        assert _refused("DELETE FROM accounts_auditentry WHERE id = %s", [entry.pk])
        assert _refused("TRUNCATE accounts_auditentry")
        with rls_bypass():
            assert AuditEntry.objects.get(pk=entry.pk).action == AuditAction.TARGET_CREATED


def test_the_app_role_purges_expired_entries_through_the_function(app_role, workspace):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=500), tick=False):
        audit.record(AuditAction.TARGET_CREATED, workspace=workspace)
    with time_machine.travel(now - timedelta(days=20), tick=False):
        recent = audit.record(AuditAction.TARGET_CREATED, workspace=workspace)
    with as_role(app_role):
        assert audit.purge_expired(keep_days=400) == 1
        # Asked to keep nothing, the function still keeps the last 30 days (accounts/audit_db.py).
        assert audit.purge_expired(keep_days=0) == 0
        with rls_bypass():
            assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_workspace_s_entries_go_only_while_it_is_being_deleted(app_role, workspace):
    audit.record(AuditAction.TARGET_CREATED, workspace=workspace)
    with as_role(app_role):
        assert audit.forget_workspace(workspace.pk) == 0  # a live workspace keeps its log
        Workspace.objects.filter(pk=workspace.pk).update(deleting_since=datetime(2026, 12, 1, tzinfo=UTC))
        assert audit.forget_workspace(workspace.pk) == 1
        with rls_bypass():
            assert not AuditEntry.objects.filter(workspace_id=workspace.pk).exists()
