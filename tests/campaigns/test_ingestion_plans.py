"""The upsert's lookups probe the key index whatever the planner's statistics say (plain PostgreSQL).

A new client's backfill lands in tables analysed before its workspace had a
row: the planner then counts one row for `workspace_id = <the new one>`, and
every index starting with workspace_id looks as cheap as the key's. Its
pre-image read and its reference lookups took another index and read the
workspace's every row once per batch (more with each batch of the backfill).
Here workspace A is analysed alone, then B receives rows nobody analysed,
and the statements of B's next batch are explained as they ran.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import factory
import psycopg
import pytest
from django.db import connection, transaction

from accounts.tenancy import workspace_scope
from campaigns.models import Lead, Touchpoint
from campaigns.services import touchpoint_upsert_batch
from tests.app_role import analyse_as_owner
from tests.data_factories import LeadFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's"),
    pytest.mark.django_db,
]
TABLES = (Touchpoint._meta.db_table, Lead._meta.db_table)
KEY_INDEXES = {Touchpoint._meta.db_table: "touchpoint_key", Lead._meta.db_table: "lead_key"}


def _rows(workspace, count: int, prefix: str) -> list[Touchpoint]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with workspace_scope(workspace):
        leads = Lead.objects.bulk_create(
            LeadFactory.build_batch(count, workspace=workspace, external_id=factory.Iterator(
                [f"{prefix}-lead-{i:05d}" for i in range(count)]))
        )  # fmt: skip
        lead = leads[0]
        return Touchpoint.objects.bulk_create(
            Touchpoint(workspace=workspace, external_id=f"{prefix}-{i:05d}", kind="page_view", lead=lead,
                       occurred_at=start + timedelta(minutes=i), occurred_on=(start + timedelta(minutes=i)).date())
            for i in range(count)
        )  # fmt: skip


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.fixture
def recorded(monkeypatch) -> list[tuple[str, list]]:
    """The SELECTs of the two tables run through psycopg (the upsert binds its parameters on the server)."""
    statements: list[tuple[str, list]] = []
    execute = psycopg.Cursor.execute

    def recording(cursor, query, params=None, **kwargs):
        text = query if isinstance(query, str) else str(query)
        if text.startswith("SELECT") and any(table in text for table in TABLES):
            statements.append((text, params))
        return execute(cursor, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    return statements


def test_a_new_workspace_backfill_probes_the_key_indexes_without_statistics(workspace, other_workspace, recorded):
    if connection.citus:
        pytest.skip("Citus keeps the one-scan form: its shards are analysed apart (README, Scaling out)")
    _rows(other_workspace, 2000, "a")
    analyse_as_owner(TABLES)
    existing = _rows(workspace, 3000, "b")  # after the ANALYZE: the statistics know nothing of this workspace

    batch = [{"external_id": tp.external_id, "kind": "page_view", "occurred_at": "2026-03-05T10:00:00Z",
              "lead": f"b-lead-{i:05d}"} for i, tp in enumerate(existing[:200])]  # fmt: skip
    result = touchpoint_upsert_batch(workspace=workspace, items=batch)
    assert (result.created, result.updated) == (0, 200)

    scans = {}
    with transaction.atomic(), connection.binding_cursor() as cursor:
        for sql, params in recorded:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for node in _nodes(plan[0]["Plan"]):
                if node.get("Relation Name") in TABLES:
                    scans.setdefault(node["Relation Name"], []).append(node)
    assert set(scans) == set(TABLES)  # the pre-image read and the lead lookup were both seen
    for table, nodes in scans.items():
        for node in nodes:
            # A probe of the key index, read directly or through a bitmap of it (which the planner picks when
            # its statistics, of other tests' rows, say the workspace and key together match a few rows).
            probe = node["Plans"][0] if node["Node Type"] == "Bitmap Heap Scan" else node
            assert probe["Node Type"] in ("Index Scan", "Bitmap Index Scan"), (table, node)
            assert probe["Index Name"] == KEY_INDEXES[table], (table, node)
            assert "external_id" in probe["Index Cond"], (table, node)
