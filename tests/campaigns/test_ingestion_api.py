"""The ingestion API (/api/schema/), for every resource."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.authentication import ApiKeyRateThrottle
from accounts.tenancy import workspace_scope
from campaigns.models import DataChange
from tests.campaigns.conftest import SAMPLES

RESOURCES = list(SAMPLES)
WITH_REFERENCES = [name for name, sample in SAMPLES.items() if sample.reference]


def _changes(workspace) -> int:
    with workspace_scope(workspace):
        return DataChange.objects.count()


@pytest.fixture(params=RESOURCES)
def sample(request, refs):
    return SAMPLES[request.param]


def test_create_one_object(sample, api_client, post, count, workspace):
    obj = sample.make(0)
    response = post(api_client, sample.resource, obj)
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 0}
    assert count(workspace, sample.resource) == 1
    shown = api_client.get(sample.path(obj)).json()
    for name in sample.key_fields:
        assert shown[name] == obj[name]


def test_second_post_updates(sample, api_client, post, count, workspace):
    obj = sample.make(0)
    post(api_client, sample.resource, [obj, sample.make(1)])
    field, value, shown = sample.change
    response = post(api_client, sample.resource, [{**obj, field: value}, sample.make(2)])
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 1}
    assert count(workspace, sample.resource) == 3
    assert api_client.get(sample.path(obj)).json()[field] == shown


def test_batch(sample, api_client, post, count, workspace):
    response = post(api_client, sample.resource, [sample.make(i) for i in range(25)])
    assert response.json() == {"created": 25, "updated": 0}
    assert count(workspace, sample.resource) == 25
    listed = api_client.get(f"/api/v1/{sample.resource}/", {"page_size": 100}).json()
    mine = [o for o in listed["results"] if not str(o.get("external_id", "")).startswith("base-")]
    assert len(mine) == 25


def test_an_invalid_object_in_a_batch_writes_nothing(sample, api_client, post, count, workspace):
    before = _changes(workspace)
    field, bad_value = sample.invalid
    bad = {**sample.make(1), field: bad_value}
    response = post(api_client, sample.resource, [sample.make(0), bad, sample.make(2)])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, field)]
    assert errors[0]["message"]
    assert count(workspace, sample.resource) == 0
    assert _changes(workspace) == before


@pytest.mark.parametrize("name", WITH_REFERENCES)
def test_unknown_reference_is_named(name, refs, api_client, post, count, workspace):
    sample = SAMPLES[name]
    field, target = sample.reference
    response = post(api_client, name, [sample.make(0), {**sample.make(1), field: "no-such-thing"}])
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (1, field, "unknown_reference")
    assert "no-such-thing" in error["message"] and target in error["message"]
    assert count(workspace, name) == 0


@pytest.mark.parametrize("name", WITH_REFERENCES)
def test_another_workspaces_object_is_an_unknown_reference(name, refs, other_refs, api_client, post, count, workspace):
    sample = SAMPLES[name]
    field, _target = sample.reference
    foreign = f"base-{_target}-other"
    response = post(api_client, name, {**sample.make(0), field: foreign})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (field, "unknown_reference")
    assert foreign in error["message"]
    assert count(workspace, name) == 0


def test_idempotent_replay(sample, api_client, post, count, workspace):
    body = [sample.make(0), sample.make(1)]
    first = post(api_client, sample.resource, body, HTTP_IDEMPOTENCY_KEY="retry-me")
    changes = _changes(workspace)
    again = post(api_client, sample.resource, body, HTTP_IDEMPOTENCY_KEY="retry-me")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() == {"created": 2, "updated": 0}
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert _changes(workspace) == changes  # nothing written the second time
    assert count(workspace, sample.resource) == 2
    # Without the key, the same body is a fresh upsert.
    assert post(api_client, sample.resource, body).json() == {"created": 0, "updated": 2}


def test_same_idempotency_key_with_another_body_is_422(sample, api_client, post, count, workspace):
    post(api_client, sample.resource, sample.make(0), HTTP_IDEMPOTENCY_KEY="k-1")
    response = post(api_client, sample.resource, sample.make(1), HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert count(workspace, sample.resource) == 1


def test_without_a_key_401(sample, api_client, post):
    post(api_client, sample.resource, sample.make(0))
    anonymous = APIClient()
    assert post(anonymous, sample.resource, sample.make(1)).status_code == 401
    for response in (
        anonymous.get(f"/api/v1/{sample.resource}/"),
        anonymous.get(sample.path(sample.make(0))),
        anonymous.patch(sample.path(sample.make(0)), {}, format="json"),
        anonymous.delete(sample.path(sample.make(0))),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer mk_nope_nope")
    assert bad.get(f"/api/v1/{sample.resource}/").status_code == 401


def test_another_workspaces_object_is_404(sample, api_client, other_api_client, post, count, workspace):
    obj = sample.make(0)
    post(api_client, sample.resource, obj)
    before = api_client.get(sample.path(obj)).json()
    field, value, _shown = sample.change
    assert other_api_client.get(sample.path(obj)).status_code == 404
    assert other_api_client.patch(sample.path(obj), {field: value}, format="json").status_code == 404
    assert other_api_client.delete(sample.path(obj)).status_code == 404
    assert other_api_client.post(sample.path(obj), {}, format="json").status_code == 404
    assert other_api_client.get(f"/api/v1/{sample.resource}/").json()["results"] == []
    # Untouched, and exactly as a missing object looks.
    assert api_client.get(sample.path(obj)).json() == before
    missing = api_client.get(sample.path(sample.make(99)))
    assert missing.status_code == 404
    assert missing.json() == other_api_client.get(sample.path(obj)).json()


def test_patch_and_delete(sample, api_client, post, count, workspace):
    obj = sample.make(0)
    post(api_client, sample.resource, obj)
    field, value, shown = sample.change
    response = api_client.patch(sample.path(obj), {field: value}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()[field] == shown
    # Fields not sent keep their values.
    untouched = next(k for k in obj if k not in (field, *sample.key_fields))
    assert response.json()[untouched] == api_client.get(sample.path(obj)).json()[untouched]
    bad_field, bad_value = sample.invalid
    response = api_client.patch(sample.path(obj), {bad_field: bad_value}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == bad_field
    before = _changes(workspace)
    assert api_client.delete(sample.path(obj)).status_code == 204
    assert _changes(workspace) == before + 1
    assert api_client.get(sample.path(obj)).status_code == 404
    assert count(workspace, sample.resource) == 0


def test_the_key_cannot_be_patched(sample, api_client, post):
    obj = sample.make(0)
    post(api_client, sample.resource, obj)
    key = sample.key_fields[-1]
    other = sample.make(1)[key]
    response = api_client.patch(sample.path(obj), {key: other}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "immutable"


def test_throttled_429(sample, api_client, post, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    statuses = [api_client.get(f"/api/v1/{sample.resource}/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = post(api_client, sample.resource, sample.make(0))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_oversized_body_413_before_reading(sample, api_client, post, count, workspace, settings):
    settings.API_MAX_BODY_BYTES = 2000
    body = [sample.make(i) for i in range(40)]
    response = post(api_client, sample.resource, body)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert count(workspace, sample.resource) == 0
    assert post(api_client, sample.resource, sample.make(0)).status_code == 200
