"""Rate limits per workspace (issue 7, item 7): headers, 429 + Retry-After, independent budgets, early refusal."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from accounts.authentication import ApiKeyRateThrottle
from accounts.services import api_key_cache_entry, api_key_create, api_key_revoke

URL = "/api/v1/campaigns/"


@pytest.fixture
def rate(monkeypatch):
    """5 requests a minute, with the clock stopped so that no test straddles two windows."""
    stopped = time.time()
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", lambda self: stopped)

    def set_rate(value: str) -> None:
        monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": value})

    set_rate("5/min")
    return set_rate


def _client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_every_answer_carries_the_budget_and_it_decreases(api_client, rate):
    before = time.time()
    responses = [api_client.get(URL) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r["X-RateLimit-Limit"] for r in responses] == ["5", "5", "5"]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["4", "3", "2"]
    reset = int(responses[0]["X-RateLimit-Reset"])
    assert before < reset <= before + 60
    # Errors of the view are answers too.
    missing = api_client.get(f"{URL}no-such-campaign/")
    assert missing.status_code == 404
    assert missing["X-RateLimit-Remaining"] == "1"


def test_over_the_limit_is_429_with_retry_after(api_client, rate):
    statuses = [api_client.get(URL).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = api_client.post(URL, {"external_id": "c1", "name": "C", "channel": "email"}, format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"
    assert response["X-RateLimit-Limit"] == "5"


def test_the_budget_starts_afresh_in_the_next_window(api_client, rate, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", lambda self: now[0])
    assert [api_client.get(URL).status_code for _ in range(6)][-1] == 429
    assert api_client.get(URL)["X-RateLimit-Reset"] == str(1_800_000_000 - 1_800_000_000 % 60 + 60)
    now[0] += 60
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "4"


def test_two_workspaces_have_independent_budgets(api_client, other_api_client, rate):
    assert [api_client.get(URL).status_code for _ in range(6)][-1] == 429
    response = other_api_client.get(URL)
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "4"


def test_the_keys_of_one_workspace_share_its_budget(workspace, api_client, rate):
    second = _client(api_key_create(workspace=workspace, name="second")[1])
    statuses = [client.get(URL).status_code for client in (api_client, second) * 3]
    assert statuses == [200] * 5 + [429]


def test_requests_without_a_key_are_not_counted(client, api_client, rate):
    assert client.get(URL).status_code == 401
    assert api_client.get(URL)["X-RateLimit-Remaining"] == "4"


def test_cache_url_selects_redis(settings):
    expected = "RedisCache" if settings.CACHE_URL.startswith("redis") else "LocMemCache"
    assert type(caches["default"]).__name__ == expected


@pytest.mark.skipif(
    not settings.CACHE_URL.startswith("redis"), reason="needs CACHE_URL=redis://… (shared budget across processes)"
)
def test_with_redis_the_budget_is_shared_by_every_web_process(workspace, api_client, rate, monkeypatch):
    """Two web processes = two cache clients with their own connections to the same Redis."""
    second = _client(api_key_create(workspace=workspace, name="second")[1])
    own_connection = RedisCache(settings.CACHE_URL, {})
    shared = ApiKeyRateThrottle.cache

    def as_process(client, cache):
        monkeypatch.setattr(ApiKeyRateThrottle, "cache", cache)
        return client.get(URL)

    answers = [as_process(client, cache) for client, cache in [(api_client, shared), (second, own_connection)] * 3]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert [r["X-RateLimit-Remaining"] for r in answers] == ["4", "3", "2", "1", "0", "0"]


# The early refusal (accounts/ratelimit.py): a request certain to be refused is answered before the
# middleware stack, exactly as the throttle would have answered and counted it.

OTHER_MIDDLEWARE_HEADERS = {"Content-Security-Policy", "X-Frame-Options"}  # added inside the stack: not early


@pytest.fixture
def shared_key_cache(settings) -> None:
    """Keys' rows kept in the cache, as with CACHE_URL set (what the early refusal reads)."""
    if not settings.CACHE_URL:
        # One test process: its local-memory cache is shared by every request, as Redis is by web processes.
        settings.CACHE_URL = "locmem://this-test-process"


@pytest.fixture
def throttle_calls(monkeypatch) -> list[str]:
    """The paths ApiKeyRateThrottle was asked about: a request it never saw was answered early."""
    calls: list[str] = []
    allow_request = ApiKeyRateThrottle.allow_request

    def spy(self, request, view) -> bool:
        calls.append(request.path)
        return allow_request(self, request, view)

    monkeypatch.setattr(ApiKeyRateThrottle, "allow_request", spy)
    return calls


