"""Figure (issue 20): a hundred tenants at once, and how fresh each one's numbers stay.

A fleet of workspaces (100; SCALE=small: 10, a smoke run), each with a tiny
generated history already rolled up, each pushing a batch of 100 page views
every second for a minute (small: 10 s) with its own key, to the bench's one
gunicorn process, with two Celery worker processes.

A push is fresh once no change row it left waits any more: right after its
answer the sender reads the change rows' sequence (its own row's id is at
most that), and a poller reads each workspace's oldest waiting change row
every 50 ms. A recompute reads every waiting row of its workspace and
deletes them in the transaction that writes the rollups, so "none waiting up
to the mark" is "a recompute that read this push has committed". Freshness is
from the push's start until then. Per workspace: p95 and p99; the figure is
the worst workspace's p95 (target < 2 s), beside the one-workspace freshness
of the same run when it was measured. A push still waiting when the watch
ends (two minutes after the last push) is starved.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from bench.registry import Result, figure

BATCH = 100  # page views per push
POLL_SECONDS = 0.05
WATCH_AFTER_SECONDS = 120  # after the last push, for stragglers


@dataclass(frozen=True)
class Fleet:
    workspaces: int
    seconds: int


FLEETS = {"small": Fleet(workspaces=10, seconds=10), "medium": Fleet(workspaces=100, seconds=60)}


@dataclass
class Push:
    workspace_id: int
    sent: float
    mark: int = 0  # the change rows' sequence just after the answer
    fresh: float | None = None


@dataclass
class Tenant:
    workspace_id: int
    key: str
    pushes: list[Push] = field(default_factory=list)


def _fleet(bench, size: int) -> list[Tenant]:
    """`size` workspaces with a tiny history each, rolled up (the pushes then make partial recomputes)."""
    from kpis.services import recompute_rollups
    from sampledata.scales import SCALES
    from sampledata.sinks.copy import load_copy

    tenants = []
    for n in range(size):
        bench.progress.update(f"fleet: workspace {n + 1}/{size}")
        workspace, key = bench.provision(f"Fleet {n + 1:03d}")
        with bench.cursor() as cursor:
            load_copy(cursor, workspace.pk, bench.generator(SCALES["tiny"], seed=bench.seed + n, prefix=f"f{n}-"))
        tenants.append(Tenant(workspace.pk, key))
    with bench.cursor() as cursor:
        cursor.execute("ANALYZE")
    for n, tenant in enumerate(tenants):
        bench.progress.update(f"fleet: first rollup {n + 1}/{size}")
        recompute_rollups(workspace_id=tenant.workspace_id)
    return tenants


def _body(tenant: Tenant, second: int) -> bytes:
    moment = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return json.dumps(
        [
            {"kind": "page_view", "occurred_at": moment, "visitor_id": f"fleet-{second}-{i}",
             "session_id": f"fleet-{tenant.workspace_id}-{second}-{i}", "url": "https://fleet.example/p"}
            for i in range(BATCH)
        ]
    ).encode()  # fmt: skip


def _changes_table() -> str:
    from campaigns.models import DataChange

    return DataChange._meta.db_table


class Marks:
    """One connection per sender thread, reading the change rows' sequence (the last id handed out)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.local = threading.local()
        self.opened: list[psycopg.Connection] = []
        with psycopg.connect(database_url, autocommit=True) as connection:
            (self.sequence,) = connection.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')", [_changes_table()]
            ).fetchone()

    def read(self) -> int:
        if not hasattr(self.local, "connection"):
            self.local.connection = psycopg.connect(self.database_url, autocommit=True)
            self.opened.append(self.local.connection)
        (value,) = self.local.connection.execute(f"SELECT last_value FROM {self.sequence}").fetchone()  # noqa: S608
        return value

    def close(self) -> None:
        for connection in self.opened:
            connection.close()


def _push(port: int, tenant: Tenant, second: int, marks: Marks) -> None:
    from bench.figures.ingestion import request

    body = _body(tenant, second)
    push = Push(tenant.workspace_id, time.perf_counter())
    status, answer = request(port, "POST", "/api/v1/touchpoints/", tenant.key, body)
    if status != 200:
        raise RuntimeError(f"POST /api/v1/touchpoints/: {status} {answer[:300]!r}")
    push.mark = marks.read()
    tenant.pushes.append(push)


