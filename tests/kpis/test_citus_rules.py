"""The rollups' SQL keeps to what Citus can run (issue 22), checked on every database.

A recompute must not go through temporary tables (Citus cannot join one to
a distributed table), must not use a simple `CASE x WHEN` (Citus 13.2
deparses it wrongly for its workers) and must write each statement once (no
data-modifying CTE: Citus runs a statement's CTEs as separate steps; plain
PostgreSQL alone has a one-statement form, which the rule names). The
rows themselves are checked by the other tests of tests/kpis, and against a
Citus cluster by the comparison of README "Scaling out".
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection

from kpis.services import recompute_rollups
from sampledata.seeding import seed_workspace
from tests.clock import SEEDED_NOW

WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# The delete and the insert of one rollup table, in that order, the insert after the deletions.
ONE_STATEMENT_REPLACE = re.compile(
    r", d AS \(DELETE FROM (\w+) WHERE .*\), i AS \(INSERT INTO \1 \(.* WHERE \(SELECT COUNT\(\*\) FROM d\) >= 0 ",
    re.DOTALL,
)


@pytest.fixture
def statements(workspace):
    seed_workspace(workspace=workspace, scale="tiny", seed=2, until=SEEDED_NOW)
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    last_day = SEEDED_NOW.date()
    with connection.execute_wrapper(record):
        recompute_rollups(workspace_id=workspace.pk)
        recompute_rollups(workspace_id=workspace.pk, first_day=last_day - timedelta(days=2), last_day=last_day)
    return seen


def test_a_recompute_uses_no_temporary_table(statements):
    assert len(statements) > 30
    assert [sql for sql in statements if re.search(r"\bTEMP(ORARY)?\s+TABLE\b", sql, re.IGNORECASE)] == []


def test_a_recompute_uses_no_simple_case(statements):
    assert [sql for sql in statements if re.search(r"\bCASE\s+[\w.]+\s+WHEN\b", sql, re.IGNORECASE)] == []


def test_each_statement_of_a_recompute_writes_one_table_once(statements):
    several = [sql for sql in statements if len(WRITES.findall(sql)) > 1]
    if connection.vendor == "postgresql" and not getattr(connection, "citus", False):
        # Plain PostgreSQL alone replaces a rollup's rows in one statement (`Rollup.replace_differing`).
        assert any(ONE_STATEMENT_REPLACE.search(sql) for sql in several)
        several = [sql for sql in several if not ONE_STATEMENT_REPLACE.search(sql)]
    assert several == []


def test_on_citus_every_rollup_insert_runs_on_the_shard(workspace):
    """No INSERT … SELECT of a recompute goes through the coordinator (README "On Citus").

    Citus plans one that has a volatile function (nextval()), a CTE ahead
    of the INSERT or a constant workspace_id as "pull to coordinator": the
    rows come back from the worker and go out again.
    """
    if not getattr(connection, "citus", False):
        pytest.skip("a Citus coordinator only")
    seed_workspace(workspace=workspace, scale="tiny", seed=2, until=SEEDED_NOW)
    plans: dict[str, str] = {}

    def explain(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO kpis_"):
            raw = context["cursor"].cursor  # psycopg's own: not through this wrapper again
            raw.execute(f"EXPLAIN {sql}", params)
            plans[sql.split()[2]] = "\n".join(row[0] for row in raw.fetchall())
        return execute(sql, params, many, context)

    last_day = SEEDED_NOW.date()
    recompute_rollups(workspace_id=workspace.pk)
    with connection.execute_wrapper(explain):
        recompute_rollups(workspace_id=workspace.pk, first_day=last_day - timedelta(days=2), last_day=last_day)
    assert len(plans) >= 5
    assert {table: plan for table, plan in plans.items() if "INSERT/SELECT method" in plan} == {}
