"""Rollup plans that do not depend on the planner's statistics (PostgreSQL).

A client's backfill arrives through the API faster than autovacuum analyses
it; a rollup query whose plan is only fast with statistics (a nested loop
that scans a table once per touchpoint) then takes a minute instead of a
second. Here every source and rollup table is stripped of its statistics,
as on a database nobody analysed, and each statement of a full and of a
partial recompute is explained just before it runs.

On Citus the rows, their statistics and the plans that matter are the
shards', on the workers: the statistics are forgotten there too, and the
plans read are the workers' plans of each statement's task.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign, Touchpoint
from kpis.models import ROLLUPS, KpiState, PageDay, VisitorDay, VisitorGap, WebSession
from kpis.rollups import SOURCE_TABLES
from kpis.services import recompute_rollups
from kpis.statistics import stale_tables_analyse
from sampledata.seeding import seed_workspace
from tests.app_role import analyse_as_owner, as_admin
from tests.clock import SEEDED_NOW
from tests.data_factories import CampaignFactory, TouchpointFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's (CI's PostgreSQL run)"
)
TOUCHPOINTS = Touchpoint._meta.db_table
EXPLAINED = ("SELECT", "INSERT", "DELETE", "UPDATE", "WITH", "CREATE TEMPORARY TABLE")


FORGET = (
    "DELETE FROM pg_statistic WHERE starelid = ANY({tables});"
    " UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = ANY({tables})"
)


@pytest.fixture
def remote_execution(db):
    """On Citus, every statement of the test's transaction through a connection, none executed locally.

    The coordinator holds a copy of the reference tables; Citus explains a
    statement on it through a connection, and refuses the statement after
    that in a transaction that wrote there locally ("cannot switch local
    execution status"). Set before the test's first write.
    """
    if connection.vendor == "postgresql" and connection.citus:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL citus.enable_local_execution = off")


@pytest.fixture
def forget_statistics():
    """Makes the catalog as after a bulk load nobody analysed (needs a superuser, as CI's tests have).

    On Citus also on every shard, through connections of their own: that
    outlives the test's transaction, so the shards are analysed again after
    (from a connection outside it, which a failed test cannot have broken).
    """
    tables = [*SOURCE_TABLES, *(model._meta.db_table for model in ROLLUPS)]
    forgot_shards = False

    def forget() -> None:
        nonlocal forgot_shards
        with as_admin(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                pytest.skip("forgetting planner statistics needs a superuser")
            cursor.execute(FORGET.format(tables="%s::regclass[]"), [tables, tables])
            if connection.citus:
                forgot_shards = True
                for table in tables:
                    _on_shards(cursor, table, FORGET.format(tables="ARRAY['%1$s'::regclass]"))

    yield forget
    if forgot_shards:
        other = connection.copy()
        try:
            with as_admin(other), other.cursor() as cursor:
                for table in tables:
                    _on_shards(cursor, table, "ANALYZE %s")
        finally:
            other.close()


def _on_shards(cursor, table: str, command: str) -> list[str]:
    """`command` run on each shard of `table` (%s: the shard's name), in its own transaction on its node."""
    cursor.execute("SELECT success, result FROM run_command_on_shards(%s, %s)", [table, command])
    rows = cursor.fetchall()
    assert rows and all(success for success, _ in rows), rows
    return [result for _, result in rows]


def _nodes(plan: dict) -> Iterator[dict]:
    """The plan's nodes. On Citus also those the workers made for their tasks, which the coordinator's nodes
    carry under other keys ("Distributed Query", "Select Query", "Subplans", "Remote Plan")."""
    yield plan
    for value in plan.values():
        yield from _nested(value)


def _nested(value) -> Iterator[dict]:
    if isinstance(value, dict):
        yield from _nodes(value) if "Node Type" in value else (n for v in value.values() for n in _nested(v))
    elif isinstance(value, list):
        for item in value:
            yield from _nested(item)


# A shard is named after its table: "campaigns_touchpoint_102008".
SHARD_SUFFIX = re.compile(r"_\d+$")


def _table(node: dict) -> str:
    name = node.get("Relation Name", "")
    return SHARD_SUFFIX.sub("", name) if name and connection.citus else name


def _scans(plan: dict, node_type: str) -> set[str]:
    return {_table(node) for node in _nodes(plan) if node["Node Type"] == node_type}


SCANS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")
# An index condition on another row's column ("session_id = s.session_id"): the inner side is probed, not rescanned.
PROBE = re.compile(r"= \(*\w+\.\w+")


def _probed(inner: dict) -> bool:
    return any(PROBE.search(node.get("Index Cond", "")) for node in _nodes(inner))


# One row per workspace, whatever the data: on Citus each rollup INSERT joins the workspace's row to take
# its workspace_id from a distributed table (kpis/rollups/tables.py, Rollup._target). Rescanning it costs
# the shard's few pages of workspaces per row, not a scan that grows with the touchpoints.
PER_WORKSPACE = {KpiState._meta.db_table}


def quadratic_loops(plan: dict) -> list[str]:
    """The nested loops joining touchpoints to another table without an index probe per row: on
    guessed row counts the planner makes the inner side a scan (of a table, or of every row of the
    workspace through its workspace index) repeated for each row of the outer side."""
    found = []
    for node in _nodes(plan):
        if node["Node Type"] != "Nested Loop" or _probed(node["Plans"][1]):
            continue
        sides = [set().union(*(_scans(side, kind) for kind in SCANS)) for side in node["Plans"]]
        if any(side <= PER_WORKSPACE for side in sides):
            continue
        if any(TOUCHPOINTS in side for side in sides) and all(side - {""} for side in sides):
            found.append(f"nested loop joining {sorted(sides[0])} to {sorted(sides[1])}")
    return found


# How a condition names a subplan it runs once into a hash table: "(hashed SubPlan 2)".
HASHED = re.compile(r"hashed (SubPlan \d+)")
# An index condition probing by another row's column other than the workspace ("lead_id = l.id").
KEY_PROBE = re.compile(r"\(*(\w+)\)* = \(*\w+\.(\w+)")
READS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Index Scan")


def _probes_by_key(scan: dict) -> bool:
    return any(column != "workspace_id" for column, _ in KEY_PROBE.findall(scan.get("Index Cond", "")))


def rescanned_subplans(plan: dict) -> list[str]:
    """The subqueries run once per row that read a table or an index without probing it by a key of that
    row: each run then reads what any other run reads (the workspace's rows, or its entries of an index
    ANDed with the probe's), and the statement grows with the product of two tables. A lookup per row
    must probe every index it reads by the row's key ("lead_id = l.id"), not by its workspace alone."""
    found = []
    hashed = set(HASHED.findall(json.dumps(plan)))  # run once, into a hash table
    for node in _nodes(plan):
        if node.get("Parent Relationship") != "SubPlan" or node.get("Subplan Name") in hashed:
            continue
        for scan in _nodes(node):
            if scan["Node Type"] in READS and not _probes_by_key(scan):
                found.append(
                    f"{scan['Node Type']} of {_table(scan) or scan.get('Index Name', '')}"
                    f" ({scan.get('Index Name', '')}: {scan.get('Index Cond', '')}) once per row,"
                    f" filtered: {scan.get('Filter', '')}"
                )
    return found


# A column compared with the array a subquery returned: "((session_id)::text = ANY ($0))". PostgreSQL
# hashes a constant list it compares rows with; such an array it searches from the start, row after row.
ARRAY_TEST = re.compile(r"\(*(\w+)\)*(?:::[\w ]+)? = ANY \(\$\d+\)")


def array_filters(plan: dict) -> list[str]:
    """The reads that compare each row they find with the array of a subquery (`column = ANY(ARRAY(…))`)
    instead of finding the rows by it: every row of the index range they read (the workspace's history,
    say) against every key of the array, a cost that grows with the product of the two."""
    found = []
    for node in _nodes(plan):
        if node["Node Type"] not in SCANS:
            continue
        looked_up = set(ARRAY_TEST.findall(node.get("Index Cond", "") + node.get("Recheck Cond", "")))
        filtered = set(ARRAY_TEST.findall(node.get("Filter", ""))) - looked_up
        if filtered:
            found.append(f"{node['Node Type']} of {_table(node)} filtered by the array of {sorted(filtered)}")
    return found


class PlanRecorder:
    """An execute wrapper explaining each statement just before it runs (temporary tables then exist)."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, list[str]]] = []
        self.rescans: list[tuple[str, list[str]]] = []  # (statement, rescanned_subplans)
        self.explained = 0

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(EXPLAINED):
            raw = context["cursor"].cursor  # the driver's cursor: not wrapped again
            raw.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = raw.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            self.explained += 1
            loops = quadratic_loops(plan[0]["Plan"])
            rescans = rescanned_subplans(plan[0]["Plan"]) + array_filters(plan[0]["Plan"])
            if rescans:
                self.rescans.append((sql, rescans))
            if loops:
                self.problems.append((sql[:300], loops))

        return execute(sql, params, many, context)


def test_the_detector_sees_a_nested_loop_over_touchpoints(db):
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
    state = {"Node Type": "Seq Scan", "Relation Name": KpiState._meta.db_table}
    assert not quadratic_loops({**plan, "Plans": [plan["Plans"][0], state]})
    assert quadratic_loops({**plan, "Plans": [plan["Plans"][0], {**hashed, "Plans": [state, plan["Plans"][1]]}]})
    citus = {"Node Type": "Custom Scan", "Distributed Query": {"Job": {"Tasks": [{"Remote Plan": [[{"Plan": plan}]]}]}}}
    assert quadratic_loops(citus)


def test_the_detector_sees_a_subquery_per_row_without_a_key_probe_and_an_array_searched_per_row(db):
    by_workspace = {"Node Type": "Index Scan", "Relation Name": "campaigns_deal", "Index Cond": "(workspace_id = 1)"}
    by_key = {**by_workspace, "Index Cond": "((workspace_id = 1) AND (account_id = w.account_id))"}

    def outer(inner: dict, filter_: str = "(SubPlan 1)") -> dict:
        sub = {
            "Node Type": "Aggregate",
            "Parent Relationship": "SubPlan",
            "Subplan Name": "SubPlan 1",
            "Plans": [inner],
        }
        return {"Node Type": "Seq Scan", "Relation Name": "kpis_accountfacts", "Filter": filter_, "Plans": [sub]}

    assert rescanned_subplans(outer(by_workspace))
    assert rescanned_subplans(outer({**by_workspace, "Index Cond": "(workspace_id = w.workspace_id)"}))
    assert not rescanned_subplans(outer(by_key))
    assert not rescanned_subplans(outer(by_workspace, "(hashed SubPlan 1)"))  # run once
    searched = {**by_workspace, "Filter": "((session_id)::text = ANY ($0))"}
    assert array_filters(searched)
    assert not array_filters({**searched, "Index Cond": "((workspace_id = 1) AND ((session_id)::text = ANY ($0)))"})
    assert not array_filters({**searched, "Filter": "((kind)::text = ANY ('{page_view,email_open}'::text[]))"})


def test_recompute_plans_have_no_nested_loop_over_touchpoints_without_statistics(
    remote_execution, workspace, forget_statistics
):
    seed_workspace(workspace=workspace, scale="demo", seed=4, until=SEEDED_NOW)
    forget_statistics()
    recorder = PlanRecorder()
    last_day = SEEDED_NOW.date()
    with connection.execute_wrapper(recorder):
        recompute_rollups(workspace_id=workspace.pk)
        recompute_rollups(workspace_id=workspace.pk, first_day=last_day - timedelta(days=30), last_day=last_day)
    with workspace_scope(workspace):
        assert Touchpoint.objects.count() > 20_000  # the plans were made for a real volume
    assert recorder.explained > 40  # a full and a 31-day recompute: 43 statements on plain PostgreSQL
    assert recorder.problems == []
    # Citus routes a statement to the workspace's shard by the workspace as a constant, which each lookup
    # per row keeps (kpis.rollups.tables.same_workspace); the shards' statistics are kept apart.
    if not connection.citus:
        assert recorder.rescans == [], [(sql[:120], found) for sql, found in recorder.rescans]


WEB_ROLLUPS = tuple(model._meta.db_table for model in (VisitorDay, VisitorGap, WebSession, PageDay))


def test_a_partial_rebuild_looks_up_visitors_and_sessions_by_their_key_without_statistics(
    remote_execution, workspace, forget_statistics
):
    """Each visitor's last day before the span, read for every visitor of the span: as a subquery per
    visitor, PostgreSQL walked the (workspace, day) index through the workspace's every earlier visitor
    day until the visitor's came (for a new visitor: all of them), when the statistics did not know the
    workspace (6,000 new visitors in a day of a small workspace: 220 ms, growing with the history)."""
    seed_workspace(workspace=workspace, scale="demo", seed=4, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    forget_statistics()
    recorder = PlanRecorder()
    last_day = SEEDED_NOW.date()
    with connection.execute_wrapper(recorder):
        recompute_rollups(workspace_id=workspace.pk, first_day=last_day - timedelta(days=2), last_day=last_day)
    with workspace_scope(workspace):
        assert VisitorDay.objects.filter(day__lt=last_day - timedelta(days=2)).exists()  # days before the span
    web = [scan for _, found in recorder.rescans for scan in found if any(f" of {t} (" in scan for t in WEB_ROLLUPS)]
    assert recorder.explained > 20
    assert web == []


def test_a_partial_rebuild_of_a_workspace_the_statistics_do_not_know_probes_by_key(
    remote_execution, workspace, other_workspace, monkeypatch
):
    """A new client on a shared server: every table analysed with another workspace's rows only, then the
    new one's rows and rollups, and a rebuild of its last days. The planner counts one row for the new
    workspace as a constant, so every index starting with workspace_id costs the same as a key's: the
    sessions of the span's page views, probed by their key with the workspace as a constant, were read
    through the (workspace, day) index, the workspace's every session per probe (4.9 s for one push to a
    workspace with 6,000 sessions that day)."""
    if connection.citus:
        pytest.skip("Citus routes by the workspace as a constant; its shards are analysed apart")
    seed_workspace(workspace=other_workspace, scale="demo", seed=5, until=SEEDED_NOW)
    recompute_rollups(workspace_id=other_workspace.pk)
    tables = [*SOURCE_TABLES, *(model._meta.db_table for model in ROLLUPS)]
    analyse_as_owner(tables)
    # From now on the statistics stay as they are: the recompute's own analyse of changed tables is off.
    monkeypatch.setattr("kpis.services.stale_tables_analyse", lambda *args, **kwargs: 0)
    seed_workspace(workspace=workspace, scale="demo", seed=4, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    recorder = PlanRecorder()
    last_day = SEEDED_NOW.date()
    with connection.execute_wrapper(recorder):
        recompute_rollups(workspace_id=workspace.pk, first_day=last_day - timedelta(days=2), last_day=last_day)
    assert recorder.explained > 20
    assert recorder.problems == []
    assert recorder.rescans == [], [(sql[:120], found) for sql, found in recorder.rescans]


def _rollup_write_settings(run) -> set[tuple[str, str, str]]:
    """(jit, enable_mergejoin, enable_nestloop) as each statement writing a rollup table of `run()` found them."""
    seen: set[tuple[str, str, str]] = set()
    rollup_tables = [model._meta.db_table for model in ROLLUPS]

    def settings(execute, sql, params, many, context):
        writes = sql.lstrip().upper().startswith(("INSERT", "DELETE", "WITH", "UPDATE"))
        if writes and any(table in sql for table in rollup_tables):
            raw = context["cursor"].cursor  # the driver's cursor: not wrapped again
            raw.execute(
                "SELECT current_setting('jit'), current_setting('enable_mergejoin'), current_setting('enable_nestloop')"
            )
            seen.add(raw.fetchone())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(settings):
        run()
    return seen


def test_a_rebuild_runs_without_jit_merge_joins_or_nested_loops(remote_execution, workspace):
    """Plans that stay linear (kpis.services._tune_transaction). A workspace's first build, its rollup tables
    analysed while empty: the INSERT's check that no row with the new row's key is left became a nested loop
    scanning the table being written, its own new rows included, once per row (minutes on a medium
    workspace). A one-day rebuild of today, whose rows the statistics never know: each visitor day compared
    with every new one in a nested loop (7 s for 4,000 page views on the small workspace). A one-day
    rebuild's visitor days were merged on the day alone and compared row by row (14 s for 15,000
    visitors). JIT made no rebuild faster."""
    with workspace_scope(workspace):
        TouchpointFactory.create_batch(3, workspace=workspace, kind="page_view", session_id="s-1")
    day = SEEDED_NOW.date()
    full = _rollup_write_settings(lambda: recompute_rollups(workspace_id=workspace.pk))
    if not connection.citus:  # (Citus refuses another role's ANALYZE of shards this transaction wrote)
        with as_admin(), connection.cursor() as cursor:  # statistics as fresh as can be: loops stay off all the same
            for table in SOURCE_TABLES:
                cursor.execute(f"ANALYZE {table}")
    with connection.cursor() as cursor:
        # The test's one transaction would keep the full rebuild's SET LOCAL: back to the server's defaults.
        cursor.execute("RESET jit; RESET enable_mergejoin; RESET enable_nestloop")
    partial = _rollup_write_settings(
        lambda: recompute_rollups(workspace_id=workspace.pk, first_day=day - timedelta(days=3), last_day=day)
    )
    assert full == {("off", "off", "off")}
    assert partial == {("off", "off", "off")}


LAST_ANALYZE = (
    "SELECT COALESCE(last_analyze, last_autoanalyze), n_mod_since_analyze FROM pg_stat_user_tables"
    " WHERE relid = {table}::regclass"
)


def _last_analyze(table: str):
    """When `table` was last analysed and how many rows changed since (on Citus: the latest of its shards, and
    the sum of their changes)."""
    with connection.cursor() as cursor:
        if connection.citus:
            shard_row = LAST_ANALYZE.format(table="'%s'")
            command = f"SELECT json_build_array(a, m) FROM ({shard_row}) s(a, m)"
            shards = [json.loads(result) for result in _on_shards(cursor, table, command)]
            return max((a for a, _ in shards if a), default=None), sum(m for _, m in shards)
        cursor.execute("SELECT pg_stat_force_next_flush()")  # this backend's counters, visible to the next statement
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(LAST_ANALYZE.format(table="%s"), [table])
        return cursor.fetchone()


def _changes_counted(table: str, at_least: int):
    """`_last_analyze` once `table`'s counters show `at_least` changes. On Citus the changes were made by the
    coordinator's connections to the workers, whose backends report their counters when idle (PostgreSQL
    waits up to 10 s between two reports of a busy backend): wait for them."""
    deadline = time.monotonic() + 30
    while True:
        analysed, changed = _last_analyze(table)
        if changed >= at_least or time.monotonic() > deadline:
            return analysed, changed
        time.sleep(0.5)


@pytest.mark.django_db(transaction=True)
def test_a_recompute_first_analyses_the_data_tables_a_backfill_changed_much(workspace):
    table = Campaign._meta.db_table
    CampaignFactory.create_batch(60, workspace=workspace)
    analysed_before, changed = _changes_counted(table, 60)
    assert changed >= 60
    assert stale_tables_analyse([table], (1000, 0.1)) == 0  # below the threshold: left to autovacuum
    assert stale_tables_analyse([table], (50, 0.1)) == 1
    analysed_after, changed = _last_analyze(table)
    assert analysed_after is not None and analysed_after != analysed_before and changed == 0
    assert stale_tables_analyse([table], (50, 0.1)) == 0  # nothing changed since: nothing to do
