"""Figure (issue 7): one workspace flooding the API at 10× its rate limit, another's reads beside it.

gunicorn with four workers and the rate limits in Redis (as in production),
each workspace allowed FLOOD_LIMIT requests a minute. Workspace B reads
(GET /api/v1/kpis/ for 30 days, at a steady pace inside its budget) first
alone, then while workspace A sends ten times its budget from several
connections. B is timed once A is over its budget (its first 429): A's
requests within the budget are ordinary use, the rest is the flood. B's
median latency may grow by at most 10 %.

SCALE=small is a smoke run: shorter phases, and A spends its budget as fast
as the server answers before flooding at ten times its pace, so that B's
timed reads start after about two seconds instead of six. What is timed is
the same as at medium: B while A is refused. (A budget per second would be
quicker still, but A would spend it afresh every second while B is timed.)
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.registry import Result, Skipped, figure

ROOT = Path(__file__).resolve().parent.parent.parent
FLOOD_LIMIT = 600  # requests a minute per workspace
READ_INTERVAL = 0.2  # B: 5 requests a second, half its budget
FLOOD_CONNECTIONS = 4
WORKERS = 4


@dataclass(frozen=True)
class Plan:
    read_seconds: float  # each of B's two timed phases
    warm_seconds: float  # B's reads before timing, after one read per worker (none at small)
    burst: bool  # A spends its budget as fast as it is answered, then floods at 10× its pace


PLANS = {
    "small": Plan(read_seconds=3, warm_seconds=0, burst=True),
    "medium": Plan(read_seconds=15, warm_seconds=2, burst=False),
}


def _plan(bench) -> Plan:
    return PLANS.get(bench.scale_name, PLANS["medium"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(bench) -> int:
    from bench.figures.ingestion import _redis_up, production_env, stop_at_cleanup

    if not _redis_up():
        raise Skipped("no Redis on 127.0.0.1:6379 for the shared rate limits")
    port = _free_port()
    env = production_env(
        bench,
        LOG_LEVEL="ERROR",
        API_THROTTLE_RATE=f"{FLOOD_LIMIT}/min",
        CACHE_URL="redis://127.0.0.1:6379/12",
        CELERY_BROKER_URL="",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    # --preload: the workers fork from a master that imported the app once, instead of four imports
    # at once on the bench's cores before the first read (seconds); what is measured comes later.
    process = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "config.wsgi:application", "--workers", str(WORKERS), "--preload",
         "--bind", f"127.0.0.1:{port}", "--log-level", "error"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(bench.scratch / "isolation.log", "wb"),  # noqa: SIM115
    )  # fmt: skip

    stop_at_cleanup(bench, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return port
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 60 s")


def _warm_every_worker(port: int, key: str, path: str) -> None:
    """One read per worker at once, so that none meets its first request (database connection, lazy
    imports) while B is timed: B's reads one after the other may leave a worker cold."""
    from bench.figures.ingestion import request

    threads = [threading.Thread(target=request, args=(port, "GET", path, key)) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _reads(port: int, key: str, path: str, seconds: float) -> list[float]:
    from bench.figures.ingestion import request

    timings = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        status, _body = request(port, "GET", path, key)
        if status != 200:
            raise RuntimeError(f"workspace B's read answered {status}")
        timings.append((time.perf_counter() - started) * 1000)
        time.sleep(max(0.0, READ_INTERVAL - (time.perf_counter() - started)))
    return timings


def _flood_connection(port: int, key: str, burst: bool, stop, throttled, statuses: dict[int, int]) -> None:
    from bench.figures.ingestion import request

    pause = FLOOD_CONNECTIONS / (10 * FLOOD_LIMIT / 60)  # together: 10× the budget
    while not stop.is_set():
        started = time.perf_counter()
        status, _body = request(port, "GET", "/api/v1/campaigns/?page_size=100", key)
        statuses[status] = statuses.get(status, 0) + 1
        if status == 429:
            throttled.set()
        if burst and not throttled.is_set():
            continue  # still within the budget: spend it without pause
        time.sleep(max(0.0, pause - (time.perf_counter() - started)))


def _flood(port: int, key: str, burst: bool, stop, throttled, results) -> None:
    """A's client, in a process of its own: its threads must not hold the GIL B's timings run under."""
    statuses: dict[int, int] = {}
    threads = [
        threading.Thread(target=_flood_connection, args=(port, key, burst, stop, throttled, statuses))
        for _ in range(FLOOD_CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(statuses)


@figure(
    "isolation: B's reads while A floods at 10×",
    unit="ms",
    target="≤ 1.1× alone",
    rule=lambda r: r.ratio is not None and r.ratio <= 1.1,
    order=80,
)
def flood_isolation(bench) -> Result:
    from bench.figures.ingestion import ingest_workspace

    plan = _plan(bench)
    port = _start_server(bench)
    _flooder, flood_key, _generator, _bases = ingest_workspace(bench)
    day = date.today()
    path = f"/api/v1/kpis/?from={(day - timedelta(days=29)).isoformat()}&to={day.isoformat()}"
    _warm_every_worker(port, bench.api_key, path)
    _reads(port, bench.api_key, path, plan.warm_seconds)
    alone = _reads(port, bench.api_key, path, plan.read_seconds)
    context = multiprocessing.get_context("fork")
    stop, throttled, results = context.Event(), context.Event(), context.Queue()
    flooder = context.Process(target=_flood, args=(port, flood_key, plan.burst, stop, throttled, results))
    flooder.start()
    try:
        # B is timed once A is over its budget: A's requests within it are ordinary use, not the flood.
        if not throttled.wait(timeout=60):
            raise RuntimeError("the flood was never throttled within 60 s")
        flooded = _reads(port, bench.api_key, path, plan.read_seconds)
    finally:
        stop.set()
    statuses = results.get(timeout=60)
    flooder.join()
    sent = sum(statuses.values())
    if not statuses.get(429):
        raise RuntimeError(f"the flood was never throttled: {statuses}")
    return Result(
        value=statistics.median(flooded),
        baseline=statistics.median(alone),
        baseline_label="B alone",
        note=f"A sent {sent:,} requests at 10× its budget of {FLOOD_LIMIT:,}/min "
        f"({statuses.get(429, 0):,} answered 429); B p95 {_p95(flooded):.0f} ms vs {_p95(alone):.0f} ms alone",
    )


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]
