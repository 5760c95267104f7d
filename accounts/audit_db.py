"""The audit log's table is append-only for the app's database role (PostgreSQL).

`rls_enforce` grants the app role every privilege on every table, then `restrict_app_role`
takes UPDATE, DELETE and TRUNCATE on the audit table back: the role can add entries and
read them (row-level security still limits the reads to the workspace in scope), never
change or remove one. Entries leave by two doors only, two SECURITY DEFINER functions that
run as the table's owner (who created them in the migration) and that the app role may
call:

- `audit_purge(cutoff, batch)` deletes up to `batch` entries older than `cutoff`, and
  never any of the last `MIN_KEEP_DAYS` days by the database's clock: even a
  compromised app role cannot erase the recent log through it;
- `audit_forget_workspace(workspace_id, batch)` deletes a workspace's entries only while
  that workspace is being deleted or is gone (offboarding removes everything of it).

Both run with `app.rls_bypass` on for their own duration only (the function's SET clause).
SQLite has none of this: there the purge deletes through the ORM.
"""

from __future__ import annotations

TABLE = "accounts_auditentry"
# The floor of what the purge function keeps, whatever it is asked (AUDIT_RETENTION_DAYS may not go lower).
MIN_KEEP_DAYS = 30

FUNCTIONS = ("audit_purge(timestamp with time zone, integer)", "audit_forget_workspace(bigint, integer)")


def create_functions_sql(schema: str, quote) -> list[str]:
    """The statements that (re)create the two functions; run by the table's owner in a migration.

    PL/pgSQL, not SQL: Citus cannot plan a SQL function's statements with its parameters ("could not
    create distributed plan"), while PL/pgSQL hands it each statement with the values bound.
    """
    path = f"SET search_path = {quote(schema)}, pg_temp SET app.rls_bypass = 'on'"
    # Only constants and the quoted schema name go into these statements.
    return [
        f"""
        CREATE OR REPLACE FUNCTION audit_purge(cutoff timestamptz, batch integer) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER {path} AS $$
        DECLARE
            removed integer;
        BEGIN
            DELETE FROM {TABLE} WHERE id IN (
                SELECT id FROM {TABLE}
                WHERE created_at < LEAST(cutoff, now() - make_interval(days => {MIN_KEEP_DAYS}))
                ORDER BY id LIMIT GREATEST(batch, 0)
            );
            GET DIAGNOSTICS removed = ROW_COUNT;
            RETURN removed;
        END
        $$
        """,  # noqa: S608
        f"""
        CREATE OR REPLACE FUNCTION audit_forget_workspace(workspace bigint, batch integer) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER {path} AS $$
        DECLARE
            removed integer;
        BEGIN
            IF EXISTS (SELECT 1 FROM accounts_workspace w WHERE w.id = workspace AND w.deleting_since IS NULL) THEN
                RETURN 0;  -- a live workspace keeps its log
            END IF;
            DELETE FROM {TABLE} WHERE id IN (
                SELECT id FROM {TABLE} WHERE workspace_id = workspace ORDER BY id LIMIT GREATEST(batch, 0)
            );
            GET DIAGNOSTICS removed = ROW_COUNT;
            RETURN removed;
        END
        $$
        """,  # noqa: S608
    ]


def drop_functions_sql() -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {signature}" for signature in FUNCTIONS]


def restrict_app_role(cursor, role: str, quote) -> None:
    """Take back UPDATE/DELETE/TRUNCATE on the audit table; let the role call the purge functions only."""
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
    if not cursor.fetchone()[0]:  # a migrate that stopped before the audit log's migration
        return
    cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(TABLE)} FROM {quote(role)}")
    for signature in FUNCTIONS:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [signature])
        if not cursor.fetchone()[0]:
            continue
        cursor.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {quote(role)}")
