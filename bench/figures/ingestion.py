"""Figure (issue 3): touchpoints/s through POST /api/v1/touchpoints/ against COPY of the same rows.

One gunicorn process with the production settings serves a workspace
provisioned with `manage.py provision`, whose campaigns, accounts, leads and
deals were COPY-loaded first; the client sends pre-encoded batches of 1,000
(so it measures the server, validation included), two in flight. The process
runs four threads (gunicorn's gthread worker, as the README's production stack
does): while one request waits on PostgreSQL's write and commit, another is
parsed and validated, so the two cores are both at work. Then the same rows
are deleted and COPY'd.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.registry import Result, Skipped, figure

ROOT = Path(__file__).resolve().parent.parent.parent
TOUCHPOINTS = 100_000
BATCH = 1_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def production_env(bench, **overrides: str) -> dict[str, str]:
    """The production settings on the bench database, plain HTTP on 127.0.0.1."""
    env = dict(os.environ)
    env.pop("PGOPTIONS", None)  # the bench's statement timeout is for its own figures' queries
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=bench.database_url,
        SECURE_SSL_REDIRECT="false",
        DEBUG="false",
        **overrides,
    )
    return env


def stop_at_cleanup(bench, process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop `process` when the bench ends: TERM (a gunicorn master stops its workers, a SIGKILL would orphan
    them), KILL after `timeout` seconds."""

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()

    bench.state.setdefault("cleanup", []).append(stop)


def web_env(bench) -> dict[str, str]:
    """The web process's and the worker's environment (one, shared by the figures)."""
    if "web_env" not in bench.state:
        bench.state["web_env"] = production_env(
            bench,
            LOG_LEVEL="WARNING",
            API_THROTTLE_RATE="1000000/min",
            # The tracking figures send each visitor's address in X-Forwarded-For, from one site at thousands/s.
            TRUSTED_PROXIES="127.0.0.1",
            TRACKING_SITE_RATE="100000000/min",
            # Change notifications are queued for a worker, as in production, not run inside the request
            # (BENCH_BROKER_URL: another Redis database when benches run side by side).
            CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15") if _redis_up() else "",
            # A queue of this run's own: another bench on the same Redis must not take its tasks.
            CELERY_QUEUE=f"bench-{secrets.token_hex(4)}",
        )
    return bench.state["web_env"]


def start_web(bench) -> tuple[int, subprocess.Popen]:
    """One gunicorn process of four threads on the bench database (shared by figures through bench.state)."""
    if "web" in bench.state:
        return bench.state["web"]
    port = _free_port()
    env = web_env(bench)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "config.wsgi:application", "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(bench.scratch / "gunicorn.log", "wb"),  # noqa: SIM115
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(bench.scratch / 'gunicorn.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not start within 60 s")

    stop_at_cleanup(bench, process)
    bench.state["web"] = (port, process)
    return port, process


def request(port: int, method: str, path: str, key: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {key}", "Host": "127.0.0.1"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def ingest_workspace(bench):
    """A workspace of `small` shape whose reference data is loaded and whose touchpoints are left to send."""
    if "ingest" in bench.state:
        return bench.state["ingest"]
    workspace, key = bench.provision("Bench Ingest", time_zone="Europe/Berlin")
    from sampledata.sinks.copy import copy_id_bases

    generator = bench.generator("small", seed=bench.seed + 1000, time_zone="Europe/Berlin")
    with bench.cursor() as cursor:
        bases = copy_id_bases(cursor)
    tables = ("campaigns", "spend", "accounts", "leads", "deals")
    bench.load(workspace, generator, tables=tables, id_bases=bases, label="ingest data")
    bench.state["ingest"] = (workspace, key, generator, bases)
    return bench.state["ingest"]


@figure(
    "ingestion: POST /api/v1/touchpoints/",
    unit="touchpoints/s",
    target="≥ 0.8× COPY",
    rule=lambda r: r.ratio is not None and r.ratio >= 0.8,
    order=20,
)
def ingestion_rate(bench) -> Result:
    from sampledata.sinks.api import ApiRenderer
    from sampledata.sinks.copy import CopyRenderer

    port, _process = start_web(bench)
    workspace, key, generator, bases = ingest_workspace(bench)
    status, _body = request(port, "POST", "/api/v1/touchpoints/", key, b"[]")
    if status == 404:
        raise Skipped("endpoint missing (POST /api/v1/touchpoints/ answered 404)")

    rows = []
    for row in generator.touchpoints():
        rows.append(row)
        if len(rows) >= (TOUCHPOINTS // 4 if bench.scale_name == "small" else TOUCHPOINTS):  # small: a smoke run
            break
    renderer = ApiRenderer(generator)
    bodies = [
        json.dumps(list(renderer.objects("touchpoints", rows[i : i + BATCH]))).encode()
        for i in range(0, len(rows), BATCH)
    ]
    bench.progress.update(f"{len(rows):,} touchpoints in {len(bodies)} requests")
    failures: list[str] = []
    pending = list(reversed(bodies))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not pending or failures:
                    return
                payload = pending.pop()
            try:
                status, answer = request(port, "POST", "/api/v1/touchpoints/", key, payload)
            except OSError as error:
                status, answer = 0, repr(error).encode()
            if status != 200:
                with lock:
                    failures.append(f"{status}: {answer[:300]!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    api_s = time.perf_counter() - started
    if failures:
        log = (bench.scratch / "gunicorn.log").read_text(errors="replace")[-1500:]
        raise RuntimeError(f"the API refused a generated batch: {failures[0]}; gunicorn log: {log}")

    # Baseline: delete what the API wrote, COPY the same rows (rendered beforehand).
    with bench.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM campaigns_touchpoint WHERE workspace_id = %s", [workspace.pk])
        written = cursor.fetchone()[0]
        cursor.execute("DELETE FROM campaigns_touchpoint WHERE workspace_id = %s", [workspace.pk])
        copy_renderer = CopyRenderer(generator, workspace.pk, bases)
        data = "".join(copy_renderer.lines("touchpoints", rows)).encode()
        started = time.perf_counter()
        with cursor.copy(copy_renderer.copy_sql("touchpoints")) as copy:
            for i in range(0, len(data), 1 << 20):
                copy.write(data[i : i + (1 << 20)])
        copy_s = time.perf_counter() - started
        cursor.execute("DELETE FROM campaigns_touchpoint WHERE workspace_id = %s", [workspace.pk])
    if written != len(rows):
        raise RuntimeError(f"sent {len(rows):,} touchpoints, {written:,} were stored")
    return Result(
        value=len(rows) / api_s,
        baseline=len(rows) / copy_s,
        baseline_label="COPY same rows",
        note=f"{len(rows):,} touchpoints in {len(bodies)} requests of {BATCH:,}: {api_s:.1f} s; COPY {copy_s:.2f} s",
    )
