"""Row-level security, the second wall (issue 7, item 1): PostgreSQL only.

The suite connects as the superuser `postgres`, which bypasses RLS, so every
test here switches to an ordinary role (NOSUPERUSER NOBYPASSRLS, not the
tables' owner) with `SET ROLE`, as the app's own role would be in production.
"""

from __future__ import annotations

import pytest
from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from accounts.rls import POLICY_NAME, RLS_EXEMPT_TABLES, rls_bypass, rls_enforce, rls_gaps, workspace_tables
from accounts.tasks_base import ScopedTask
from accounts.tenancy import WorkspaceOwned, current_workspace, workspace_scope
from campaigns.models import Campaign
from tests.app_role import (
    APP_ROLE_DB,
    ON_CITUS,
    as_admin,
    as_role,
    create_app_role,
    role_name,
    set_workspace,
)
from tests.data_factories import CampaignFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="row-level security exists only on PostgreSQL (DATABASE_URL=postgres://…)",
    ),
]


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.fixture
def campaigns(workspace, other_workspace):
    """Two campaigns in `workspace`, three in `other_workspace`."""
    for _ in range(2):
        CampaignFactory(workspace=workspace)
    for _ in range(3):
        CampaignFactory(workspace=other_workspace)


# The catalog


def test_every_workspace_table_has_rls_enabled_forced_and_a_policy(db):
    with connection.cursor() as cursor:
        assert rls_gaps(cursor) == {}
        tables = set(workspace_tables(cursor))
    owned = {model._meta.db_table for model in apps.get_models() if issubclass(model, WorkspaceOwned)}
    assert owned <= tables
    # The exemptions are access-control tables only, never a workspace's data.
    assert set(RLS_EXEMPT_TABLES) <= tables
    assert not set(RLS_EXEMPT_TABLES) & owned


def test_a_table_created_without_rls_fails_the_catalog_check_until_the_next_migrate(db):
    with as_admin(), connection.cursor() as cursor:  # a migration's work: the tables' owner's
        cursor.execute("CREATE TABLE hardening_probe (id bigserial PRIMARY KEY, workspace_id bigint NOT NULL)")
        assert rls_gaps(cursor) == {"hardening_probe": ["not enabled", "not forced", "no policy"]}
    with as_admin():
        assert rls_enforce() == ["hardening_probe"]
    with connection.cursor() as cursor:
        assert rls_gaps(cursor) == {}
        cursor.execute("SELECT count(*) FROM pg_policies WHERE tablename = 'hardening_probe'")
        assert cursor.fetchone()[0] == 1
    with as_admin():
        assert rls_enforce() == []  # idempotent


def test_the_policy_is_the_documented_one(db):
    qual = _scalar(
        "SELECT qual FROM pg_policies WHERE tablename = 'campaigns_campaign' AND policyname = %s", [POLICY_NAME]
    )
    assert "NULLIF(current_setting('app.workspace_id'::text, true), ''::text))::bigint" in qual
    assert "current_setting('app.rls_bypass'::text, true) = 'on'::text" in qual


def test_an_outdated_policy_is_replaced_at_the_next_migrate(db):
    with as_admin(), connection.cursor() as cursor:  # a migration's work: the tables' owner's
        if ON_CITUS:  # a policy changed on every shard, then grants, in one transaction: one connection per node
            cursor.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
        cursor.execute(f"DROP POLICY {POLICY_NAME} ON campaigns_campaign")
        cursor.execute(f"CREATE POLICY {POLICY_NAME} ON campaigns_campaign USING (true)")
        assert rls_gaps(cursor) == {"campaigns_campaign": ["policy differs"]}
        assert rls_enforce() == ["campaigns_campaign"]
    with connection.cursor() as cursor:
        assert rls_gaps(cursor) == {}


# Raw SQL as the ordinary role (a setting made by hand lasts for its transaction: the blocks are atomic)


