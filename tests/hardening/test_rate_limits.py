"""Rate limits per workspace (issue 7, item 7): headers, 429 + Retry-After, independent budgets."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from accounts.authentication import ApiKeyRateThrottle
from accounts.services import api_key_create

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
