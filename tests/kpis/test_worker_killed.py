"""A worker killed half-way through a full recompute, restarted: the rollups equal a from-scratch recompute.

Real worker process, real broker, real PostgreSQL (CI's PostgreSQL run).

The task is stopped half-way deterministically, from the test's side and with
no test hook in the code: a second connection inserts, without committing, the
`WebSession` row of a new session ("late") that the rebuild is about to insert. By then
the worker's transaction has taken the KpiState lock and deleted the web
sessions (the rebuild's first step); its INSERT into `kpis_websession` waits on
the primary key for our transaction. While it waits,
the worker's pool child is SIGKILLed. `acks_late` + `reject_on_worker_lost`
make the parent requeue the message; its new pool child takes it and waits for
the KpiState lock, still held by the orphaned backend of the dead child. Our
transaction is then rolled back: the orphan's INSERT ends, it finds its client
gone and rolls back, and the redelivered task runs to the end.

On Citus the waits happen on the workers, between the backends the
coordinator's sessions opened there: who waits on whom is read from
`citus_lock_waits`, by the sessions' global ids (coordinator's statements).
"""

from __future__ import annotations

import os
import re
import signal
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.db.postgresql.base import citus_set_sql
from kpis.models import KpiState, WebSession
from kpis.rollups.tables import SESSIONS
from kpis.services import recompute_rollups
from kpis.tasks import recompute_workspace_full_task
from tests.broker import WORKER_LOG, celery_worker, wait_for
from tests.data_factories import CampaignFactory, SpendEntryFactory, TouchpointFactory
from tests.kpis.test_recompute import rollup_rows, seed

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI's PostgreSQL run sets it)"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="a worker process needs a shared database server",
    ),
]

WAIT = 60  # seconds, the bound of every wait
TASK = "kpis.recompute_workspace_full"


def _connect(*, autocommit: bool) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=autocommit,
    )


@pytest.fixture
def side_connection():
    """A second connection to the test database, outside Django: holds the lock in its own transaction."""
    connection = _connect(autocommit=False)
    yield connection
    connection.rollback()
    connection.close()


@pytest.fixture
def monitor():
    """A third one, in autocommit: pg_stat_activity is a snapshot per transaction."""
    connection = _connect(autocommit=True)
    yield connection
    connection.close()


