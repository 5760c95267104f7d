"""The first recompute after an API backfill nobody analysed, against the same after ANALYZE (issue 20).

Run by the figure "kpis: first recompute after a backfill" in a process of its
own, on a database of its own (argument: its URL), so that no table has ever
been analysed. Autovacuum is switched off on every table, so that luck (an
autoanalyse landing in between) cannot help. A workspace is loaded through
the ingestion services the API calls (validation and upsert, 1,000 objects a
batch), with the per-push recomputes off; then three full recomputes, each
from empty rollups:

1. `plans`: the plans alone on the un-analysed tables (the analyse step off);
2. `first`: what the product does (the stale tables analysed first), after the
   statistics were forgotten again;
3. `analysed`: after ANALYZE of every table.

Prints one JSON line: seconds of each and the rows loaded.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from dataclasses import replace


def _forget_statistics(cursor, tables: list[str]) -> None:
    """The catalog as right after a bulk load (the bench connects as a superuser)."""
    cursor.execute("DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", [tables])
    cursor.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = ANY(%s::regclass[])", [tables])


def main(database_url: str) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Workspace
    from campaigns import changes
    from campaigns.resources import RESOURCES
    from kpis import services, statistics
    from kpis.models import ROLLUPS, KpiState
    from sampledata.generation import WorkspaceGenerator
    from sampledata.scales import SCALES
    from sampledata.sinks.api import api_batches

    call_command("migrate", verbosity=0)
    tables = [model._meta.db_table for model in apps.get_models() if model._meta.managed]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    call_command("provision", agency="Backfill", workspace="Backfill", owner_email="backfill@bench.example",
                 password="bench-password-2026", timezone="Europe/London", stdout=io.StringIO())  # fmt: skip
    workspace = Workspace.objects.get(slug="backfill")
    changes._listeners.clear()  # the per-push recomputes: measured by the freshness figures, not here
    scale = replace(SCALES["small"], days=730)  # 100,000 touchpoints over two years
    generator = WorkspaceGenerator(scale=scale, seed=7, time_zone=workspace.time_zone)
    loaded = 0
    started = time.perf_counter()
    for resource, batch in api_batches(generator):
        RESOURCES[resource].upsert(workspace=workspace, items=batch)
        loaded += len(batch)
    load_seconds = time.perf_counter() - started

    def rebuild(*, analyse: bool) -> float:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(model._meta.db_table for model in (*ROLLUPS, KpiState))}")
        original = statistics.stale_tables_analyse
        if not analyse:
            services.stale_tables_analyse = lambda *args, **kwargs: 0
        try:
            begun = time.perf_counter()
            services.recompute_rollups(workspace_id=workspace.pk)
            return time.perf_counter() - begun
        finally:
            services.stale_tables_analyse = original

    with connection.cursor() as cursor:
        _forget_statistics(cursor, tables)
    plans = rebuild(analyse=False)
    with connection.cursor() as cursor:
        _forget_statistics(cursor, tables)
    first = rebuild(analyse=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analysed = rebuild(analyse=True)
    return {"rows": loaded, "load": load_seconds, "plans": plans, "first": first, "analysed": analysed}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