def _counted(workspace) -> int:
    """The workspace's counter in the current window (the `rate` fixture stops the clock)."""
    throttle = ApiKeyRateThrottle()
    return cache.get(throttle.window(throttle.workspace_ident(workspace.pk)).counter, 0)


def _forget_key(raw_key: str) -> None:
    """Drop the key's cached row, so that its next request goes down the normal path (and caches it again)."""
    cache.delete(api_key_cache_entry(raw_key))


def _spend(client: APIClient, budget: int = 5) -> None:
    assert [client.get(URL).status_code for _ in range(budget)] == [200] * budget


def test_over_budget_is_refused_early_without_a_query(
    workspace, api_client, rate, shared_key_cache, throttle_calls, django_assert_num_queries
):
    _spend(api_client)
    assert len(throttle_calls) == 5  # within budget: the normal path, the throttle decides
    with django_assert_num_queries(0):
        response = api_client.get(URL)
    assert response.status_code == 429
    assert len(throttle_calls) == 5
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("5", "0")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert _counted(workspace) == 6


def test_the_early_answer_is_the_throttle_answer(api_key, api_client, rate, shared_key_cache, throttle_calls):
    _spend(api_client)
    _forget_key(api_key)
    by_throttle = api_client.post(URL, {"external_id": "c1"}, format="json")
    assert len(throttle_calls) == 6
    early = api_client.post(URL, {"external_id": "c1"}, format="json")
    assert len(throttle_calls) == 6
    assert early.status_code == by_throttle.status_code == 429
    assert early.content == by_throttle.content
    assert early.json()["detail"].startswith("Request was throttled.")
    expected = {name: value for name, value in by_throttle.items() if name not in OTHER_MIDDLEWARE_HEADERS}
    assert dict(early.items()) == expected
    # SecurityMiddleware runs before the early refusal: its headers are on every answer.
    assert early["X-Content-Type-Options"] == "nosniff"
    assert early["Referrer-Policy"] == "same-origin"


def test_each_request_is_counted_once_whichever_path_refuses_it(
    workspace, api_key, api_client, rate, shared_key_cache, throttle_calls
):
    second_key = api_key_create(workspace=workspace, name="second")[1]
    second = _client(second_key)
    _spend(api_client)
    for client, raw_key in [(api_client, api_key), (second, second_key)] * 3:
        _forget_key(raw_key)  # refused by the throttle
        assert client.get(URL).status_code == 429
        assert client.get(URL).status_code == 429  # refused early, once the key is known here
    assert _counted(workspace) == 5 + 12
    assert len(throttle_calls) < 5 + 12  # both paths were taken
    assert api_client.get(URL)["X-RateLimit-Remaining"] == "0"


def test_the_budget_starts_afresh_after_early_refusals(api_client, rate, shared_key_cache, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", lambda self: now[0])
    _spend(api_client)
    assert [api_client.get(URL).status_code for _ in range(3)] == [429] * 3
    now[0] += 60
    response = api_client.get(URL)
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "4"


def test_a_revoked_key_is_401_not_429(workspace, api_client, rate, shared_key_cache, throttle_calls):
    second_key, second_raw = api_key_create(workspace=workspace, name="second")
    second = _client(second_raw)
    _spend(api_client)
    assert [second.get(URL).status_code for _ in range(3)] == [429] * 3
    calls = len(throttle_calls)
    assert second.get(URL).status_code == 429
    assert len(throttle_calls) == calls  # refused early
    api_key_revoke(key=second_key)
    response = second.get(URL)
    assert response.status_code == 401
    assert api_client.get(URL).status_code == 429  # the workspace's other key is still over its budget


def test_another_workspace_is_unaffected_by_early_refusals(api_client, other_api_client, rate, shared_key_cache):
    _spend(api_client)
    assert [api_client.get(URL).status_code for _ in range(3)] == [429] * 3
    response = other_api_client.get(URL)
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "4"


def test_what_the_throttle_would_not_refuse_is_not_refused_early(
    workspace, api_key, api_client, rate, shared_key_cache
):
    _spend(api_client)
    assert api_client.get(URL).status_code == 429
    assert _counted(workspace) == 6
    assert api_client.get("/api/v1/no-such-resource/").status_code == 404  # no view: never throttled
    assert api_client.get("/api/docs/").status_code == 200  # a view without key authentication
    assert api_client.get(URL, HTTP_ACCEPT="text/html").status_code == 406  # negotiation comes first
    assert api_client.get(URL, {"api_key": api_key}).status_code == 401  # so does authentication
    assert _counted(workspace) == 6


def test_with_the_cache_down_requests_go_through(api_client, rate, shared_key_cache, monkeypatch):
    _spend(api_client)
    assert api_client.get(URL).status_code == 429

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(ApiKeyRateThrottle, "cache", Down())
    assert api_client.get(URL).status_code == 200  # as the throttle does: let through, logged
