"""PostgreSQL row-level security: the second wall behind the scoped managers.

Every table of the current schema with a `workspace_id` column (bar the
access-control tables of `RLS_EXEMPT_TABLES`) has row-level security enabled
and forced, with one policy: a row is visible and writable only while
`app.workspace_id` names its workspace, or while `app.rls_bypass` is `on`.

The custom backend (config/db/postgresql) sets both values per transaction
(`set_config(..., true)`, or `SET LOCAL` on Citus, which passes it on to the
workers) from `accounts.tenancy.current_workspace()` and from
`rls_bypass()`; nothing is ever set per session. On Citus the policy reads
the settings without a subquery (`CITUS_WORKSPACE_MATCH`), which Citus refuses. `.unscoped()` querysets
bypass for their own query, so the one greppable escape hatch opens both walls.

`rls_enforce` runs after every `migrate` (post_migrate), so a new table gets
its policy at the next migrate; `rls_gaps` is what the catalog test checks.
SQLite has none of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

from accounts import audit_db

POLICY_NAME = "workspace_isolation"

# Each setting is read in a scalar subquery: PostgreSQL evaluates it once per statement
# (an InitPlan) instead of once per row. Measured on 2M rows, a query filtered on
# workspace_id: 62 ms without RLS, 64 ms with this, 85 ms with bare current_setting().
WORKSPACE_MATCH = (
    "(workspace_id = (SELECT NULLIF(current_setting('app.workspace_id', true), '')::bigint)"
    " OR (SELECT current_setting('app.rls_bypass', true) = 'on'))"
)
# Citus refuses a policy with a subquery on a distributed table: there the settings are read
# bare (the per-row cost is small next to the hop to a worker).
CITUS_WORKSPACE_MATCH = (
    "(workspace_id = NULLIF(current_setting('app.workspace_id', true), '')::bigint"
    " OR current_setting('app.rls_bypass', true) = 'on')"
)


def citus_installed(cursor) -> bool:
    """Whether the database runs the Citus extension (a coordinator): its policies and settings differ."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
    return cursor.fetchone()[0]


def workspace_match(cursor) -> str:
    """The policy's condition for this database: the faster subquery form, or Citus's subquery-free one."""
    return CITUS_WORKSPACE_MATCH if citus_installed(cursor) else WORKSPACE_MATCH


# Tables with a workspace_id that are not a workspace's data but the map of who
# may enter which workspace: they are read to decide which workspace becomes
# current, before any is, and an invitation may name only an agency.
RLS_EXEMPT_TABLES: dict[str, str] = {
    "accounts_workspacemembership": "who may enter a workspace; read before a workspace is in scope",
    "accounts_invitation": "belongs to an agency (workspace optional); accepted by token before any scope",
}

_bypass: ContextVar[bool] = ContextVar("rls_bypass", default=False)


@contextmanager
def rls_bypass(active: bool = True) -> Iterator[None]:
    """Let the block's queries through the row-level security policies.

    For deliberate cross-workspace code only (maintenance, lookups that find
    the workspace); `.unscoped()` querysets already bypass for their query.
    `rls_bypass(False)` does the opposite: no bypass for the block, whatever
    the caller had (each request and task starts that way).
    """
    token = _bypass.set(active)
    try:
        yield
    finally:
        _bypass.reset(token)


def rls_bypass_active() -> bool:
    return _bypass.get()


def query_bypasses_rls(query) -> bool:
    """True for a query built from `.unscoped()` (an aggregate wraps it as `inner_query`)."""
    if getattr(query, "rls_bypass", False):
        return True
    return getattr(getattr(query, "inner_query", None), "rls_bypass", False)


def workspace_tables(cursor) -> list[str]:
    """Every table of the current schema with a workspace_id column."""
    cursor.execute(
        """
        SELECT c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
          AND a.attname = 'workspace_id' AND NOT a.attisdropped
        ORDER BY c.relname
        """
    )
    return [name for (name,) in cursor.fetchall()]


def _policy_sql(table: str, quote, match: str) -> str:
    return (
        f"CREATE POLICY {quote(POLICY_NAME)} ON {quote(table)} AS PERMISSIVE FOR ALL USING {match} WITH CHECK {match}"
    )


def _expected_expressions(cursor, quote) -> tuple[str, str]:
    """The policy's USING and WITH CHECK as PostgreSQL prints them (from a throwaway temp table)."""
    cursor.execute("CREATE TEMP TABLE rls_reference (workspace_id bigint)")
    try:
        cursor.execute(_policy_sql("rls_reference", quote, workspace_match(cursor)))
        cursor.execute(
            "SELECT qual, with_check FROM pg_policies"
            " WHERE tablename = 'rls_reference' AND schemaname = pg_my_temp_schema()::regnamespace::text"
        )
        return cursor.fetchone()
    finally:
        cursor.execute("DROP TABLE rls_reference")


def rls_gaps(cursor, quote=lambda name: f'"{name}"') -> dict[str, list[str]]:
    """What each workspace table lacks: {table: ["not enabled", "not forced", "no policy" | "policy differs"]}."""
    qual, with_check = _expected_expressions(cursor, quote)
    cursor.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.qual, p.with_check,
               p.cmd = 'ALL' AND p.permissive = 'PERMISSIVE' AND p.roles = '{public}'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_policies p ON p.schemaname = n.nspname AND p.tablename = c.relname AND p.policyname = %s
        WHERE n.nspname = current_schema() AND c.relname = ANY(%s)
        """,
        [POLICY_NAME, [t for t in workspace_tables(cursor) if t not in RLS_EXEMPT_TABLES]],
    )
    gaps = {}
    for table, enabled, forced, table_qual, table_check, for_all in cursor.fetchall():
        missing = [problem for ok, problem in ((enabled, "not enabled"), (forced, "not forced")) if not ok]
        if table_qual is None:
            missing.append("no policy")
        elif not for_all or (table_qual, table_check) != (qual, with_check):
            missing.append("policy differs")
        if missing:
            gaps[table] = missing
    return gaps


def rls_enforce(*, using: str = "default") -> list[str]:
    """Enable and force RLS and create the policy wherever missing; grant the app role. Idempotent.

    Returns the tables changed. Runs as the tables' owner (migrations do).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    changed = []
    with connection.cursor() as cursor:
        match = workspace_match(cursor)
        for table, problems in rls_gaps(cursor, quote).items():
            if "not enabled" in problems:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            if "not forced" in problems:
                cursor.execute(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            if "policy differs" in problems:  # an older expression: replaced, so the catalog says one thing
                cursor.execute(f"DROP POLICY {quote(POLICY_NAME)} ON {quote(table)}")
            if "no policy" in problems or "policy differs" in problems:
                cursor.execute(_policy_sql(table, quote, match))
            changed.append(table)
        app_role = settings.APP_DB_ROLE
        if app_role:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
            if cursor.fetchone() is None:
                raise RuntimeError(f"APP_DB_ROLE={app_role!r} does not exist: create it first (docs/security.md).")
            cursor.execute("SELECT current_schema()")
            schema = quote(cursor.fetchone()[0])
            role = quote(app_role)
            cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}")
            # UPDATE: setval(), which the sample-data loader runs after writing its rows' explicit ids.
            cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
            audit_db.restrict_app_role(cursor, app_role, quote)  # the audit log is append-only for it
    return changed


def rls_enforce_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver (connected once, for the accounts app, after every app has migrated)."""
    rls_enforce(using=using)
