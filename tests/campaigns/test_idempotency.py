"""Idempotency-Key: replays, keys per workspace, and concurrent retries writing once."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.tenancy import workspace_scope
from campaigns.models import IdempotentRequest, Touchpoint

APPENDED = [{"kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"}] * 3  # no external_id: a rewrite doubles


def test_an_invalid_request_does_not_burn_the_key(refs, api_client, post):
    bad = post(api_client, "touchpoints", [{"kind": "nope"}], HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    assert post(api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY="k").json() == {"created": 3, "updated": 0}


def test_keys_belong_to_a_workspace(refs, other_refs, api_client, other_api_client, post):
    assert post(api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY="shared").status_code == 200
    response = post(other_api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    with workspace_scope(other_refs):
        assert Touchpoint.objects.count() == 3


def test_the_same_key_on_another_resource_is_another_request(refs, api_client, post):
    post(api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY="k")
    response = post(
        api_client, "campaigns", {"external_id": "c", "name": "C", "channel": "seo"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 422


def test_a_request_still_in_flight_is_a_409(refs, api_client, post):
    from campaigns.idempotency import request_fingerprint

    body = json.dumps(APPENDED).encode()
    with workspace_scope(refs):
        IdempotentRequest.objects.create(
            key="busy", request_hash=request_fingerprint(method="POST", path="/api/v1/touchpoints/", body=body)
        )
    response = api_client.post(
        "/api/v1/touchpoints/", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy"
    )
    assert response.status_code == 409
    assert response["Retry-After"] == "1"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "ключ"])
def test_bad_keys_are_400(key, refs, api_client, post):
    response = post(api_client, "touchpoints", APPENDED, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_write_once(workspace, api_key):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrency is PostgreSQL's to show")
    from tests.campaigns.conftest import seed_references

    seed_references(workspace)
    body = json.dumps(APPENDED * 100)
    retries = 20
    barrier = threading.Barrier(retries)
    answers = []

    def retry():
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
            barrier.wait()
            response = client.post(
                "/api/v1/touchpoints/", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
            )
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(retries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == retries
    assert {status for status, _ in answers} <= {200, 409}
    assert (200, {"created": 300, "updated": 0}) in answers
    assert all(answer == {"created": 300, "updated": 0} for status, answer in answers if status == 200)
    with workspace_scope(workspace):
        assert Touchpoint.objects.count() == 300
        assert IdempotentRequest.objects.get().status_code == 200
