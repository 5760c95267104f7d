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
counters say nothing: the check reads the shards' on the nodes that hold them,
and ANALYZE of the coordinator's table is passed on by Citus to every shard
(migration kpis 0014).

Rebuilds do not rely on these statistics being right: they run with hash joins
only (`kpis.services._tune_transaction`).
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
