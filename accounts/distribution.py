"""What a database distributed by workspace_id (Citus) needs of the schema, read from the catalog.

`key_gaps` holds on plain PostgreSQL too (migration accounts 0010 builds it):
every distributed-to-be workspace table has workspace_id in its primary key, in
each unique key, and in each foreign key onto another workspace table.
`citus_gaps` checks, on a Citus coordinator, that `manage.py citus_distribute`
left no table with a workspace_id neither distributed (colocated) nor reference.
"""

from __future__ import annotations

from accounts.rls import workspace_tables

# Tables with a workspace_id that are reference tables (a copy on every node) in a distributed database:
# who may enter which workspace (read before any workspace is in scope), and those where it may be NULL.
REFERENCE_WORKSPACE_TABLES: dict[str, str] = {
    "accounts_workspacemembership": "who may enter a workspace; read before a workspace is in scope",
    "accounts_invitation": "belongs to an agency, workspace optional",
    "accounts_apikey": "looked up by its prefix before a workspace is in scope",
    "accounts_auditentry": "agency-level entries have no workspace",
}

# Known gaps, each with its reason (README "Scaling out"): the test fails on any other.
KNOWN_GAPS: dict[str, str] = {}


def distributed_tables(cursor) -> list[str]:
    return [t for t in workspace_tables(cursor) if t not in REFERENCE_WORKSPACE_TABLES]


def key_gaps(cursor) -> list[str]:
    """Every primary/unique key and foreign key of a distributed-to-be table that lacks workspace_id."""
    distributed = set(distributed_tables(cursor))
    cursor.execute(
        """
        WITH ws AS (SELECT unnest(%s::text[]) AS relname)
        SELECT c.relname, con.conname, con.contype,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid
                       AND a.attname = 'workspace_id' AND a.attnum = ANY(con.conkey)),
               ref.relname
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid AND c.relnamespace = current_schema()::regnamespace
        JOIN ws ON ws.relname = c.relname
        LEFT JOIN pg_class ref ON ref.oid = con.confrelid
        WHERE con.contype IN ('p', 'u', 'f')
        UNION ALL
        SELECT c.relname, i.relname, 'i',
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = x.indrelid
                       AND a.attname = 'workspace_id' AND a.attnum = ANY(x.indkey)), NULL
        FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid AND c.relnamespace = current_schema()::regnamespace
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN ws ON ws.relname = c.relname
        WHERE x.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = x.indexrelid)
        """,
        [sorted(distributed)],
    )
    kinds = {"p": "primary key", "u": "unique key", "i": "unique index", "f": "foreign key"}
    gaps = []
    for table, name, kind, has_workspace, referenced in cursor.fetchall():
        if has_workspace or (kind == "f" and referenced not in distributed):
            continue
        gaps.append(f"{table}: {kinds[kind]} {name} lacks workspace_id")
    return sorted(gaps)


def citus_gaps(cursor) -> list[str]:
    """Tables with a workspace_id neither distributed by it (colocated) nor reference, on a Citus coordinator."""
    cursor.execute("SELECT table_name::text, citus_table_type, distribution_column, colocation_id FROM citus_tables")
    placed = {table: (method, column, group) for table, method, column, group in cursor.fetchall()}
    groups = {placed[t][2] for t in distributed_tables(cursor) if t in placed and placed[t][0] == "distributed"}
    gaps = []
    for table in workspace_tables(cursor):
        method, column, _ = placed.get(table, (None, None, None))
        if table in REFERENCE_WORKSPACE_TABLES:
            if method != "reference":
                gaps.append(f"{table}: not a reference table")
        elif method != "distributed" or column != "workspace_id":
            gaps.append(f"{table}: not distributed by workspace_id")
    if len(groups) > 1:
        gaps.append(f"workspace tables in {len(groups)} colocation groups, not one")
    return gaps
