"""The OpenAPI schema: valid, and the ingestion API keeps its word under schemathesis.

schemathesis generates requests from the app's own schema (/api/schema/) and
calls the WSGI app in-process: no server error may come back, and every answer
must match the schema (status code documented, body of the documented shape).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaigns.resources import RESOURCES
from config.wsgi import application
from tests.campaigns.conftest import seed_references

INGESTION = r"^/api/v1/(campaigns|spend|accounts|leads|deals|touchpoints)/"

schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(path_regex=INGESTION)
schema.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=10, deterministic=True)


def test_schema_is_valid_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/touchpoints/", "/api/v1/spend/{campaign}/{date}/", "/api/v1/deals/{external_id}/"):
        assert path in text
    assert "bearer" in text and "Idempotency-Key" in text


def test_docs_page_uses_vendored_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn." not in response.content and b"unpkg" not in response.content


@pytest.fixture
def wsgi_db(db):
    """The raw WSGI app would close the test's connection at each request: keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(workspace, wsgi_db):
    seed_references(workspace)
    return workspace


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_ingestion_api_conforms(case, seeded, api_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance],
    )


# What a client generated from the schema relies on.

BODY_METHODS = ("post", "put", "patch")


@pytest.fixture(scope="module")
def openapi():
    """The schema as /api/schema/ serves it, generated in-process."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


# Writable endpoints beside the ingestion resources, each with a POST and a PATCH.
OTHER_WRITABLE = ["annotations"]


def _body_schema(openapi, operation) -> dict:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        return openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_patch_bodies_declare_no_default_and_require_nothing(openapi):
    """A generated client sends a declared default for every field it was not given: in a PATCH
    that overwrites the stored value (a budget change resetting is_abm)."""
    patches = [(path, op) for path, method, op in _operations(openapi) if method == "patch"]
    assert len(patches) == len(RESOURCES) + len(OTHER_WRITABLE)
    for path, operation in patches:
        schema = _body_schema(openapi, operation)
        assert schema["properties"], path
        assert not schema.get("required"), (path, schema.get("required"))
        for name, prop in schema["properties"].items():
            assert "default" not in prop, (path, name, prop["default"])


def test_post_bodies_keep_their_defaults(openapi):
    """An upsert replaces the whole object: there the defaults are what a left-out field becomes."""
    campaign = openapi["components"]["schemas"]["CampaignInput"]
    assert campaign["properties"]["is_abm"]["default"] is False
    assert set(campaign["required"]) == {"external_id", "name", "channel"}


def test_request_bodies_are_required(openapi):
    bodies = [(path, method, op) for path, method, op in _operations(openapi) if method in BODY_METHODS]
    assert len(bodies) == 2 * (len(RESOURCES) + len(OTHER_WRITABLE))  # each resource's POST and PATCH
    for path, method, operation in bodies:
        assert operation["requestBody"].get("required") is True, (method, path)


def test_every_authenticated_operation_documents_401_and_429(openapi):
    secured = [(path, method, op) for path, method, op in _operations(openapi) if any(op.get("security", []))]
    assert {path for path, _method, _op in secured} >= {"/api/v1/workspace/", "/api/v1/kpis/", "/api/v1/leads/"}
    for path, method, operation in secured:
        for code in ("401", "429"):
            response = operation["responses"].get(code)
            assert response is not None, (method, path, code)
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Detail"}


def test_page_size_documents_its_bounds(openapi):
    lists = [op for path, method, op in _operations(openapi) if op["operationId"].endswith("_list")]
    assert len(lists) == len(RESOURCES) + len(OTHER_WRITABLE)
    for operation in lists:
        (page_size,) = [p for p in operation["parameters"] if p["name"] == "page_size"]
        assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}
