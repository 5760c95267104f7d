"""Figure (issue 20): the first recompute after an API backfill nobody analysed / the same after ANALYZE.

`make bench` analyses after its COPY, so its other figures never see a
planner without statistics; a new client's backfill does. bench/backfill.py
measures it on a database of its own (see there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg

from bench.figures.ingestion import ROOT
from bench.registry import Result, figure


@figure(
    "kpis: first recompute after a backfill without ANALYZE",
    unit="s",
    target="≤ 1.5× after ANALYZE",
    rule=lambda r: r.ratio <= 1.5,
    order=35,
)
def first_recompute_after_backfill(bench) -> Result:
    database = f"{bench.database_url.rsplit('/', 1)[1]}_backfill"  # beside the bench's own (BENCH_DATABASE)
    with psycopg.connect(f"{bench.server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {database}")
    env = {key: value for key, value in os.environ.items() if key not in ("PGOPTIONS", "DATABASE_URL")}
    try:
        child = subprocess.run(  # noqa: S603 (our own module, our own URL)
            [sys.executable, "-m", "bench.backfill", f"{bench.server}/{database}"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=1800,
        )  # fmt: skip
    finally:
        with psycopg.connect(f"{bench.server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    times = json.loads(child.stdout.strip().splitlines()[-1])
    return Result(
        value=times["first"],
        baseline=times["analysed"],
        baseline_label="the same recompute after ANALYZE",
        note=(
            f"{times['rows']:,} rows loaded through the ingestion services in {times['load']:.0f} s, never analysed;"
            f" the plans alone (no analyse step): {times['plans']:.1f} s"
            f" ({times['plans'] / times['analysed']:.2f}× after ANALYZE)"
        ),
        extra=times,
    )
