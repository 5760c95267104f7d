"""Figure: generator → COPY, against COPY of the same rows already rendered (the same run)."""

from __future__ import annotations

import itertools
import time

from bench.registry import Result, figure

# The baseline COPYs at most this many rows of each table (inside a transaction rolled back
# afterwards), so medium and large stay within the bench's time budget.
BASELINE_ROWS = 300_000


def load_main_workspace(bench) -> None:
    """Render a sample and COPY it (baseline, rolled back), then generate and COPY the workspace (measured)."""
    from django.db import transaction

    from sampledata.rows import TABLES
    from sampledata.sinks.copy import CopyRenderer, copy_id_bases

    workspace, api_key = bench.provision("Bench", time_zone="America/New_York")
    bench.workspace, bench.api_key = workspace, api_key
    with bench.cursor() as cursor:
        bases = copy_id_bases(cursor)

    sample = bench.generator(bench.scale)
    renderer = CopyRenderer(sample, workspace.pk, bases)
    rendered = {}
    for table, rows in sample.tables():
        bench.progress.update(f"render baseline sample: {table}")
        rendered[table] = "".join(renderer.lines(table, itertools.islice(rows, BASELINE_ROWS))).encode()
    baseline_rows = sum(data.count(b"\n") for data in rendered.values())
    with transaction.atomic(), bench.cursor() as cursor:
        started = time.perf_counter()
        for table in TABLES:
            bench.progress.update(f"baseline COPY: {table}")
            data = rendered[table]
            with cursor.copy(renderer.copy_sql(table)) as copy:
                for i in range(0, len(data), 1 << 20):
                    copy.write(data[i : i + (1 << 20)])
        baseline_s = time.perf_counter() - started
        transaction.set_rollback(True)
    del rendered

    counts, generated_s = bench.load(workspace, bench.generator(bench.scale), id_bases=bases)
    rows = sum(counts.values())
    bench.load_stats = {
        "rows": rows,
        "per_table": counts,
        "touchpoints": counts["touchpoints"],
        "generate_and_copy_s": round(generated_s, 2),
        "baseline_rows": baseline_rows,
        "copy_prerendered_s": round(baseline_s, 2),
    }


@figure("load: generator → COPY", unit="rows/s", order=10)
def load_rate(bench) -> Result:
    stats = bench.load_stats
    return Result(
        value=stats["rows"] / stats["generate_and_copy_s"],
        baseline=stats["baseline_rows"] / stats["copy_prerendered_s"],
        baseline_label="COPY pre-rendered",
        note=f"{stats['rows']:,} rows in {stats['generate_and_copy_s']} s; "
        f"baseline {stats['baseline_rows']:,} rows in {stats['copy_prerendered_s']} s",
    )
