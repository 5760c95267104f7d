"""Figures of `make bench DATABASE=citus`: the Citus cluster against plain PostgreSQL of the same run.

Each is the figure of the same name measured on the three-node cluster
(bench/citus.py), its baseline the PostgreSQL one measured above it. Only
`--database citus` runs them (bench/run.py leaves out every `citus:` figure
otherwise).
"""

from __future__ import annotations

import statistics

from bench import citus
from bench.registry import Result, figure


@figure(
    "citus: write + one-day recompute",
    unit="ms",
    target="≤ 3× PostgreSQL",
    rule=lambda r: r.ratio is not None and r.ratio <= 3,
    order=95,
)
def citus_write_and_recompute(bench) -> Result:
    measured = citus.measured(bench)
    timings = measured["write_ms"]
    return Result(
        value=statistics.median(timings),
        baseline=bench.state.get("write_recompute_ms"),
        baseline_label="PostgreSQL",
        note=f"median of {len(timings)}, {min(timings):.0f}–{max(timings):.0f} ms; Citus {measured['citus']}, "
        f"{citus.SHARD_COUNT} shards; database ready in {measured['prepare_s']} s",
    )


@figure("citus: full recompute", unit="s", order=96)
def citus_full_recompute(bench) -> Result:
    measured = citus.measured(bench)
    postgresql = bench.state.get("recompute_1x")
    return Result(
        value=measured["full_recompute_s"],
        baseline=postgresql[0] if postgresql else None,
        baseline_label="PostgreSQL",
        note=f"the first build, from empty rollups: {measured['first_build_s']:.1f} s",
    )


@figure("citus: GET /api/v1/kpis/ 90 days p95", unit="ms", order=97)
def citus_kpis_read(bench) -> Result:
    measured = citus.measured(bench)
    return Result(
        value=measured["kpis_p95_ms"],
        baseline=bench.state.get("kpis_p95_ms"),
        baseline_label="PostgreSQL",
        note=f"median {statistics.median(measured['kpis_ms']):.1f} ms, {measured['kpis_queries']} queries",
    )
