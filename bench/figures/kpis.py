"""Figures of the KPI engine (issue 5), each skipped until the piece it measures exists.

- full recompute of the workspace against the plain-SQL baseline: the fewest
  GROUP BY queries (one per raw table) computing the daily components per
  (day, campaign), materialised like a rollup would be;
- worker peak memory: `manage.py recompute_kpis` in a child process, its peak
  RSS against that of a bare Django command;
- GET /api/v1/kpis/ for a 90-day range: p95 latency, and its SQL query count
  against the same request on a workspace with a tenth of the campaigns.

Freshness (a 1,000-touchpoint POST until /api/v1/kpis/ shows it, with a worker
running) is registered as a hook for the engine's author to fill in.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.registry import Result, Skipped, figure

ROOT = Path(__file__).resolve().parent.parent.parent

BASELINE_QUERIES = {
    "spend": """
        SELECT date AS day, campaign_id, SUM(cost) AS spend, SUM(impressions) AS impressions, SUM(clicks) AS clicks
        FROM campaigns_spendentry WHERE workspace_id = %(ws)s GROUP BY 1, 2""",
    "leads": """
        SELECT day, campaign_id, SUM(leads) AS leads, SUM(mqls) AS mqls, SUM(sqls) AS sqls, SUM(sqos) AS sqos FROM (
            SELECT created_on AS day, source_campaign_id AS campaign_id, 1 AS leads, 0 AS mqls, 0 AS sqls, 0 AS sqos
            FROM campaigns_lead WHERE workspace_id = %(ws)s
            UNION ALL SELECT mql_on, source_campaign_id, 0, 1, 0, 0
            FROM campaigns_lead WHERE workspace_id = %(ws)s AND mql_on IS NOT NULL
            UNION ALL SELECT sql_on, source_campaign_id, 0, 0, 1, 0
            FROM campaigns_lead WHERE workspace_id = %(ws)s AND sql_on IS NOT NULL
            UNION ALL SELECT sqo_on, source_campaign_id, 0, 0, 0, 1
            FROM campaigns_lead WHERE workspace_id = %(ws)s AND sqo_on IS NOT NULL
        ) AS events GROUP BY 1, 2""",
    "deals": """
        SELECT day, campaign_id, SUM(created) AS deals_created, SUM(won) AS deals_won, SUM(lost) AS deals_lost,
               SUM(won_revenue) AS won_revenue, SUM(new_mrr) AS new_mrr, SUM(churned_mrr) AS churned_mrr FROM (
            SELECT created_on AS day, source_campaign_id AS campaign_id, 1 AS created, 0 AS won, 0 AS lost,
                   0 AS won_revenue, 0 AS new_mrr, 0 AS churned_mrr
            FROM campaigns_deal WHERE workspace_id = %(ws)s
            UNION ALL SELECT closed_on, source_campaign_id, 0, (status = 'won')::int, (status = 'lost')::int,
                   CASE WHEN status = 'won' THEN amount ELSE 0 END, CASE WHEN status = 'won' THEN mrr ELSE 0 END, 0
            FROM campaigns_deal WHERE workspace_id = %(ws)s AND status IN ('won', 'lost')
            UNION ALL SELECT churned_on, source_campaign_id, 0, 0, 0, 0, 0, mrr
            FROM campaigns_deal WHERE workspace_id = %(ws)s AND churned_on IS NOT NULL
        ) AS events GROUP BY 1, 2""",
    "touchpoints": """
        SELECT occurred_on AS day, campaign_id, kind, COUNT(*) AS touchpoints
        FROM campaigns_touchpoint WHERE workspace_id = %(ws)s GROUP BY 1, 2, 3""",
}


def plain_sql_baseline(bench, workspace_id: int) -> float:
    """Seconds for the GROUP BY queries, each materialised into a temporary table."""
    with bench.cursor() as cursor:
        started = time.perf_counter()
        for name, query in BASELINE_QUERIES.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_daily_{name}")
            cursor.execute(f"CREATE TEMPORARY TABLE bench_daily_{name} AS {query}", {"ws": workspace_id})
        elapsed = time.perf_counter() - started
        for name in BASELINE_QUERIES:
            cursor.execute(f"DROP TABLE IF EXISTS bench_daily_{name}")
    return elapsed


def recompute_function():
    try:
        from kpis.services import recompute_rollups
    except ImportError as error:
        raise Skipped(f"kpis.services.recompute_rollups missing ({error})") from error
    return recompute_rollups


def full_recompute(bench, workspace_id: int) -> tuple[float, float]:
    """(engine seconds, baseline seconds) for one workspace; the engine runs twice, the second is kept."""
    recompute = recompute_function()
    recompute(workspace_id)  # warm: the first run also creates rows the second replaces
    started = time.perf_counter()
    recompute(workspace_id)
    engine = time.perf_counter() - started
    plain_sql_baseline(bench, workspace_id)  # warm the same pages for the baseline
    return engine, plain_sql_baseline(bench, workspace_id)


@figure("kpis: full recompute", unit="s", target="≤ 2× plain SQL", rule=lambda r: r.ratio <= 2, order=30)
def full_recompute_figure(bench) -> Result:
    bench.state["recompute_failed"] = True
    engine, baseline = full_recompute(bench, bench.workspace.pk)
    bench.state["recompute_failed"] = False
    bench.state["recompute_1x"] = (engine, baseline)
    return Result(value=engine, baseline=baseline, baseline_label="GROUP BY ×4")


def _peak_rss_mb(arguments: list[str]) -> tuple[float, int, str]:
    env = dict(os.environ)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, process.returncode, output


@figure("kpis: worker peak memory", unit="MB", target="< 300 MB", rule=lambda r: r.value < 300, order=40)
def worker_memory(bench) -> Result:
    recompute_function()
    if bench.state.get("recompute_failed"):
        raise Skipped("the full recompute failed above")
    if not (ROOT / "kpis" / "management" / "commands" / "recompute_kpis.py").exists():
        raise Skipped("manage.py recompute_kpis missing")
    peak, code, output = _peak_rss_mb(["recompute_kpis", "--workspace", bench.workspace.slug])
    if code != 0:
        raise RuntimeError(f"recompute_kpis exited {code}: {output[-500:]}")
    idle, _code, _output = _peak_rss_mb(["check"])
    return Result(value=peak, baseline=idle, baseline_label="bare manage.py")


def _kpis_path(workspace_last_day, days: int = 90) -> str:
    first = workspace_last_day - timedelta(days=days - 1)
    return f"/api/v1/kpis/?from={first.isoformat()}&to={workspace_last_day.isoformat()}"


def _api_client(key: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _kpis_timings(bench, key: str, path: str, repeat: int = 40) -> tuple[list[float], int]:
    from django.db import connection

    client = _api_client(key)
    response = client.get(path)
    if response.status_code == 404:
        raise Skipped("endpoint missing (GET /api/v1/kpis/ answered 404)")
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:300]!r}")
    from django.core.cache import cache

    cache.clear()  # count the queries of a computed answer, not of a cached one
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, len(queries)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@figure("kpis: GET /api/v1/kpis/ 90 days p95", unit="ms", target="< 100 ms", rule=lambda r: r.value < 100, order=50)
def kpis_latency(bench) -> Result:
    from datetime import date

    recompute_function()
    last_day = date.fromordinal(bench.generator(bench.scale).last_day)
    timings, queries = _kpis_timings(bench, bench.api_key, _kpis_path(last_day))
    listing, _ = _kpis_timings_or_none(bench, bench.api_key, "/api/v1/campaigns/")
    bench.state["kpis_queries"] = queries
    return Result(
        value=_p95(timings),
        baseline=_p95(listing) if listing else None,
        baseline_label="GET /api/v1/campaigns/",
        note=f"median {statistics.median(timings):.1f} ms, {queries} queries",
    )


def _kpis_timings_or_none(bench, key, path):
    try:
        return _kpis_timings(bench, key, path, repeat=20)
    except (Skipped, RuntimeError):
        return None, 0


@figure(
    "kpis: SQL queries per /api/v1/kpis/",
    unit="queries",
    target="≤ with fewer campaigns",
    rule=lambda r: r.value <= r.baseline,
    order=55,
)
def kpis_query_count(bench) -> Result:
    from datetime import date

    from bench.figures.ingestion import ingest_workspace

    recompute_function()
    workspace, key, generator, _bases = ingest_workspace(bench)
    recompute_function()(workspace.pk)
    last_day = date.fromordinal(bench.generator(bench.scale).last_day)
    _timings, few = _kpis_timings(bench, key, _kpis_path(last_day), repeat=1)
    _timings, many = _kpis_timings(bench, bench.api_key, _kpis_path(last_day), repeat=1)
    return Result(
        value=many,
        baseline=few,
        baseline_label=f"{generator.scale.campaigns} campaigns",
        note=f"{bench.scale.campaigns} campaigns vs {generator.scale.campaigns}",
    )


def freshness_p95(bench, workspace) -> float:
    """Seconds from a 1,000-touchpoint POST until /api/v1/kpis/ shows it (p95), with a worker running."""
    raise Skipped("freshness needs the engine's worker set-up: hook in bench/figures/kpis.py:freshness_p95")


@figure("kpis: freshness p95", unit="s", target="< 2 s", rule=lambda r: r.value < 2, order=60)
def freshness(bench) -> Result:
    recompute_function()
    value = freshness_p95(bench, bench.workspace)
    bench.state["freshness_1x"] = value
    return Result(value=value)
