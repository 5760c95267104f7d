"""Django's PostgreSQL backend, plus the transaction-local settings row-level security reads.

Before a statement runs, the connection makes sure that the current
transaction has `app.workspace_id` = the workspace in scope
(`accounts.tenancy.current_workspace()`) and `app.rls_bypass` = `on` inside
`rls_bypass()` or for an `.unscoped()` queryset, both set with
`set_config(..., true)` (on a Citus coordinator `SET LOCAL` with
`citus.propagate_set_commands = 'local'`, the form that reaches the
workers): transaction-local, so nothing survives the
transaction on a reused connection. What the transaction holds is tracked,
so it costs one extra statement when a transaction first needs a value (and
when the scope changes within it); none when nothing is in scope.

Outside `atomic()` (autocommit) a statement that needs a value runs in its
own short transaction, since a transaction-local setting would otherwise
vanish before the statement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import transaction
from django.db.backends.postgresql import base, operations

from accounts.rls import citus_installed, query_bypasses_rls, rls_bypass, rls_bypass_active

# (app.workspace_id, app.rls_bypass) as a transaction starts: both unset.
NOTHING_SET = ("", "")
# After ROLLBACK TO SAVEPOINT the values may have reverted to anything set before it.
UNKNOWN = None

SET_SQL = "SELECT set_config('app.workspace_id', %s, true), set_config('app.rls_bypass', %s, true)"
# Citus passes SET LOCAL (not set_config()) on to the workers' side of the transaction, once asked to.
CITUS_SET_SQL = (
    "SET LOCAL citus.propagate_set_commands = 'local';"
    " SET LOCAL app.workspace_id = '{}'; SET LOCAL app.rls_bypass = '{}'"
)


def citus_set_sql(wanted: tuple[str, str]) -> str:
    """CITUS_SET_SQL for `wanted`; SET takes no parameters, so each value is checked to be a number or a flag."""
    workspace, bypass = wanted
    if not (workspace == "" or (workspace.isascii() and workspace.isdigit())) or bypass not in ("", "on"):
        raise ValueError(f"not a workspace setting: {wanted!r}")
    return CITUS_SET_SQL.format(workspace, bypass)


def _wanted() -> tuple[str, str]:
    # Imported here: accounts.tenancy defines a model, and models need this backend loaded first.
    from accounts.tenancy import current_workspace

    workspace = current_workspace()
    # A workspace just deleted (its pk None) is no workspace: its rows are gone, nothing else may show.
    pk = workspace.pk if workspace is not None else None
    return (str(int(pk)) if pk is not None else "", "on" if rls_bypass_active() else "")


@functools.cache
def _bypass_aware(compiler_class: type) -> type:
    """The compiler, running an `.unscoped()` query inside `rls_bypass()`."""

    class Compiler(compiler_class):
        def execute_sql(self, *args, **kwargs):
            if query_bypasses_rls(self.query):
                with rls_bypass():
                    return super().execute_sql(*args, **kwargs)
            return super().execute_sql(*args, **kwargs)

    Compiler.__name__ = Compiler.__qualname__ = compiler_class.__name__
    return Compiler


class DatabaseOperations(operations.DatabaseOperations):
    def compiler(self, compiler_name):
        return _bypass_aware(super().compiler(compiler_name))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rls_applied: tuple[str, str] | None = NOTHING_SET
        self._citus: bool | None = None  # whether the database is a Citus coordinator, asked once
        # First in the list: the outermost wrapper, around any a test or tool adds.
        self.execute_wrappers.insert(0, self._apply_workspace_setting)

    def _apply_workspace_setting(self, execute, sql, params, many, context):
        wanted = _wanted()
        if self.in_atomic_block or not self.autocommit:
            if not self.needs_rollback:  # else let Django refuse the statement with its own error
                self._ensure_setting(wanted)
            return execute(sql, params, many, context)
        if wanted == NOTHING_SET:
            return execute(sql, params, many, context)
        with transaction.atomic(using=self.alias):
            self._ensure_setting(wanted)
            return execute(sql, params, many, context)

    @property
    def citus(self) -> bool:
        """Whether the database is a Citus coordinator (asked once per connection object)."""
        if self._citus is None:
            self.ensure_connection()
            with self.wrap_database_errors, self.connection.cursor() as cursor:
                self._citus = citus_installed(cursor)
        return self._citus

    @contextmanager
    def binding_cursor(self) -> Iterator[psycopg.Cursor]:
        """A psycopg cursor with server-side parameter binding, inside the current transaction.

        Django's cursors quote every parameter into the SQL text on the client;
        for a batch write of a dozen arrays of 1,000 values that costs more than
        the statement itself. This one sends them as binary parameters. Its
        statements skip Django's execute wrappers, so the row-level security
        settings are applied here first.
        """
        if not self.in_atomic_block:
            raise RuntimeError("binding_cursor() is for use inside atomic()")
        self.ensure_connection()
        self._ensure_setting(_wanted())
        with self.wrap_database_errors, psycopg.Cursor(self.connection) as cursor:
            yield cursor

    def _ensure_setting(self, wanted: tuple[str, str]) -> None:
        if self._rls_applied != wanted:
            self._send_setting(wanted)
            self._rls_applied = wanted

    def _send_setting(self, wanted: tuple[str, str]) -> None:
        # On the raw connection: not through the execute wrappers, not counted as a query.
        with self.wrap_database_errors, self.connection.cursor() as cursor:
            if self._citus is None:
                self._citus = citus_installed(cursor)
            if self._citus:
                cursor.execute(citus_set_sql(wanted).encode())
            else:
                cursor.execute(SET_SQL, wanted)

    # Every end of a transaction resets what it held.

    def get_new_connection(self, conn_params):
        self._rls_applied = NOTHING_SET
        return super().get_new_connection(conn_params)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._rls_applied = NOTHING_SET

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._rls_applied = NOTHING_SET

    def _set_autocommit(self, autocommit):
        try:
            return super()._set_autocommit(autocommit)
        finally:
            self._rls_applied = NOTHING_SET

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._rls_applied = UNKNOWN

    def _close(self):
        try:
            return super()._close()
        finally:
            self._rls_applied = NOTHING_SET
