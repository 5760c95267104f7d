"""Ingestion benchmark: touchpoints per second through the HTTP batch endpoint.

Starts one gunicorn worker on the database of DATABASE_URL (PostgreSQL), posts
batches of 1,000 touchpoints (validation, reference resolution and the
DataChange signal included), then COPYs the same number of rows straight into
the table, and prints one JSON line with both rates and their ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_ingest \\
        .venv/bin/python tests/campaigns/bench_ingestion.py [--batches 40]

Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")
# Tasks are queued (as with a real broker), not run inside the web process.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.services import provision  # noqa: E402
from accounts.tenancy import workspace_scope  # noqa: E402
from campaigns import services  # noqa: E402
from campaigns.models import Touchpoint  # noqa: E402

KINDS = ["page_view", "email_open", "email_click", "form_submit", "ad_click"]


def batch(run: str, number: int, size: int) -> list[dict]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(size):
        n = number * size + i
        rows.append(
            {
                "external_id": f"{run}-{n}",
                "kind": KINDS[n % len(KINDS)],
                "occurred_at": (start + timedelta(seconds=n * 37)).isoformat(),
                "campaign": f"bench-campaign-{n % 20}",
                "lead": f"bench-lead-{n % 500}",
                "visitor_id": f"visitor-{n % 5000}",
                "session_id": f"session-{n // 7}",
                "url": f"https://example.com/page/{n % 50}",
            }
        )
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")

    call_command("migrate", verbosity=0)
    _agency, workspace, api_key = provision(
        agency_name="Bench agency", workspace_name="Bench", owner_email="bench@example.com"
    )
    services.campaign_upsert_batch(
        workspace=workspace,
        items=[{"external_id": f"bench-campaign-{i}", "name": f"C{i}", "channel": "email"} for i in range(20)],
    )
    services.lead_upsert_batch(
        workspace=workspace,
        items=[{"external_id": f"bench-lead-{i}", "created_at": "2023-12-01T00:00:00Z"} for i in range(500)],
    )
    run = uuid.uuid4().hex[:8]
    bodies = [json.dumps(batch(run, b, args.size)).encode() for b in range(args.batches + 2)]

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}

        def send(body: bytes) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/api/v1/touchpoints/", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            conn.close()
            if response.status != 200:
                raise SystemExit(f"{response.status}: {payload[:500]!r}")

        for body in bodies[:2]:  # warm-up: imports, connections, caches
            send(body)
        started = time.perf_counter()
        for body in bodies[2:]:
            send(body)
        http_seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()

    rows = args.batches * args.size
    columns = ["workspace_id", "external_id", "kind", "occurred_at", "occurred_on", "visitor_id", "session_id", "url"]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    lines = []
    for n in range(rows):
        moment = start + timedelta(seconds=n * 37)
        lines.append(
            f"{workspace.pk}\tcopy-{run}-{n}\t{KINDS[n % len(KINDS)]}\t{moment.isoformat()}\t{moment.date()}"
            f"\tvisitor-{n % 5000}\tsession-{n // 7}\thttps://example.com/page/{n % 50}\n"
        )
    data = "".join(lines).encode()
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Touchpoint._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(data)
    copy_seconds = time.perf_counter() - started
    with workspace_scope(workspace):
        total = Touchpoint.objects.count()
    print(
        json.dumps(
            {
                "touchpoints": rows,
                "batch_size": args.size,
                "http_touchpoints_per_s": round(rows / http_seconds),
                "copy_touchpoints_per_s": round(rows / copy_seconds),
                "ratio_copy_to_http": round(copy_seconds and (rows / copy_seconds) / (rows / http_seconds), 1),
                "rows_in_table": total,
            }
        )
    )


if __name__ == "__main__":
    main()
