"""kpis_analyze_stale(): ANALYZE for the app's ordinary role, limited to tables that need it (kpis/statistics.py)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kpis_analyze_stale(tables regclass[], base integer, fraction double precision)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    stale regclass;
    analysed integer := 0;
BEGIN
    FOR stale IN
        SELECT s.relid::regclass FROM pg_stat_user_tables s
        WHERE s.relid = ANY(tables)
          AND s.n_mod_since_analyze > GREATEST(base, 50) + GREATEST(fraction, 0.0) * GREATEST(s.n_live_tup, 0)
    LOOP
        EXECUTE 'ANALYZE ' || stale::text;  -- regclass prints as a quoted, qualified name
        analysed := analysed + 1;
    END LOOP;
    RETURN analysed;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS kpis_analyze_stale(regclass[], integer, double precision)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0007_target_kpi_choices_from_catalogue")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
