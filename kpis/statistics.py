"""The planner's statistics of the tables a recompute reads and writes (PostgreSQL).

A client's backfill arrives faster than autovacuum analyses it: until then
the planner guesses row counts and selectivities, and a rollup that takes a
second with statistics can take a minute without. So a recompute first
analyses the tables it reads that changed much since their last ANALYZE,
and a full rebuild afterwards the rollup tables it rewrote.

ANALYZE needs the table's owner, and the app connects as an ordinary role
(docs/security.md): the work is done by `kpis_analyze_stale`, a SECURITY
DEFINER function owned by the migrating role (migration kpis 0008), which
analyses only tables whose changes pass its threshold, so calling it is
cheap and cannot be used to force work.

On Citus the coordinator's table of a distributed table holds no rows, so its
catalog and counters say nothing: both checks read the shards' on the nodes
that hold them (`run_command_on_all_nodes`, one round trip, outside the
transaction: counters and catalog sizes are not transactional anyway), and
ANALYZE of the coordinator's table is passed on by Citus to every shard
(migration kpis 0014).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

# Autovacuum's rule (50 rows + 10 % of the table changed since the last ANALYZE), checked at once.
ROLLUP_THRESHOLD = (50, 0.1)
# Source tables grow in batches of up to a thousand rows: analysed once a batch or two has landed
# on a small table, and every 10 % on a large one (a backfill analyses a logarithmic number of times).
SOURCE_THRESHOLD = (2000, 0.1)


def stale_tables_analyse(tables: Sequence[str], threshold: tuple[int, float]) -> int:
    """ANALYZE those of `tables` changed by more than base + fraction × rows since their last one.

    Returns how many were analysed. Does nothing on SQLite, or inside a
    transaction (ANALYZE there would hold its lock, and block other
    workspaces' recomputes, until the transaction ends).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block or not tables:
        return 0
    base, fraction = threshold
    with connection.cursor() as cursor:
        cursor.execute("SELECT kpis_analyze_stale(%s::regclass[], %s, %s)", [list(tables), base, fraction])
        return cursor.fetchone()[0]


def statistics_unreliable(tables: Sequence[str]) -> bool:
    """Whether the planner's picture of `tables` is missing or far behind their size.

    Read from the catalog (transactional, readable by any role): a table never
    analysed nor vacuumed (reltuples = -1) that holds pages, or one at least
    twice the size its statistics describe. Without statistics the planner
    takes `workspace_id = x` for 0.5 % of a table that one workspace may fill,
    and picks nested loops that rescan a table per row.
    """
    if connection.vendor != "postgresql" or not tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute(UNRELIABLE.format(tables="%s::regclass[]"), [list(tables)])
        if cursor.fetchone()[0]:
            return True
        if not connection.citus:
            return False
        # The same on every node for the shards it holds; tables by name: object ids differ between nodes.
        cursor.execute(
            "SELECT coalesce(bool_or(result::boolean), false) FROM run_command_on_all_nodes(format(%s, %s::text[]))"
            " WHERE success",
            [UNRELIABLE.format(tables=SHARDS_OF), list(tables)],
        )
        return cursor.fetchone()[0]


# A table never analysed nor vacuumed that holds pages, or one at least twice the size its statistics describe.
UNRELIABLE = (
    "SELECT EXISTS (SELECT 1 FROM pg_class c, LATERAL (SELECT pg_relation_size(c.oid)"
    " / current_setting('block_size')::integer AS pages) now"
    " WHERE c.oid = ANY({tables}) AND now.pages > 1"
    " AND (c.reltuples < 0 OR now.pages > 2 * GREATEST(c.relpages, 1)))"
)
# On a Citus node: the shards it holds of the tables listed (format()'s %L).
SHARDS_OF = (
    "SELECT to_regclass(shard_name(d.logicalrelid, d.shardid)) FROM pg_dist_shard d"
    " WHERE d.logicalrelid = ANY(%L::regclass[])"
)