@APP_ROLE_DB
def test_raw_sql_with_no_workspace_set_sees_no_rows(app_role, campaigns):
    assert _scalar("SELECT count(*) FROM campaigns_campaign") == 5  # as postgres: RLS bypassed
    with as_role(app_role):
        assert _scalar("SELECT current_user") == app_role
        assert _scalar("SELECT count(*) FROM campaigns_campaign") == 0
        assert _scalar("SELECT count(*) FROM accounts_apikey") == 0


@APP_ROLE_DB
def test_raw_sql_with_workspace_a_set_sees_only_a(app_role, campaigns, workspace, other_workspace):
    with as_role(app_role), transaction.atomic():
        set_workspace(workspace.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT workspace_id FROM campaigns_campaign")
            assert [row[0] for row in cursor.fetchall()] == [workspace.pk]
        assert _scalar("SELECT count(*) FROM campaigns_campaign") == 2
        assert _scalar("SELECT count(*) FROM campaigns_campaign WHERE workspace_id = %s", [other_workspace.pk]) == 0


@APP_ROLE_DB
def test_writing_a_row_of_another_workspace_is_refused(app_role, campaigns, workspace, other_workspace):
    insert = (
        "INSERT INTO campaigns_campaign (workspace_id, external_id, name, channel, is_abm, created_at, updated_at)"
        " VALUES (%s, 'sneaky', 'Sneaky', 'email', false, now(), now())"
    )
    with as_role(app_role):
        # Each refusal rolls back to a savepoint: the backend then re-asserts its own (empty) setting.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            set_workspace(workspace.pk)
            _scalar(insert + " RETURNING id", [other_workspace.pk])
        # Citus refuses any change of the distribution column, before the policy would.
        moved = "modifying the partition value" if ON_CITUS else "row-level security"
        with pytest.raises(DatabaseError, match=moved), transaction.atomic():
            set_workspace(workspace.pk)
            _scalar("UPDATE campaigns_campaign SET workspace_id = %s RETURNING id", [other_workspace.pk])
        with transaction.atomic():
            set_workspace(workspace.pk)
            with connection.cursor() as cursor:
                cursor.execute("UPDATE campaigns_campaign SET name = 'x' WHERE workspace_id = %s", [other_workspace.pk])
                assert cursor.rowcount == 0
                cursor.execute("DELETE FROM campaigns_campaign WHERE workspace_id = %s", [other_workspace.pk])
                assert cursor.rowcount == 0
            assert _scalar(insert + " RETURNING workspace_id", [workspace.pk]) == workspace.pk
    assert Campaign.objects.unscoped().filter(workspace=other_workspace).count() == 3
    assert Campaign.objects.unscoped().filter(workspace=workspace).count() == 3


@shared_task(base=ScopedTask, name="tests.hardening.count_campaigns_raw")
def count_campaigns_raw_task() -> tuple[bool, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM campaigns_campaign")
        return current_workspace() is None, cursor.fetchone()[0]


@APP_ROLE_DB
def test_a_task_run_without_a_workspace_sees_nothing(app_role, campaigns, workspace):
    with as_role(app_role):
        # Queued from inside a request's scope: the task body still has none of its own.
        with workspace_scope(workspace):
            # Eager, in this process: a worker thread an earlier test ran here leaves Celery thinking it is
            # inside a task, where a plain .get() refuses.
            no_scope, count = count_campaigns_raw_task.apply().get(disable_sync_subtasks=False)
        assert no_scope
        assert count == 0


# The app's ORM path: the backend sets app.workspace_id per transaction


@APP_ROLE_DB
def test_the_orm_sets_the_workspace_for_the_transaction(app_role, campaigns, workspace, other_workspace):
    with as_role(app_role), transaction.atomic():
        with workspace_scope(workspace):
            assert Campaign.objects.count() == 2
            assert _scalar("SELECT count(*) FROM campaigns_campaign") == 2  # raw SQL in scope: same wall
            assert _scalar("SELECT current_setting('app.workspace_id', true)") == str(workspace.pk)
        with workspace_scope(other_workspace):
            assert Campaign.objects.count() == 3
        # Out of scope: the setting is cleared within the same transaction.
        assert _scalar("SELECT current_setting('app.workspace_id', true)") == ""
        assert _scalar("SELECT count(*) FROM campaigns_campaign") == 0


@APP_ROLE_DB
def test_unscoped_and_rls_bypass_are_the_escape_hatches(app_role, campaigns, workspace):
    with as_role(app_role):
        assert Campaign.objects.unscoped().count() == 5
        assert Campaign.objects.unscoped().filter(name__startswith="Campaign").exists()
        assert Campaign.objects.unscoped().update(is_abm=True) == 5
        with workspace_scope(workspace):
            assert Campaign.objects.unscoped().count() == 5
            assert Campaign.objects.count() == 2
        with rls_bypass():
            assert _scalar("SELECT count(*) FROM campaigns_campaign") == 5
        assert _scalar("SELECT count(*) FROM campaigns_campaign") == 0


@APP_ROLE_DB
def test_one_setting_statement_per_transaction_and_none_without_a_scope(app_role, campaigns, workspace, monkeypatch):
    sent = []
    original = connection._send_setting
    monkeypatch.setattr(connection, "_send_setting", lambda wanted: (sent.append(wanted), original(wanted)))
    with as_role(app_role), transaction.atomic():
        with workspace_scope(workspace):
            Campaign.objects.count()
        sent.clear()
        # The transaction holds the workspace: the first query out of its scope clears that, once.
        assert _scalar("SELECT count(*) FROM campaigns_campaign") == 0
        assert sent == [("", "")]
        sent.clear()
        for _ in range(3):
            assert _scalar("SELECT count(*) FROM campaigns_campaign") == 0
        assert sent == []
        with workspace_scope(workspace):
            for _ in range(5):
                list(Campaign.objects.all())
            with transaction.atomic():  # a savepoint keeps the transaction's setting
                Campaign.objects.count()
        assert sent == [(str(workspace.pk), "")]


@pytest.mark.django_db(transaction=True)
def test_outside_atomic_each_statement_gets_its_own_transaction(workspace, other_workspace):
    for ws, n in ((workspace, 2), (other_workspace, 3)):
        for _ in range(n):
            CampaignFactory(workspace=ws)
    role = role_name()
    quoted = connection.ops.quote_name(role)
    assert connection.get_autocommit()
    with connection.cursor() as cursor:
        if not ON_CITUS and _role_exists(cursor, role):  # left over by an interrupted run
            cursor.execute(f"DROP OWNED BY {quoted}")
            cursor.execute(f"DROP ROLE {quoted}")
        create_app_role(cursor, role)  # on Citus: the login role of .ci/citus, kept
        cursor.execute(f"SET ROLE {quoted}")
    try:
        with rls_bypass(False), workspace_scope(workspace):  # as the app runs
            assert Campaign.objects.count() == 2
            assert list(Campaign.objects.values_list("workspace_id", flat=True).distinct()) == [workspace.pk]
            # A server-side cursor (WITH HOLD outside a transaction) is filled under the setting too.
            assert len(list(Campaign.objects.iterator(chunk_size=1))) == 2
        # Nothing leaked into the session: the next statement is outside any transaction that had it.
        with rls_bypass(False):
            assert _scalar("SELECT current_setting('app.workspace_id', true)") in ("", None)
            assert _scalar("SELECT count(*) FROM campaigns_campaign") == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            if not ON_CITUS:
                cursor.execute(f"DROP OWNED BY {quoted}")
                cursor.execute(f"DROP ROLE {quoted}")


def _role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def test_a_broken_transaction_still_gets_djangos_own_error(campaigns, workspace):
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError), transaction.atomic():
        with pytest.raises(DatabaseError), transaction.atomic(savepoint=False):
            _scalar("SELECT 1/0")
        with workspace_scope(workspace):  # a setting to send: it must not mask Django's error
            Campaign.objects.count()
