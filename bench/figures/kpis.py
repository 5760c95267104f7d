"""Figures of the KPI engine (issue 5).

- full recompute of the workspace against the plain-SQL baseline: one plain
  GROUP BY query per rollup (the daily components of each raw table, web
  sessions, page days, visitor days, target-account engagement days, account facts,
  customer days),
  materialised into temporary tables: the same information, without the
  rollups' indexes, durability and in-place replacement;
- worker peak memory: `manage.py recompute_kpis` in a fresh process, its peak
  RSS (VmHWM, after exec) against that of a bare Django command;
- GET /api/v1/kpis/ for a 90-day range: p95 latency, and its SQL query count
  against the same request on a workspace with a tenth of the campaigns;
- write + one-day recompute: a POST of a few touchpoints of one past day
  and the recompute of that day, in process (median of a few); the figure
  `make bench DATABASE=citus` compares with the Citus cluster (bench/citus.py);
- freshness: from a 1,000-touchpoint POST to /api/v1/kpis/ showing it, with
  gunicorn and a Celery worker running.

Read figures run in the steady state autovacuum keeps a server in: the
rollup tables vacuumed and analysed after the recompute figures rewrote them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from bench.registry import Result, Skipped, figure
from kpis.services import REBUILD_WORK_MEM

ROOT = Path(__file__).resolve().parent.parent.parent

BASELINE_QUERIES = {
    "spend": """
        SELECT s.date AS day, s.campaign_id, SUM(s.cost) AS spend, SUM(s.impressions) AS impressions,
               SUM(s.clicks) AS clicks,
               SUM(CASE WHEN c.channel IN ('organic_social', 'paid_social') THEN s.impressions ELSE 0 END) AS social
        FROM campaigns_spendentry s JOIN campaigns_campaign c ON c.id = s.campaign_id
        WHERE s.workspace_id = %(ws)s GROUP BY 1, 2""",
    "leads": """
        SELECT day, campaign_id, SUM(leads) AS leads, SUM(mqls) AS mqls, SUM(sqls) AS sqls, SUM(sqos) AS sqos,
               SUM(cohort) AS cohort_mqls, SUM(customers) AS cohort_customers FROM (
            SELECT l.created_on AS day, l.source_campaign_id AS campaign_id, 1 AS leads, 0 AS mqls, 0 AS sqls,
                   0 AS sqos, (l.mql_at IS NOT NULL)::int AS cohort, (w.lead_id IS NOT NULL)::int AS customers
            FROM campaigns_lead l
            LEFT JOIN (SELECT DISTINCT lead_id FROM campaigns_deal WHERE workspace_id = %(ws)s AND status = 'won') w
              ON w.lead_id = l.id
            WHERE l.workspace_id = %(ws)s
            UNION ALL SELECT mql_on, source_campaign_id, 0, 1, 0, 0, 0, 0
            FROM campaigns_lead WHERE workspace_id = %(ws)s AND mql_on IS NOT NULL
            UNION ALL SELECT sql_on, source_campaign_id, 0, 0, 1, 0, 0, 0
            FROM campaigns_lead WHERE workspace_id = %(ws)s AND sql_on IS NOT NULL
            UNION ALL SELECT sqo_on, source_campaign_id, 0, 0, 0, 1, 0, 0
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
    "sessions": """
        SELECT session_id, MIN(occurred_on) AS first_day, COUNT(*) AS page_views,
               (array_agg(campaign_id ORDER BY occurred_at, external_id NULLS LAST, id))[1] AS campaign_id
        FROM campaigns_touchpoint WHERE workspace_id = %(ws)s AND kind = 'page_view' AND session_id <> ''
        GROUP BY 1""",
    "page_days": """
        SELECT day, campaign_id, url, COUNT(*) AS page_views, SUM(entry) AS entries, SUM(exit) AS exits FROM (
            SELECT MIN(occurred_on) OVER s AS day, FIRST_VALUE(campaign_id) OVER o AS campaign_id,
                   (ROW_NUMBER() OVER o = 1)::int AS entry, (ROW_NUMBER() OVER o = COUNT(*) OVER s)::int AS exit,
                   split_part(split_part(url, '#', 1), '?', 1) AS bare
            FROM campaigns_touchpoint WHERE workspace_id = %(ws)s AND kind = 'page_view' AND session_id <> ''
            WINDOW s AS (PARTITION BY session_id),
                   o AS (PARTITION BY session_id ORDER BY occurred_at, external_id NULLS LAST, id)
            UNION ALL SELECT occurred_on, campaign_id, 0, 0, split_part(split_part(url, '#', 1), '?', 1)
            FROM campaigns_touchpoint WHERE workspace_id = %(ws)s AND kind = 'page_view' AND session_id = ''
        ) AS views, LATERAL (
            SELECT lower(substring(bare FROM '^[^/]*://[^/]*')) AS origin,
                   rtrim(regexp_replace(bare, '^[^/]*://[^/]*', ''), '/') AS path
        ) AS parts, LATERAL (
            SELECT CASE WHEN bare = '' THEN '' WHEN path = '' THEN COALESCE(origin, '') || '/'
                        ELSE COALESCE(origin, '') || path END AS url
        ) AS normalised GROUP BY 1, 2, 3""",
    "visitor_days": """
        SELECT visitor_id, day, LAG(day) OVER (PARTITION BY visitor_id ORDER BY day) AS previous_day FROM (
            SELECT visitor_id, occurred_on AS day FROM campaigns_touchpoint
            WHERE workspace_id = %(ws)s AND kind = 'page_view' AND visitor_id <> '' GROUP BY 1, 2
        ) AS seen""",
    "target_account_days": """
        SELECT a.id AS account_id, t.occurred_on AS day, COUNT(*) AS touches,
               SUM(CASE t.kind WHEN 'email_open' THEN 1 WHEN 'email_click' THEN 3 WHEN 'page_view' THEN 1
                   WHEN 'form_submit' THEN 10 WHEN 'ad_click' THEN 2 WHEN 'social_engagement' THEN 2
                   WHEN 'webinar_registration' THEN 5 WHEN 'webinar_attendance' THEN 8
                   WHEN 'content_download' THEN 5 ELSE 15 END
                   * power(2.0::float8, (extract(epoch FROM t.occurred_at)::float8 / 86400 - 20000) / 30)) AS decayed
        FROM campaigns_touchpoint t LEFT JOIN campaigns_lead l ON l.id = t.lead_id
        JOIN campaigns_account a ON a.id = COALESCE(t.account_id, l.account_id) AND a.is_target
        WHERE t.workspace_id = %(ws)s AND t.kind IN ('email_open', 'email_click', 'page_view', 'form_submit',
              'ad_click', 'social_engagement', 'webinar_registration', 'webinar_attendance', 'content_download',
              'meeting')
        GROUP BY 1, 2""",
    "account_facts": """
        SELECT w.account_id, w.id AS first_won_deal_id, w.closed_on, f.first_touch_at FROM (
            SELECT DISTINCT ON (account_id) account_id, id, closed_on FROM campaigns_deal
            WHERE workspace_id = %(ws)s AND status = 'won' ORDER BY account_id, closed_at, external_id
        ) w JOIN (
            SELECT account_id, MIN(at) AS first_touch_at FROM (
                SELECT COALESCE(t.account_id, l.account_id) AS account_id, t.occurred_at AS at
                FROM campaigns_touchpoint t LEFT JOIN campaigns_lead l ON l.id = t.lead_id
                WHERE t.workspace_id = %(ws)s
                UNION ALL SELECT account_id, created_at FROM campaigns_lead WHERE workspace_id = %(ws)s
                UNION ALL SELECT account_id, created_at FROM campaigns_deal WHERE workspace_id = %(ws)s
            ) touches GROUP BY 1
        ) f ON f.account_id = w.account_id""",
    "customer_days": """
        SELECT day, SUM((net > 0 AND after = net)::int) AS gained, SUM((net < 0 AND after = 0)::int) AS lost FROM (
            SELECT day, SUM(delta) AS net, SUM(SUM(delta)) OVER (PARTITION BY account_id ORDER BY day) AS after
            FROM (
                SELECT account_id, closed_on AS day, 1 AS delta FROM campaigns_deal
                WHERE workspace_id = %(ws)s AND status = 'won' AND (churned_on IS NULL OR churned_on > closed_on)
                UNION ALL SELECT account_id, churned_on, -1 FROM campaigns_deal
                WHERE workspace_id = %(ws)s AND status = 'won' AND churned_on > closed_on
            ) AS events GROUP BY account_id, day
        ) AS changes GROUP BY 1""",
}