def _scalar(connection, sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def _citus() -> bool:
    return connection.vendor == "postgresql" and connection.citus


def _session_id(connection) -> int:
    """The session's backend pid; on Citus its global pid, which the waits on the workers are reported by."""
    return _scalar(connection, "SELECT citus_backend_gpid()" if _citus() else "SELECT pg_backend_pid()")


def _blocked_by(connection, blocker: int, query_part: str) -> int | None:
    """The session waiting on `blocker` while running a statement that contains `query_part`.

    Contains, not starts with: a rollup's write starts with the CTE of its new rows (WITH n … INSERT INTO …).
    """
    if _citus():
        sql = "SELECT waiting_gpid FROM citus_lock_waits WHERE blocking_gpid = %s AND blocked_statement ILIKE %s"
    else:
        sql = "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)) AND query ILIKE %s"
    return _scalar(connection, sql, [blocker, "%" + query_part + "%"])


def _backend_alive(connection, session: int) -> bool:
    pid = "citus_pid_for_gpid(%s)" if _citus() else "%s"
    return bool(_scalar(connection, f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}", [session]))


def _pool_children(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.update(int(child) for child in (task / "children").read_text().split())
    return children


def _log() -> str:
    return WORKER_LOG.read_text()


def _worker_state(worker) -> str:
    return f"worker log tail:\n{_log()[-3000:]}" if worker.poll() is None else f"worker exited:\n{_log()[-3000:]}"


def _add_data_after_the_last_recompute(workspace) -> None:
    """New data (a new session "late" among it), so the stored rollups are stale."""
    campaign = CampaignFactory(workspace=workspace)
    SpendEntryFactory(workspace=workspace, campaign=campaign, date=date(2026, 1, 20), cost=Decimal("99.01"))
    for hour in (8, 9):
        TouchpointFactory(workspace=workspace, kind="page_view", visitor_id="v2", session_id="late",
                          campaign=campaign, occurred_at=datetime(2026, 1, 20, hour, tzinfo=UTC))  # fmt: skip
    seed(workspace, day=21)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_half_way_then_restarted_leaves_the_rollups_of_a_full_recompute(
    workspace, real_broker, side_connection, monitor
):
    for day in (3, 9, 14):
        seed(workspace, day=day)
    recompute_rollups(workspace_id=workspace.pk)
    before = rollup_rows(workspace)
    as_of_before = KpiState.objects.unscoped().get(workspace=workspace).as_of
    _add_data_after_the_last_recompute(workspace)

    # Hold the unique key (workspace, "late") the rebuild will insert into kpis_websession.
    side = side_connection
    side_pid = _session_id(side)
    if connection.citus:  # the form that reaches the workers (config/db/postgresql/base.py)
        side.execute(citus_set_sql((str(workspace.pk), "")))
    else:
        _scalar(side, "SELECT set_config('app.workspace_id', %s, true)", [str(workspace.pk)])
    with side.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WebSession._meta.db_table} (workspace_id, session_id, first_day, page_views)"
            " VALUES (%s, 'late', '2026-01-01', 0)",
            [workspace.pk],
        )

    with celery_worker(concurrency=1) as worker:
        first_children = _pool_children(worker.pid)
        assert len(first_children) == 1, first_children
        (killed_child,) = first_children

        task_id = recompute_workspace_full_task.delay(workspace.pk).id

        # Half-way: web sessions deleted, their INSERT waiting on us. Found by the sessions' column list,
        # which opens the statement on every database (the activity view keeps only a statement's start).
        orphan_pid = None
        sessions = f"(workspace_id, {', '.join(SESSIONS.columns)})"

        def half_way() -> bool:
            nonlocal orphan_pid
            orphan_pid = _blocked_by(monitor, side_pid, sessions)
            return orphan_pid is not None

        assert wait_for(half_way, timeout=WAIT), "the task never reached the web sessions: " + _worker_state(worker)
        assert f"Task {TASK}[" in _log() and "received" in _log()

        os.kill(killed_child, signal.SIGKILL)

        # The parent notices, requeues the message (reject_on_worker_lost), forks a new child which takes it
        # and waits for the KpiState row, still locked by the dead child's transaction.
        assert wait_for(lambda: "WorkerLostError" in _log(), timeout=WAIT), _worker_state(worker)
        assert wait_for(lambda: _pool_children(worker.pid) - {killed_child}, timeout=WAIT), _worker_state(worker)
        assert worker.poll() is None, _worker_state(worker)
        assert wait_for(lambda: _blocked_by(monitor, orphan_pid, 'SELECT "kpis_kpistate"') is not None, timeout=WAIT), (
            "the message was not redelivered: " + _worker_state(worker)
        )
        assert "succeeded" not in _log()

        # Nothing of the killed run is visible: the old rollups are intact.
        assert rollup_rows(workspace) == before

        # Let go: the orphaned backend finds its client gone and rolls back; the redelivered task finishes.
        side.rollback()
        assert wait_for(lambda: f"Task {TASK}" in _log() and "succeeded" in _log(), timeout=WAIT), _worker_state(worker)
        assert wait_for(lambda: not _backend_alive(monitor, orphan_pid), timeout=WAIT)
        assert _log().count("succeeded") == 1, _worker_state(worker)
        # One message, delivered twice (the same task id), run to the end once.
        received = re.findall(rf"Task {TASK}\[([0-9a-f-]+)\] received", _log())
        assert received == [task_id, task_id], received

    state = KpiState.objects.unscoped().get(workspace=workspace)
    assert state.as_of > as_of_before
    after_worker = rollup_rows(workspace)
    assert after_worker != before, "the new data never reached the rollups"

    recompute_rollups(workspace_id=workspace.pk)
    assert after_worker == rollup_rows(workspace)
