"""Revocation holds from the moment api_key_revoke returns, with the key's row in a shared cache
(issue 14, item 3): a request that read the row before the revoke must not put it back afterwards."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services
from accounts.services import api_key_create, api_key_revoke, api_key_touch, api_key_verify

URL = "/api/v1/workspace/"
WAIT = 10  # seconds: only ever reached if the code under test hangs
READERS, TRIALS = 6, 20


@pytest.fixture
def shared_key_cache(settings) -> None:
    """Keys' rows kept in the cache, as with CACHE_URL set: Redis when the run has it, else this process's
    local memory, which the test's threads share as web processes share Redis."""
    if not settings.CACHE_URL:
        settings.CACHE_URL = "locmem://this-test-process"


def _in_thread(target, *args) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def _refused_over_http(raw_key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client.get(URL).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_reader_paused_between_its_read_and_its_cache_write_cannot_revive_the_key(
    workspace, shared_key_cache, monkeypatch
):
    key, raw = api_key_create(workspace=workspace, name="k")
    has_read, revoked = threading.Event(), threading.Event()
    remember = services._remember_key

    def pause_after_the_read(*args, **kwargs):
        has_read.set()
        assert revoked.wait(WAIT)
        return remember(*args, **kwargs)

    monkeypatch.setattr(services, "_remember_key", pause_after_the_read)
    seen = []
    reader = _in_thread(lambda: seen.append(api_key_verify(raw)))
    assert has_read.wait(WAIT)
    api_key_revoke(key=key)
    revoked.set()
    reader.join(WAIT)
    assert [k.pk for k in seen] == [key.pk]  # its request began before the revoke: it was valid then
    assert api_key_verify(raw) is None
    assert _refused_over_http(raw)


@pytest.mark.django_db
def test_recording_a_use_after_the_revoke_does_not_revive_the_key(workspace, shared_key_cache):
    key, raw = api_key_create(workspace=workspace, name="k")
    authenticated = api_key_verify(raw)  # a request authenticated just before the revoke…
    api_key_revoke(key=key)
    api_key_touch(key=authenticated)  # …records its use just after it
    assert api_key_verify(raw) is None
    assert _refused_over_http(raw)


@pytest.mark.django_db
def test_a_cached_key_is_refused_as_soon_as_it_is_revoked(workspace, shared_key_cache, django_assert_num_queries):
    key, raw = api_key_create(workspace=workspace, name="k")
    assert not _refused_over_http(raw)  # cached now
    api_key_revoke(key=key)
    with django_assert_num_queries(0):  # the cache itself says revoked: no database read
        assert api_key_verify(raw) is None
    assert _refused_over_http(raw)


@pytest.mark.django_db
def test_use_is_still_recorded_at_most_once_a_minute_with_the_row_cached(workspace, shared_key_cache):
    _key, raw = api_key_create(workspace=workspace, name="k")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            api_key_touch(key=api_key_verify(raw))
    assert len([q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]) == 1
    assert len(queries.captured_queries) == 2  # the first request's read of the row, and its use


@pytest.mark.django_db(transaction=True)
def test_under_concurrent_readers_no_request_after_the_revoke_is_let_in(workspace, shared_key_cache, monkeypatch):
    """Six readers authenticate in a loop (verify, then record use, as ApiKeyAuthentication does) from a
    cold cache while the key is revoked at a random moment; each reader's cache write is delayed by a
    random jitter so that writes of rows read before the revoke land after it. No read that started after
    the revoke returned may let the key in."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database locks tables under concurrent writes")
    remember = services._remember_key

    def jittered(*args, **kwargs):
        time.sleep(random.uniform(0, 0.003))
        return remember(*args, **kwargs)

    monkeypatch.setattr(services, "_remember_key", jittered)
    rng = random.Random(14)
    for trial in range(TRIALS):
        key, raw = api_key_create(workspace=workspace, name="k")
        start, stop = threading.Barrier(READERS + 1, timeout=WAIT), threading.Event()
        reads: list[tuple[float, bool]] = []

        def read_until_stopped(raw=raw, start=start, stop=stop, reads=reads) -> None:
            connection.ensure_connection()  # connected before the race starts: a slow connect would miss it
            start.wait()
            while not stop.is_set():
                started = time.monotonic()
                found = api_key_verify(raw)
                if found is not None:
                    api_key_touch(key=found)
                reads.append((started, found is not None))

        readers = [_in_thread(read_until_stopped) for _ in range(READERS)]
        start.wait()
        time.sleep(rng.uniform(0, 0.004))
        api_key_revoke(key=key)
        revoked_at = time.monotonic()
        _wait_for(lambda: sum(started > revoked_at for started, _ok in reads) >= 5 * READERS)
        stop.set()
        for reader in readers:
            reader.join(WAIT)
        after = [ok for started, ok in reads if started > revoked_at]
        assert after, "the readers did not run after the revoke"
        assert not any(after), f"trial {trial}: {sum(after)} of {len(after)} reads after the revoke let the key in"
        assert _refused_over_http(raw)
