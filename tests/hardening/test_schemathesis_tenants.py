"""schemathesis with two tenants: its object-level authorization check finds no failure.

The CLI runs against a live server on the test database with the API keys
of two workspaces as two peers (a Web Fuzzing Commons auth file): every
object one peer reads of its own, replayed with the other's key, must not
come back. The server-error and schema-conformance checks run beside it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from campaigns import services
from tests.campaigns.conftest import seed_references

INGESTION = r"^/api/v1/(campaigns|spend|accounts|leads|deals|touchpoints)/"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,object_level_authorization"


@pytest.mark.django_db(transaction=True)
def test_two_workspaces_keys_never_reach_each_others_objects(
    live_server, workspace, other_workspace, api_key, other_api_key, tmp_path
):
    for ws, suffix in ((workspace, ""), (other_workspace, "-other")):
        seed_references(ws, suffix=suffix)
        services.deal_upsert_batch(workspace=ws, items=[{"external_id": f"deal{suffix}", "account": f"base-account{suffix}",
                                                          "amount": "10", "created_at": "2024-05-01T00:00:00Z"}])  # fmt: skip
        services.touchpoint_upsert_batch(workspace=ws, items=[{"external_id": f"tp{suffix}", "kind": "meeting",
                                                               "occurred_at": "2024-05-02T00:00:00Z"}])  # fmt: skip
        services.spend_upsert_batch(workspace=ws, items=[{"campaign": f"base-campaign{suffix}", "date": "2024-05-03",
                                                          "cost": "12.50"}])  # fmt: skip
    auth = tmp_path / "wfc.json"
    auth.write_text(
        json.dumps(
            {
                "auth": [
                    {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {key}"}]}
                    for name, key in (("tenant-a", api_key), ("tenant-b", other_api_key))
                ]
            }
        )
    )
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[auth.wfc]\npath = "{auth}"\npeers = ["tenant-a", "tenant-b"]\n')
    schemathesis = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [
            str(schemathesis), "--config-file", str(config), "run", f"{live_server.url}/api/schema/",
            "--url", live_server.url, "--include-path-regex", INGESTION, "--checks", CHECKS,
            "--mode", "positive", "--max-examples", "15", "--generation-deterministic", "--no-color",
            "--report", "json", "--report-json-path", str(tmp_path / "report.json"),
        ],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    # The check had owners' reads of their own objects to replay as the other tenant.
    report = json.loads((tmp_path / "report.json").read_text())
    reached = {
        operation
        for operation, phases in report["valid_rates"].items()
        if operation.startswith("GET") and "{" in operation and any(p["accepted"] for p in phases.values())
    }
    assert len(reached) >= 3, (reached, output[-3000:])
