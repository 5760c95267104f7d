"""The app's ordinary database role in tests (PostgreSQL): NOSUPERUSER NOBYPASSRLS, not the tables' owner.

The suite connects as the superuser `postgres`, which bypasses row-level security; these helpers switch
to an ordinary role, as the app's own role would be in production.

Plain PostgreSQL: the role is made inside the test's transaction (gone with its rollback) and switched to
with `SET LOCAL ROLE`.

Citus (CITUS=1) cannot do that. It connects to the workers as the current role, so the role must log in
on every node: `.ci/citus` makes `<database>_app` on the three nodes and exports APP_DB_ROLE before
`migrate`, which grants it as in production. And Citus refuses to touch, as one user, shard placements
another user modified in the same transaction. So there the tests that use the role commit their data
(`APP_ROLE_DB`: a transactional test, the database flushed after it) and switch with a session-wide
`SET ROLE`: every transaction of the block is the role's own, as when the app connects as it.

CI's Citus pass goes further: the whole suite connects as that login role (`.ci/citus` sets
TEST_DB_ADMIN_ROLE, `SUITE_AS_APP_ROLE`). The role is a NOINHERIT member of the admin role, so its
privileges are its own until `as_admin()` switches for the suite's own housekeeping that the app
never does (flushing every table after a transactional test, the planner's catalog, bulk COPY).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection

from accounts.rls import rls_bypass
from config.db.postgresql.base import SET_SQL, citus_set_sql

ON_CITUS = os.environ.get("CITUS") == "1"
# The role the suite's housekeeping switches to when the suite itself connects as the app's role.
ADMIN_ROLE = os.environ.get("TEST_DB_ADMIN_ROLE", "")
SUITE_AS_APP_ROLE = ON_CITUS and bool(ADMIN_ROLE)

# The django_db mark of a test that switches to the app's role, or calls a SECURITY DEFINER function (its
# owner is another user to Citus than the app's role the suite connects as): its data committed on Citus.
APP_ROLE_DB = pytest.mark.django_db(transaction=ON_CITUS)


def role_name() -> str:
    """The role's name: one per test database, so parallel runs on one cluster do not share it."""
    if ON_CITUS:
        return settings.APP_DB_ROLE or f"{connection.settings_dict['NAME']}_app"[:63]
    return f"{connection.settings_dict['NAME']}_app"[:63]


def create_app_role(cursor, role: str) -> None:
    """Plain PostgreSQL: the role with every privilege on every table. Citus: check .ci/citus made it."""
    if ON_CITUS:
        cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        assert row and row[0], f"no login role {role!r} on this cluster: .ci/citus makes it (APP_DB_ROLE)"
        return
    quoted = connection.ops.quote_name(role)
    cursor.execute(f"CREATE ROLE {quoted} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOLOGIN")
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")


@contextmanager
def as_role(role: str) -> Iterator[None]:
    """The block's statements as `role`, as the app runs (no RLS bypass unless the block asks for one):
    for its transaction (PostgreSQL) or its session (Citus)."""
    if ON_CITUS and connection.in_atomic_block:
        raise RuntimeError("on Citus a test that switches role commits its data: mark it APP_ROLE_DB")
    with _switched(connection, role, local=not ON_CITUS), rls_bypass(False):
        yield


@contextmanager
def as_admin(target=None) -> Iterator[None]:
    """The block's statements on `target` (a connection; the default one) as the admin role, when the
    suite connects as the app's role (`SUITE_AS_APP_ROLE`); else as they are. For the suite's own
    housekeeping only: what the app does must run as the app's role."""
    if not SUITE_AS_APP_ROLE:
        yield
        return
    with _switched(target or connection, ADMIN_ROLE, local=False):
        yield


@contextmanager
def _switched(target, role: str, *, local: bool) -> Iterator[None]:
    """SET [LOCAL] ROLE on `target` for the block, RESET ROLE after."""
    with target.cursor() as cursor:
        cursor.execute(f"SET {'LOCAL ' if local else ''}ROLE {target.ops.quote_name(role)}")
    try:
        yield
    finally:
        with target.cursor() as cursor:
            cursor.execute("RESET ROLE")


def set_workspace(workspace_id) -> None:
    """Set app.workspace_id for the current transaction by hand, as the backend does (the form Citus passes on)."""
    with connection.cursor() as cursor:
        if connection.citus:
            cursor.execute(citus_set_sql((str(workspace_id), "")))
        else:
            cursor.execute(SET_SQL, [str(workspace_id), ""])


def analyse_as_owner(tables) -> None:
    """ANALYZE `tables` as their owner (the admin role); skips the test where that role may not."""
    with as_admin(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("ANALYZE of the tables needs their owner")
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
