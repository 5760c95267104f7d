"""Figures of the dashboards (issue 6): server time of the workspace dashboard, and its SQL queries.

The page is requested in process (Django's test client, logged in as the
workspace's owner), so the time is the server's: views, selectors, SQL and
templates, without a network or a browser. The baseline is the same client
fetching a page with no KPI on it (the API keys page) in the same run.
"""

from __future__ import annotations

import statistics
import time

from bench.figures.kpis import rollups_settled
from bench.registry import Result, figure

REPEAT = 30
RANGES = ("last_7", "last_30", "last_90", "ytd")


def _client(workspace):
    from django.test import Client, override_settings

    # Pages render static URLs; the bench has no collectstatic manifest, so plain URLs it is.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()

    from accounts.models import AgencyMembership

    owner = AgencyMembership.objects.filter(agency=workspace.agency, role="owner").first().user
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    return client


def _get(client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code}")
    return response


def _queries(client, path: str) -> int:
    from django.db import connection

    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        _get(client, path)
    return count


def _timings(client, path: str, repeat: int = REPEAT) -> list[float]:
    _get(client, path)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        _get(client, path)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@figure("dashboard: GET /w/<slug>/ p95", unit="ms", target="< 150 ms", rule=lambda r: r.value < 150, order=70)
def dashboard_latency(bench) -> Result:
    rollups_settled(bench)
    client = _client(bench.workspace)
    slug = bench.workspace.slug
    small = bench.scale_name == "small"  # a smoke run
    repeat, each = (15, 3) if small else (REPEAT, 10)
    timings = _timings(client, f"/w/{slug}/", repeat)  # the default range: the last 30 days
    others = {name: statistics.median(_timings(client, f"/w/{slug}/?range={name}", each)) for name in RANGES}
    baseline = _timings(client, f"/w/{slug}/api-keys/", repeat)
    return Result(
        value=_p95(timings),
        baseline=_p95(baseline),
        baseline_label="GET the API keys page",
        note="median by range: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in others.items()),
    )


@figure(
    "dashboard: GET /w/<slug>/?range=ytd p95",
    unit="ms",
    target="< 100 ms",
    rule=lambda r: r.value < 100,
    order=72,
)
def dashboard_year_to_date(bench) -> Result:
    """The longest preset range a marketer opens most (issue 20): the year to date, timed alone."""
    rollups_settled(bench)
    client = _client(bench.workspace)
    slug = bench.workspace.slug
    repeat = 15 if bench.scale_name == "small" else REPEAT
    timings = _timings(client, f"/w/{slug}/?range=ytd", repeat)
    baseline = _timings(client, f"/w/{slug}/api-keys/", repeat)
    return Result(
        value=_p95(timings),
        baseline=_p95(baseline),
        baseline_label="GET the API keys page",
        note=f"median {statistics.median(timings):.0f} ms",
    )


@figure(
    "dashboard: SQL queries per page",
    unit="queries",
    target="not growing",
    rule=lambda r: r.value <= r.baseline,
    order=75,
)
def dashboard_queries(bench) -> Result:
    from bench.figures.ingestion import ingest_workspace

    client = _client(bench.workspace)
    slug = bench.workspace.slug
    by_range = {name: _queries(client, f"/w/{slug}/?range={name}") for name in RANGES}
    small, _key, generator, _bases = ingest_workspace(bench)
    few = _queries(_client(small), f"/w/{small.slug}/?range=last_90")
    most = max(by_range.values())
    return Result(
        value=most,
        baseline=few,
        baseline_label=f"{generator.scale.campaigns} campaigns, last_90",
        note="by range: "
        + ", ".join(f"{name} {count}" for name, count in by_range.items())
        + f"; {bench.scale.campaigns} campaigns",
    )