def _drive(bench, port: int, tenants: list[Tenant], seconds: int) -> None:
    """Each tenant's push every second, the tenants spread over the second."""
    marks = Marks(bench.database_url)
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=min(len(tenants), 24)) as pool:
            futures = []
            for second in range(seconds):
                bench.progress.update(f"fleet: second {second + 1}/{seconds}")
                for n, tenant in enumerate(tenants):
                    slot = started + second + n / len(tenants)
                    time.sleep(max(0.0, slot - time.perf_counter()))
                    futures.append(pool.submit(_push, port, tenant, second, marks))
            for future in futures:
                future.result()
    finally:
        marks.close()


def _watch(bench, tenants: list[Tenant], sent_all: threading.Event, ends: list[float]) -> None:
    """Poll each workspace's oldest waiting change row while pushes are sent, then until every push is
    fresh or WATCH_AFTER_SECONDS after the last one was sent (`ends[0]`, set with `sent_all`)."""
    ids = [tenant.workspace_id for tenant in tenants]
    with psycopg.connect(bench.database_url, autocommit=True) as connection:
        while True:
            waiting = [push for tenant in tenants for push in list(tenant.pushes) if push.fresh is None]
            if sent_all.is_set() and (not waiting or time.perf_counter() > ends[0] + WATCH_AFTER_SECONDS):
                return
            if waiting:
                rows = connection.execute(
                    f"SELECT workspace_id, min(id) FROM {_changes_table()} WHERE workspace_id = ANY(%s)"  # noqa: S608
                    " GROUP BY workspace_id",
                    [ids],
                ).fetchall()
                now = time.perf_counter()
                oldest = dict(rows)
                for push in waiting:
                    if oldest.get(push.workspace_id, push.mark + 1) > push.mark:
                        push.fresh = now
                bench.progress.update(f"fleet: {len(waiting)} pushes not fresh yet")
            time.sleep(POLL_SECONDS)


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def _start_second_worker(bench) -> None:
    from bench.figures.kpis import start_worker

    start_worker(bench)
    start_worker(bench, name="worker-2")


@figure(
    "kpis: 100 tenants at once: worst workspace's freshness p95",
    unit="s",
    target="< 2 s, none starved",
    rule=lambda r: r.value is not None and r.value < 2 and not r.extra.get("starved"),
    order=62,
)
def fairness(bench) -> Result:
    from bench.figures.ingestion import start_web

    fleet = FLEETS.get(bench.scale_name, FLEETS["medium"])
    tenants = _fleet(bench, fleet.workspaces)
    port, _web = start_web(bench)
    _start_second_worker(bench)
    sent_all, ends = threading.Event(), []
    watcher = threading.Thread(target=_watch, args=(bench, tenants, sent_all, ends))
    watcher.start()
    try:
        _drive(bench, port, tenants, fleet.seconds)
    finally:
        ends.append(time.perf_counter())
        sent_all.set()
        watcher.join()
    per_tenant = {}
    starved = 0
    for tenant in tenants:
        times = [push.fresh - push.sent for push in tenant.pushes if push.fresh is not None]
        starved += sum(push.fresh is None for push in tenant.pushes)
        if times:
            per_tenant[tenant.workspace_id] = (_p(times, 95), _p(times, 99))
    p95s = sorted(p95 for p95, _ in per_tenant.values())
    worst = p95s[-1] if p95s else None
    pushes = sum(len(tenant.pushes) for tenant in tenants)
    first_sent = min(push.sent for tenant in tenants for push in tenant.pushes)
    return Result(
        value=worst,
        baseline=bench.state.get("freshness_1x"),
        baseline_label="one workspace's freshness p95 (this run)",
        note=(
            f"{len(tenants)} workspaces × {fleet.seconds} pushes of {BATCH} page views, 2 worker processes: "
            f"{pushes:,} pushes in {ends[0] - first_sent:.0f} s; per-workspace p95 median "
            f"{statistics.median(p95s):.2f} s, worst p99 {max(p99 for _, p99 in per_tenant.values()):.2f} s; "
            f"{starved} starved"
        ),
        extra={"starved": starved, "per_workspace_p95_p99": {str(k): v for k, v in per_tenant.items()}},
    )
