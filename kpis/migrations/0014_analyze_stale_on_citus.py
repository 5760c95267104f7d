"""kpis_analyze_stale() on Citus: a distributed table's changes are counted on its shards (kpis/statistics.py).

A Citus coordinator's table of a distributed table holds no rows: its
pg_stat_user_tables row never counts a change, and ANALYZE of it (which Citus
passes on to every shard) would never be called. For such tables the function
sums the counters of their shards, read on every node in one round trip
(`run_command_on_all_nodes`; shards are found through the metadata Citus keeps
on each node, so the tables travel by name: object ids differ between nodes).
Other tables (plain PostgreSQL, or a coordinator's local and reference tables)
are read as before. The Citus branch is only planned when it runs, so the
function is created on plain PostgreSQL as it is.
"""

from importlib import import_module

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kpis_analyze_stale(tables regclass[], base integer, fraction double precision)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    stale regclass;
    analysed integer := 0;
    distributed regclass[] := '{}';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        SELECT coalesce(array_agg(p.logicalrelid), '{}') INTO distributed
        FROM pg_dist_partition p WHERE p.logicalrelid = ANY(tables) AND p.partmethod = 'h';
    END IF;
    FOR stale IN
        SELECT s.relid::regclass FROM pg_stat_user_tables s
        WHERE s.relid = ANY(tables) AND NOT s.relid = ANY(distributed)
          AND s.n_mod_since_analyze > GREATEST(base, 50) + GREATEST(fraction, 0.0) * GREATEST(s.n_live_tup, 0)
    LOOP
        EXECUTE 'ANALYZE ' || stale::text;  -- regclass prints as a quoted, qualified name
        analysed := analysed + 1;
    END LOOP;
    IF cardinality(distributed) = 0 THEN
        RETURN analysed;
    END IF;
    -- On each node: per table (by its position in the list), the changes and rows of the shards it holds.
    FOR stale IN
        WITH shard AS (
            SELECT (e->>0)::integer AS n, (e->>1)::bigint AS changed, (e->>2)::bigint AS live
            FROM run_command_on_all_nodes(format(
                $cmd$SELECT coalesce(json_agg(json_build_array(t.n, st.n_mod_since_analyze, st.n_live_tup)), '[]')
                FROM unnest(%L::regclass[]) WITH ORDINALITY AS t(relid, n)
                JOIN pg_dist_shard d ON d.logicalrelid = t.relid
                JOIN pg_stat_user_tables st ON st.relid = to_regclass(shard_name(d.logicalrelid, d.shardid))$cmd$,
                distributed::text[])) r
            CROSS JOIN LATERAL json_array_elements(r.result::json) e
            WHERE r.success
        )
        SELECT distributed[n] FROM shard GROUP BY n
        HAVING sum(changed) > GREATEST(base, 50) + GREATEST(fraction, 0.0) * GREATEST(sum(live), 0)
    LOOP
        EXECUTE 'ANALYZE ' || stale::text;  -- Citus analyses every shard
        analysed := analysed + 1;
    END LOOP;
    RETURN analysed;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # its % signs are format()'s, not placeholders


def previous(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(import_module("kpis.migrations.0008_analyze_stale_function").CREATE)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0013_workspace_keys")]

    operations = [migrations.RunPython(create, previous, elidable=False)]
