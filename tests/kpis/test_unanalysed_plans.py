"""Rollup plans that do not depend on the planner's statistics (PostgreSQL).

A client's backfill arrives through the API faster than autovacuum analyses
it; a rollup query whose plan is only fast with statistics (a nested loop
that scans a table once per touchpoint) then takes a minute instead of a
second. Here every source and rollup table is stripped of its statistics,
as on a database nobody analysed, and each statement of a full and of a
partial recompute is explained just before it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Touchpoint
from kpis.models import ROLLUPS
from kpis.rollups import SOURCE_TABLES
from kpis.services import recompute_rollups
from kpis.statistics import stale_tables_analyse
from sampledata.seeding import seed_workspace
from tests.clock import SEEDED_NOW
from tests.data_factories import CampaignFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's (CI's PostgreSQL run)"
)
TOUCHPOINTS = Touchpoint._meta.db_table
EXPLAINED = ("SELECT", "INSERT", "DELETE", "UPDATE", "WITH", "CREATE TEMPORARY TABLE")


def _forget_statistics() -> None:
    """The catalog as after a bulk load nobody analysed (needs a superuser, as CI's tests have)."""
    tables = [*SOURCE_TABLES, *(model._meta.db_table for model in ROLLUPS)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("forgetting planner statistics needs a superuser")
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", [tables])
        cursor.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = ANY(%s::regclass[])", [tables])


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _scans(plan: dict, node_type: str) -> set[str]:
    return {node.get("Relation Name", "") for node in _nodes(plan) if node["Node Type"] == node_type}


SCANS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")
# An index condition on another row's column ("session_id = s.session_id"): the inner side is probed, not rescanned.
PROBE = re.compile(r"= \(*\w+\.\w+")


def _probed(inner: dict) -> bool:
    return any(PROBE.search(node.get("Index Cond", "")) for node in _nodes(inner))


def quadratic_loops(plan: dict) -> list[str]:
    """The nested loops joining touchpoints to another table without an index probe per row: on
    guessed row counts the planner makes the inner side a scan (of a table, or of every row of the
    workspace through its workspace index) repeated for each row of the outer side."""
    found = []
    for node in _nodes(plan):
        if node["Node Type"] != "Nested Loop" or _probed(node["Plans"][1]):
            continue
        sides = [set().union(*(_scans(side, kind) for kind in SCANS)) for side in node["Plans"]]
        if any(TOUCHPOINTS in side for side in sides) and all(side - {""} for side in sides):
            found.append(f"nested loop joining {sorted(sides[0])} to {sorted(sides[1])}")
    return found


class PlanRecorder:
    """An execute wrapper explaining each statement just before it runs (temporary tables then exist)."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, list[str]]] = []
        self.explained = 0

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(EXPLAINED):
            raw = context["cursor"].cursor  # the driver's cursor: not wrapped again
            raw.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = raw.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            self.explained += 1
            loops = quadratic_loops(plan[0]["Plan"])
            if loops:
                self.problems.append((sql[:300], loops))

        return execute(sql, params, many, context)


def test_the_detector_sees_a_nested_loop_over_touchpoints():
    plan = {
        "Node Type": "Nested Loop",
        "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": TOUCHPOINTS},
            {"Node Type": "Index Scan", "Relation Name": "campaigns_account", "Index Cond": "(workspace_id = 1)"},
        ],
    }
    hashed = {"Node Type": "Hash Join", "Plans": plan["Plans"]}
    probe = {"Node Type": "Index Scan", "Relation Name": "campaigns_account", "Index Cond": "(id = t.account_id)"}
    probed = {**plan, "Plans": [plan["Plans"][0], probe]}
    assert quadratic_loops(plan)
    assert not quadratic_loops(hashed) and not quadratic_loops(probed)


def test_recompute_plans_have_no_nested_loop_over_touchpoints_without_statistics(workspace):
    seed_workspace(workspace=workspace, scale="demo", seed=4, until=SEEDED_NOW)
    _forget_statistics()
    recorder = PlanRecorder()
    last_day = SEEDED_NOW.date()
    with connection.execute_wrapper(recorder):
        recompute_rollups(workspace_id=workspace.pk)
        recompute_rollups(workspace_id=workspace.pk, first_day=last_day - timedelta(days=30), last_day=last_day)
    with workspace_scope(workspace):
        assert Touchpoint.objects.count() > 20_000  # the plans were made for a real volume
    assert recorder.explained > 50
    assert recorder.problems == []


def _last_analyze(table: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counters, visible to the next statement
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT COALESCE(last_analyze, last_autoanalyze), n_mod_since_analyze FROM pg_stat_user_tables"
            " WHERE relid = %s::regclass",
            [table],
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_a_recompute_first_analyses_the_data_tables_a_backfill_changed_much(workspace):
    table = Campaign._meta.db_table
    CampaignFactory.create_batch(60, workspace=workspace)
    analysed_before, changed = _last_analyze(table)
    assert changed >= 60
    assert stale_tables_analyse([table], (1000, 0.1)) == 0  # below the threshold: left to autovacuum
    assert stale_tables_analyse([table], (50, 0.1)) == 1
    analysed_after, changed = _last_analyze(table)
    assert analysed_after is not None and analysed_after != analysed_before and changed == 0
    assert stale_tables_analyse([table], (50, 0.1)) == 0  # nothing changed since: nothing to do