def plain_sql_baseline(bench, workspace_id: int) -> float:
    """Seconds for the GROUP BY queries, each materialised into a temporary table."""
    with bench.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT set_config('work_mem', %s, false)", [REBUILD_WORK_MEM])  # what the engine gets
        for name, query in BASELINE_QUERIES.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_daily_{name}")
            cursor.execute(f"CREATE TEMPORARY TABLE bench_daily_{name} AS {query}", {"ws": workspace_id})
        elapsed = time.perf_counter() - started
        for name in BASELINE_QUERIES:
            cursor.execute(f"DROP TABLE IF EXISTS bench_daily_{name}")
        cursor.execute("RESET work_mem")
    return elapsed


def recompute_function():
    try:
        from kpis.services import recompute_rollups
    except ImportError as error:
        raise Skipped(f"kpis.services.recompute_rollups missing ({error})") from error
    return recompute_rollups


def full_recompute(bench, workspace_id: int) -> tuple[float, float]:
    """(engine seconds, baseline seconds) for one workspace; the engine runs twice, the second is kept.

    The first run builds the rollups from nothing (timed apart, `first_build`);
    the second is the recompute the nightly task does, on rollups already there.
    """
    recompute = recompute_function()
    started = time.perf_counter()
    recompute(workspace_id=workspace_id)
    bench.state.setdefault("first_build", {})[workspace_id] = time.perf_counter() - started
    started = time.perf_counter()
    recompute(workspace_id=workspace_id)
    engine = time.perf_counter() - started
    plain_sql_baseline(bench, workspace_id)  # warm the same pages for the baseline
    return engine, plain_sql_baseline(bench, workspace_id)


