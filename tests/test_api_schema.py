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
