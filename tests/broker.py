"""A real `celery worker` process on the configured broker, for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# One per test process: CI's PostgreSQL and Citus passes run side by side in one checkout, and a shared log
# let one pass take the other's worker for ready.
WORKER_LOG = ROOT / f".pytest-worker-{os.getpid()}.log"


def broker_reset() -> None:
    """An empty broker: the queue purged and, on Redis, the transport's unacked messages dropped too.

    A worker killed or stopped mid-task (here or in an earlier run on the same
    Redis database) leaves its message in the `unacked` hash; the next worker
    restores it once the visibility timeout has passed, and it would run
    inside a later test.
    """
    from config.celery_app import app, heavy_queue

    app.control.purge()  # the queues the app declares: the default one
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(heavy_queue())
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        with app.connection_for_write() as connection:
            connection.default_channel.client.delete("unacked", "unacked_index", "unacked_mutex")


def database_url_of_test_db() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(
    *, extra_env: dict | None = None, pool: str = "prefork", concurrency: int = 1, queues: tuple[str, ...] = ()
) -> Iterator[subprocess.Popen]:
    """Start a worker on the test database and broker, on `queues` (default: both); stop it after the block."""
    from config.celery_app import heavy_queue

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_of_test_db(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        **(extra_env or {}),
    }
    log = open(WORKER_LOG, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--queues={','.join(queues or (settings.CELERY_TASK_DEFAULT_QUEUE, heavy_queue()))}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_ready(process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_ready(process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited: {WORKER_LOG.read_text()[-2000:]}")
        if "ready." in WORKER_LOG.read_text():
            return
        time.sleep(0.2)
    raise TimeoutError("celery worker did not become ready")


def wait_for(predicate, timeout: float = 20, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