@figure("kpis: full recompute", unit="s", target="≤ 1.5× plain SQL", rule=lambda r: r.ratio <= 1.5, order=30)
def full_recompute_figure(bench) -> Result:
    bench.state["recompute_failed"] = True
    engine, baseline = full_recompute(bench, bench.workspace.pk)
    bench.state["recompute_failed"] = False
    bench.state["recompute_1x"] = (engine, baseline)
    first = bench.state["first_build"][bench.workspace.pk]
    return Result(
        value=engine,
        baseline=baseline,
        baseline_label=f"plain GROUP BY ×{len(BASELINE_QUERIES)}",
        note=f"the first build, from empty rollups: {first:.1f} s ({first / baseline:.2f}× the baseline)",
    )


WRITE_TOUCHPOINTS = 5


def write_and_recompute_ms(bench, workspace, key: str, rounds: int) -> list[float]:
    """Milliseconds of each round: POST a few page views of one past day, then recompute what changed.

    The recompute runs in the request (tasks eager, as with no broker) or,
    if queued, right after it: either way the round ends with that day's
    rollups rebuilt. The first round warms up and is not counted.
    """
    from datetime import date, datetime
    from datetime import time as day_time

    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign
    from config.celery_app import app
    from kpis.services import pending_changes_exist, recompute_pending_changes

    with workspace_scope(workspace):
        campaign = Campaign.objects.order_by("id").values_list("external_id", flat=True).first()
    day = date.fromordinal(bench.generator(bench.scale).last_day - 1)
    moment = datetime.combine(day, day_time(12), tzinfo=workspace.tz).isoformat()
    client = _api_client(key)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    timings = []
    try:
        for round_ in range(rounds + 1):
            body = [
                {"kind": "page_view", "occurred_at": moment, "campaign": campaign, "visitor_id": f"write-{round_}-{i}",
                 "session_id": f"write-{round_}-{i}", "url": f"https://bench.example/write/{i}"}
                for i in range(WRITE_TOUCHPOINTS)
            ]  # fmt: skip
            started = time.perf_counter()
            response = client.post("/api/v1/touchpoints/", body, format="json")
            if response.status_code != 200:
                raise RuntimeError(f"POST /api/v1/touchpoints/: {response.status_code} {response.content[:300]!r}")
            if pending_changes_exist(workspace.pk):
                recompute_pending_changes(workspace_id=workspace.pk)
            if round_:
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        app.conf.task_always_eager = eager
    return timings


def write_rounds(bench) -> int:
    return 5 if bench.scale_name == "small" else 9  # small: a smoke run


@figure("kpis: write + one-day recompute", unit="ms", order=35)
def write_and_recompute(bench) -> Result:
    recompute_function()
    timings = write_and_recompute_ms(bench, bench.workspace, bench.api_key, write_rounds(bench))
    bench.state["write_recompute_ms"] = statistics.median(timings)
    return Result(
        value=statistics.median(timings),
        note=f"median of {len(timings)}: a POST of {WRITE_TOUCHPOINTS} page views of one past day and its recompute; "
        f"{min(timings):.0f}–{max(timings):.0f} ms",
    )


