"""Concurrent writers (issue 14): no deadlock, no "database is locked", never a 500.

PostgreSQL: parallel batches naming the same rows in different orders used to
deadlock (each upsert locked its rows in the order sent). SQLite, the embedded
default of `make run`: parallel upserts failed with "database is locked", one
after its transaction had committed. The SQLite test runs the real dev server
on a file database, since the suite's in-memory database does not lock the
way a file does.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

from accounts.tenancy import workspace_scope
from campaigns import services
from campaigns.models import Account, DataChange, IdempotentRequest

ROOT = Path(__file__).resolve().parents[2]

on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="lock order between parallel transactions is PostgreSQL's to show (DATABASE_URL=postgres://…)",
)


def _account(i: int, name: str = "Account") -> dict[str, Any]:
    return {"external_id": f"acc-{i:04d}", "name": f"{name} {i}", "domain": f"a{i}.example", "employees": i}


def _in_parallel(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once, one thread (and database connection) each; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except Exception as exc:  # reported as the result, so the assertion shows it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@on_postgresql
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_batches_of_the_same_ids_in_opposite_orders_do_not_deadlock(workspace, api_key, monkeypatch):
    """10 parallel POSTs of the same 200 accounts, half of them reversed; half of them with an Idempotency-Key."""
    retries = []
    pause = services._retry_pause
    monkeypatch.setattr(services, "_retry_pause", lambda attempt: retries.append(attempt) or pause(attempt))

    def request(batch: list[dict[str, Any]], key: str | None) -> Callable[[], tuple[int, Any, str | None]]:
        body = json.dumps(batch)
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}

        def call() -> tuple[int, Any, str | None]:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
            response = client.post("/api/v1/accounts/", data=body, content_type="application/json", **headers)
            return response.status_code, response.json(), key

        return call

    # First every row is new (inserts), then every row exists (updates: renamed).
    for round_, name in enumerate(["Account", "Renamed"]):
        forward = [_account(i, name) for i in range(200)]
        calls = [
            request(forward if i % 2 else forward[::-1], f"batch-{round_}-{i}" if i % 4 < 2 else None)
            for i in range(10)
        ]
        answers = _in_parallel(calls)
        assert [a if isinstance(a, Exception) else a[0] for a in answers] == [200] * 10, answers
        if round_ == 0:
            # Each counts as created what its statement's snapshot did not show (rows a concurrent batch inserted).
            assert all(body["created"] + body["updated"] == 200 for _, body, _ in answers)
            assert sum(body["created"] for _, body, _ in answers) >= 200
        else:
            assert all(body == {"created": 0, "updated": 200} for _, body, _ in answers)
        with workspace_scope(workspace):
            stored = dict(IdempotentRequest.objects.values_list("key", "response"))
        assert all(stored[key] == body for _, body, key in answers if key)  # the answer stored is the one sent

    assert retries == []  # rows locked in key order: no deadlock to retry in the first place
    with workspace_scope(workspace):
        rows = list(Account.objects.order_by("external_id").values_list("external_id", "name", "employees"))
    assert rows == [(a["external_id"], a["name"], a["employees"]) for a in forward]
    assert rows[0] == ("acc-0000", "Renamed 0", 0)


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def _database_locked() -> OperationalError:
    cause = sqlite3.OperationalError("database is locked")
    cause.sqlite_errorcode = 5  # SQLITE_BUSY
    error = OperationalError("database is locked")
    error.__cause__ = cause
    return error


@pytest.fixture
def failing_writes(monkeypatch):
    """Make the next `times` upsert statements fail as a deadlock (or as `error`) would, after writing."""

    def fail(times: int, error: Callable[[], OperationalError] = _deadlock) -> list[int]:
        write = services._write
        calls = []

        def flaky(*args, **kwargs):
            calls.append(1)
            result = write(*args, **kwargs)  # written, then undone by the rollback
            if len(calls) <= times:
                raise error()
            return result

        monkeypatch.setattr(services, "_write", flaky)
        monkeypatch.setattr(services, "_retry_pause", lambda attempt: 0)
        return calls

    return fail


APPENDED = [{"kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"}] * 3  # no external_id: a rewrite doubles


@pytest.mark.parametrize("error", [_deadlock, _database_locked], ids=["deadlock", "database-locked"])
def test_a_deadlock_is_retried_inside_the_request(refs, api_client, post, count, failing_writes, error):
    with workspace_scope(refs):
        changes_before = DataChange.objects.count()
    calls = failing_writes(2, error)
    response = post(api_client, "touchpoints", APPENDED)
    assert response.status_code == 200
    assert response.json() == {"created": 3, "updated": 0}
    assert len(calls) == 3
    assert count(refs, "touchpoints") == 3  # the failed attempts' rows were rolled back
    with workspace_scope(refs):
        assert DataChange.objects.count() == changes_before + 1


def test_an_idempotent_request_is_retried_whole_and_stored_once(refs, api_client, post, failing_writes):
    calls = failing_writes(1)
    body = APPENDED
    first = post(api_client, "touchpoints", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 3, "updated": 0}
    again = post(api_client, "touchpoints", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(calls) == 2
    with workspace_scope(refs):
        assert IdempotentRequest.objects.get().response == {"created": 3, "updated": 0}
        assert services.TOUCHPOINTS.model.objects.count() == 3


def test_a_deadlock_that_persists_is_a_409_with_retry_after(refs, api_client, post, count, failing_writes):
    failing_writes(100)
    response = post(api_client, "accounts", [_account(1)], HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409
    assert int(response["Retry-After"]) >= 1
    assert "retry" in response.json()["detail"]
    assert count(refs, "accounts") == 0
    with workspace_scope(refs):
        assert not IdempotentRequest.objects.exists()  # the key is free for the retry


def test_no_retry_starts_past_the_time_budget(refs, api_client, post, count, failing_writes, monkeypatch):
    """E.g. a SQLite write that already waited its busy timeout for the lock: refused, not made to wait again."""
    calls = failing_writes(1, _database_locked)
    monkeypatch.setattr(services, "WRITE_RETRY_WITHIN_SECONDS", 0)
    response = post(api_client, "touchpoints", APPENDED)
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert len(calls) == 1
    assert count(refs, "touchpoints") == 0


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_listener_does_not_turn_a_write_into_a_500(refs, api_client, post, count, monkeypatch):
    """The KPI recompute runs after commit (in-process with no broker): its failure must not hide the commit."""
    from kpis import tasks

    def locked(*, workspace_id: int) -> None:
        raise _database_locked()

    monkeypatch.setattr(tasks.services, "recompute_pending_changes", locked)
    response = post(api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 200
    assert response.json() == {"created": 3, "updated": 0}
    replay = post(api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY="k")
    assert replay.json() == response.json()
    assert count(refs, "touchpoints") == 3


@pytest.mark.django_db(transaction=True)
def test_a_write_that_committed_is_answered_even_if_an_after_commit_action_fails(workspace):
    """Not run again (it committed) and not an error: the committed result is the answer."""
    from django.db import transaction

    from campaigns.models import Campaign

    def work() -> str:
        Campaign.objects.create(external_id="c", name="C", channel="email")
        transaction.on_commit(lambda: (_ for _ in ()).throw(_database_locked()))
        return "written"

    with workspace_scope(workspace):
        assert services.run_in_transaction(work) == "written"
        assert Campaign.objects.count() == 1


def test_rows_are_written_in_key_order(refs, monkeypatch):
    written = []
    write = services._write

    def spy(resource, workspace, values, keys):
        written.append([services._row_key(resource, row) for row in values])
        return write(resource, workspace, values, keys)

    monkeypatch.setattr(services, "_write", spy)
    services.account_upsert_batch(workspace=refs, items=[_account(i) for i in (3, 1, 2)])
    services.spend_upsert_batch(
        workspace=refs,
        items=[{"campaign": "base-campaign", "date": day, "cost": 1} for day in ("2024-05-03", "2024-05-01")],
    )
    services.touchpoint_upsert_batch(
        workspace=refs,
        items=[
            {"kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"},
            {"external_id": "tp-b", "kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"},
            {"external_id": "tp-a", "kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"},
        ],
    )
    assert written[0] == ["acc-0001", "acc-0002", "acc-0003"]
    assert [day.isoformat() for _, day in written[1]] == ["2024-05-01", "2024-05-03"]
    assert written[2] == ["tp-a", "tp-b", None]


# The embedded default: the dev server on a SQLite file, as `make run` starts it.


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True, **kwargs
    )


@pytest.fixture
def dev_server(tmp_path):
    """`manage.py runserver` (threaded, as `make run`) on a fresh SQLite file; yields (base URL, API key, file)."""
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": "",  # tasks in-process, as in the embedded default
        "CACHE_URL": "",
        "LOG_LEVEL": "ERROR",
    }
    _manage(env, "migrate", "--noinput", timeout=300)
    provisioned = _manage(
        env, "provision", "--agency", "Acme", "--workspace", "Client", "--owner-email", "o@example.com", timeout=60
    )
    api_key = json.loads(provisioned.stdout)["api_key"]
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/v1/accounts/", timeout=5)
            except urllib.error.HTTPError:
                break  # it answers (401 without a key)
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base, api_key, database
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _post(url: str, api_key: str, body: Any, key: str | None = None) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        return error.code, dict(error.headers), text[:300]


def test_the_embedded_default_takes_twenty_parallel_upserts_of_one_id(dev_server):
    base, api_key, database = dev_server
    url = f"{base}/api/v1/accounts/"
    clients = 20

    def upsert(index: int) -> Callable[[], tuple[int, dict[str, str], Any]]:
        # Every other request with its own Idempotency-Key; each sets its own employee count.
        body = {"external_id": "same", "name": "Same", "employees": index}
        return lambda: _post(url, api_key, body, key=f"k-{index}" if index % 2 else None)

    answers = _in_parallel([upsert(i) for i in range(clients)])
    statuses = [a if isinstance(a, Exception) else a[0] for a in answers]
    assert statuses == [200] * clients, [a for a in answers if isinstance(a, Exception) or a[0] != 200][:3]
    assert sorted(body["created"] for _, _, body in answers) == [0] * (clients - 1) + [1]

    # A keyed request's retry replays exactly the answer it got.
    for index in range(1, clients, 2):
        status, headers, body = _post(
            url, api_key, {"external_id": "same", "name": "Same", "employees": index}, f"k-{index}"
        )
        assert (status, headers.get("Idempotent-Replayed"), body) == (200, "true", answers[index][2])

    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*) FROM campaigns_account").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM campaigns_idempotentrequest WHERE status_code = 200").fetchone() == (
            clients // 2,
        )
