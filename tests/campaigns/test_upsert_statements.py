"""The PostgreSQL upsert (issue 22, point 7): its pre-image read apart from the write, its counts from the write.

The rows a batch names are read and locked by a first statement, then
written by `INSERT … ON CONFLICT … RETURNING xmax = 0`: no CTE has to see the
rows as they were before the statement's own writes (Citus runs each CTE as
a step of its own). Counts, changed days and isolation are covered by
test_ingestion_api.py and test_changes.py; here what is particular to the two
statements: exact counts between parallel writers, and locks on the batch's
own rows only.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, SpendEntry
from tests.campaigns.test_concurrency import _in_parallel

on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="row locks and concurrent transactions are PostgreSQL's to show (DATABASE_URL=postgres://…)",
)
pytestmark = [on_postgresql, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _accounts(n: int) -> list[dict[str, Any]]:
    return [{"external_id": f"acc-{i:03d}", "name": f"Account {i}", "domain": f"a{i}.example"} for i in range(n)]


def test_parallel_batches_of_the_same_new_rows_count_each_row_created_once(workspace, api_key):
    """Six parallel POSTs of the same 50 new accounts: 50 created in all, each answer adding up to 50.

    Each row is inserted by one writer only; the others wait for its commit and update it.
    """
    body = json.dumps(_accounts(50))

    def call() -> dict[str, int]:
        response = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}").post(
            "/api/v1/accounts/", data=body, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        return response.json()

    answers = _in_parallel([call] * 6)
    assert all(isinstance(a, dict) and a["created"] + a["updated"] == 50 for a in answers), answers
    assert sum(a["created"] for a in answers) == 50


def _spend(campaign: str, day: str, cost: str) -> dict[str, Any]:
    return {"campaign": campaign, "date": day, "cost": cost, "clicks": 1}


def test_a_spend_batch_locks_only_the_rows_it_names(workspace, api_key):
    """Rows (c1, 1 May) and (c2, 2 May) are written while another transaction holds (c1, 2 May).

    Each key column narrowed on its own would also name (c1, 2 May) and (c2, 1 May):
    the batch would wait for the other transaction (here: refused after the lock timeout).
    """
    with workspace_scope(workspace):
        for name in ("c1", "c2"):
            Campaign.objects.create(external_id=name, name=name, channel="email")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    days = ["2024-05-01", "2024-05-02"]
    first = [_spend(c, d, "1.00") for c in ("c1", "c2") for d in days]
    assert client.post("/api/v1/spend/", data=json.dumps(first), content_type="application/json").json() == {
        "created": 4,
        "updated": 0,
    }
    with workspace_scope(workspace):
        held = SpendEntry.objects.get(campaign__external_id="c1", date="2024-05-02").pk
    database = settings.DATABASES["default"]
    other = psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
    )
    try:
        # By workspace too: Citus locks rows only in a statement it can send to the workspace's shard.
        other.execute(
            "SELECT id FROM campaigns_spendentry WHERE workspace_id = %s AND id = %s FOR UPDATE", [workspace.pk, held]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '500ms'")
        batch = [_spend("c1", days[0], "2.00"), _spend("c2", days[1], "3.00")]
        response = client.post("/api/v1/spend/", data=json.dumps(batch), content_type="application/json")
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 0, "updated": 2}
    with workspace_scope(workspace):
        stored = sorted(
            (c, str(d), str(cost))
            for c, d, cost in SpendEntry.objects.values_list("campaign__external_id", "date", "cost")
        )
    assert stored == [
        ("c1", "2024-05-01", "2.00"),
        ("c1", "2024-05-02", "1.00"),
        ("c2", "2024-05-01", "1.00"),
        ("c2", "2024-05-02", "3.00"),
    ]