PEAK_RSS_PROBE = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()
from django.core.management import call_command
call_command(*sys.argv[1:])
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak-rss-kb", line.split()[1])
"""


def _peak_rss_mb(arguments: list[str]) -> tuple[float, int, str]:
    """Peak RSS of a fresh process running a management command.

    Read from the process itself (VmHWM): the rusage of a forked child also
    counts the parent's pages it held until exec, the bench's own memory.
    """
    process = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PEAK_RSS_PROBE, *arguments],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    output = process.stdout + process.stderr
    peaks = [line.split()[1] for line in process.stdout.splitlines() if line.startswith("peak-rss-kb")]
    return (int(peaks[-1]) / 1024 if peaks else 0.0), process.returncode, output


def rollups_settled(bench) -> None:
    """The steady state autovacuum keeps: rollups built, their tables vacuumed (index-only scans) and analysed."""
    if bench.state.get("rollups_settled"):
        return
    from django.db import connection

    from kpis.models import ROLLUPS

    if bench.workspace.pk not in bench.state.get("first_build", {}):  # a read figure run alone (`--only`)
        bench.progress.update("build the rollups")
        recompute_function()(workspace_id=bench.workspace.pk)
    bench.progress.update("VACUUM ANALYZE the rollup tables")
    with connection.cursor() as cursor:
        for model in ROLLUPS:
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    bench.state["rollups_settled"] = True


@figure("kpis: worker peak memory", unit="MB", target="< 300 MB", rule=lambda r: r.value < 300, order=40)
def worker_memory(bench) -> Result:
    recompute_function()
    if bench.state.get("recompute_failed"):
        raise Skipped("the full recompute failed above")
    if not (ROOT / "kpis" / "management" / "commands" / "recompute_kpis.py").exists():
        raise Skipped("manage.py recompute_kpis missing")
    # Side by side: each process's own peak is read, so neither changes the other's (half the wait).
    with ThreadPoolExecutor(max_workers=2) as pool:
        measured = pool.submit(_peak_rss_mb, ["recompute_kpis", "--workspace", bench.workspace.slug])
        bare = pool.submit(_peak_rss_mb, ["check"])
        (peak, code, output), (idle, _code, _output) = measured.result(), bare.result()
    if code != 0:
        raise RuntimeError(f"recompute_kpis exited {code}: {output[-500:]}")
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


@figure("kpis: GET /api/v1/kpis/ 90 days p95", unit="ms", target="≤ 20 ms", rule=lambda r: r.value <= 20, order=50)
def kpis_latency(bench) -> Result:
    from datetime import date

    recompute_function()
    rollups_settled(bench)
    last_day = date.fromordinal(bench.generator(bench.scale).last_day)
    repeat = 20 if bench.scale_name == "small" else 40  # small: a smoke run
    timings, queries = _kpis_timings(bench, bench.api_key, _kpis_path(last_day), repeat=repeat)
    listing, _ = _kpis_timings_or_none(bench, bench.api_key, "/api/v1/campaigns/", repeat=repeat // 2)
    bench.state["kpis_queries"] = queries
    bench.state["kpis_p95_ms"] = _p95(timings)
    return Result(
        value=_p95(timings),
        baseline=_p95(listing) if listing else None,
        baseline_label="GET /api/v1/campaigns/",
        note=f"median {statistics.median(timings):.1f} ms, {queries} queries",
    )


def _kpis_timings_or_none(bench, key, path, repeat: int = 20):
    try:
        return _kpis_timings(bench, key, path, repeat=repeat)
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
    recompute_function()(workspace_id=workspace.pk)
    last_day = date.fromordinal(bench.generator(bench.scale).last_day)
    _timings, few = _kpis_timings(bench, key, _kpis_path(last_day), repeat=1)
    _timings, many = _kpis_timings(bench, bench.api_key, _kpis_path(last_day), repeat=1)
    return Result(
        value=many,
        baseline=few,
        baseline_label=f"{generator.scale.campaigns} campaigns",
        note=f"{bench.scale.campaigns} campaigns vs {generator.scale.campaigns}",
    )


FRESHNESS_ROUNDS = 10
FRESHNESS_BATCH = 1000


def start_worker(bench, name: str = "worker"):
    """A Celery worker (one pool process) on the bench database and the web's broker; another `name`: one more."""
    if name in bench.state:
        return bench.state[name]
    from bench.figures.ingestion import start_web, stop_at_cleanup, web_env
    from config.celery_app import worker_queues

    start_web(bench)
    env = web_env(bench)
    if not env["CELERY_BROKER_URL"]:
        raise Skipped("no broker: Redis is not running on 127.0.0.1:6379")
    if name == "worker":
        _purge_queue(env)
    celery = Path(sys.executable).parent / "celery"
    log = open(bench.scratch / f"{name}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [str(celery), "-A", "config", "worker", "--concurrency=1", "--loglevel=INFO", "-Q", worker_queues(env),
         "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    stop_at_cleanup(bench, process, timeout=30)
    bench.state[name] = process
    _wait_until_ready(process, bench.scratch / f"{name}.log")
    return process


def _purge_queue(env: dict[str, str]) -> None:
    """Drop what the web process queued before the worker runs (the ingestion figure's recomputes).

    In process: a `celery purge` process spends a second and a half starting up to do the same.
    """
    from kombu import Connection

    with Connection(env["CELERY_BROKER_URL"]) as connection:
        connection.default_channel.queue_purge(env["CELERY_QUEUE"])


def _wait_until_ready(process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Until the worker logs that it is ready (about two seconds), rather than a fixed sleep."""
    deadline = time.monotonic() + timeout
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"celery worker not ready after {timeout:.0f} s: {log.read_text()[-2000:]}")
        time.sleep(0.1)


def _page_views_today(port: int, key: str, day: str) -> int | None:
    from bench.figures.ingestion import request

    status, body = request(port, "GET", f"/api/v1/kpis/?from={day}&to={day}", key)
    if status != 200:
        raise RuntimeError(f"GET /api/v1/kpis/: {status} {body[:300]!r}")
    return json.loads(body)["metrics"]["page_views"]


def freshness_p95(bench, workspace) -> float:
    """Seconds from a 1,000-touchpoint POST until /api/v1/kpis/ shows it (p95), with a worker running.

    Each round posts page views of a minute ago (today, local) and polls the
    KPI endpoint every 20 ms until its page_views for today count them.
    """
    from datetime import UTC, datetime

    from accounts.services import api_key_create
    from bench.figures.ingestion import request, start_web

    port, _web = start_web(bench)
    start_worker(bench)
    _key, raw_key = api_key_create(workspace=workspace, name="bench freshness")
    today = datetime.now(UTC).astimezone(workspace.tz).date().isoformat()
    timings = []
    rounds = 3 if bench.scale_name == "small" else FRESHNESS_ROUNDS  # small: a smoke run
    for round_ in range(rounds + 1):  # the first warms the worker up, not counted
        bench.progress.update(f"freshness round {round_}/{rounds}")
        moment = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        body = json.dumps(
            [
                {"kind": "page_view", "occurred_at": moment, "visitor_id": f"fresh-{round_}-{i}",
                 "session_id": f"fresh-{round_}-{i}", "url": "https://bench.example/fresh"}
                for i in range(FRESHNESS_BATCH)
            ]
        ).encode()  # fmt: skip
        before = _page_views_today(port, raw_key, today)
        started = time.perf_counter()
        status, answer = request(port, "POST", "/api/v1/touchpoints/", raw_key, body)
        if status != 200:
            raise RuntimeError(f"POST /api/v1/touchpoints/: {status} {answer[:300]!r}")
        deadline = started + 60
        while _page_views_today(port, raw_key, today) < before + FRESHNESS_BATCH:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"not fresh after 60 s: {(bench.scratch / 'worker.log').read_text()[-1500:]}")
            time.sleep(0.02)
        if round_:
            timings.append(time.perf_counter() - started)
    bench.state.setdefault("freshness_timings", {})[workspace.pk] = timings
    return statistics.quantiles(timings, n=20)[-1]


@figure("kpis: freshness p95", unit="s", target="< 1 s", rule=lambda r: r.value < 1, order=60)
def freshness(bench) -> Result:
    recompute_function()
    value = freshness_p95(bench, bench.workspace)
    bench.state["freshness_1x"] = value
    timings = bench.state["freshness_timings"][bench.workspace.pk]
    return Result(
        value=value,
        note=f"{len(timings)} POSTs of {FRESHNESS_BATCH:,} touchpoints; median {statistics.median(timings):.2f} s",
    )
