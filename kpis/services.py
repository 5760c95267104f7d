"""Writes of the KPI engine: rebuilding the rollups from the campaigns tables.

Every rebuild replaces whole local-date ranges in one transaction, by
INSERT … SELECT with GROUP BY in the database, so running it twice (or again
after a worker died half-way) leaves identical rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS, Workspace
from accounts.tenancy import workspace_scope
from campaigns.models import (
    ENGAGEMENT_KINDS,
    DataChange,
    Deal,
    Lead,
    Touchpoint,
)
from kpis import rollups
from kpis.models import ROLLUPS, KpiState
from kpis.signals import rollups_recomputed
from kpis.statistics import ROLLUP_THRESHOLD, SOURCE_THRESHOLD, stale_tables_analyse

logger = logging.getLogger(__name__)

EPOCH = date(1970, 1, 1)
# Beyond this many half-lives from the decay reference, a partial recompute
# re-centres it with a full one (2^x overflows a double near x = 1024).
MAX_HALF_LIVES_FROM_REFERENCE = 900
LOCAL_DATE_BATCH = 5000
CHANGE_DELETE_BATCH = 500
REBUILD_WORK_MEM = "128MB"

LOCAL_DATE_COLUMNS = {
    Lead: {"created_on": "created_at", "mql_on": "mql_at", "sql_on": "sql_at", "sqo_on": "sqo_at"},
    Deal: {"created_on": "created_at", "closed_on": "closed_at", "churned_on": "churned_at"},
    Touchpoint: {"occurred_on": "occurred_at"},
}


def engagement_weights(workspace: Workspace) -> dict[str, float]:
    """The workspace's weights over the spec's defaults."""
    return {**DEFAULT_ENGAGEMENT_WEIGHTS, **(workspace.engagement_weights or {})}


def _settings_fingerprint(workspace: Workspace) -> str:
    """What the stored decayed weights depend on, besides the data."""
    payload = json.dumps(
        {"half_life": workspace.half_life_days, "weights": engagement_weights(workspace)}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _epoch_days(day: date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class RecomputeResult:
    full: bool
    ranges: tuple[tuple[date, date], ...]


def recompute_rollups(
    *, workspace_id: int, first_day: date | None = None, last_day: date | None = None
) -> RecomputeResult:
    """Rebuild the rollups of `first_day`..`last_day` (every date when either is None).

    Idempotent: the rows of the range are replaced in one transaction.
    """
    workspace = Workspace.objects.get(pk=workspace_id)
    ranges = None if first_day is None or last_day is None else [(first_day, last_day)]
    source_statistics_refresh()
    with workspace_scope(workspace), transaction.atomic():
        state = _locked_state(workspace)
        result = _rebuild(workspace, state, ranges)
    if result.full:
        rollup_statistics_refresh()
    _announce(workspace_id, result)
    return result


def _announce(workspace_id: int, result: RecomputeResult) -> None:
    """Tell the apps above (alerts, data health) which dates have fresh numbers; called after the commit."""
    rollups_recomputed.send(
        sender=RecomputeResult, workspace_id=workspace_id, ranges=None if result.full else result.ranges
    )


def rollup_statistics_refresh() -> None:
    """ANALYZE the rollup tables a full rebuild changed much, after its commit (kpis/statistics.py)."""
    stale_tables_analyse([model._meta.db_table for model in ROLLUPS], ROLLUP_THRESHOLD)


def source_statistics_refresh() -> None:
    """ANALYZE the data tables a recompute reads when a backfill changed them much since (kpis/statistics.py)."""
    stale_tables_analyse(rollups.SOURCE_TABLES, SOURCE_THRESHOLD)


def workspace_kpis_rebuild(workspace_id: int) -> None:
    """Everything from scratch: local dates if the time zone changed, then every rollup.

    Also consumes the pending DataChange rows (a full rebuild covers them).
    """
    workspace = Workspace.objects.filter(pk=workspace_id, deleting_since=None).first()  # gone or being deleted
    if workspace is None:
        return
    with workspace_scope(workspace):
        computed_in = KpiState.objects.values_list("time_zone", flat=True).first()
    # No state yet: the rows' dates may predate a time-zone change, so re-date them too.
    if computed_in != workspace.time_zone:
        workspace_local_dates_refresh(workspace, recompute=False)
    source_statistics_refresh()
    with workspace_scope(workspace), transaction.atomic():
        state = _locked_state(workspace)
        change_ids = list(DataChange.objects.values_list("id", flat=True))
        _rebuild(workspace, state, None)
        _delete_changes(change_ids)
    rollup_statistics_refresh()
    _announce(workspace_id, RecomputeResult(full=True, ranges=()))


def recompute_pending_changes(*, workspace_id: int) -> RecomputeResult | None:
    """Consume the DataChange rows present now: rebuild their dates, then delete them.

    Rows committed while this runs are not read, so not deleted: they are
    left for the next recompute (their listener queues it). Returns None when
    there was nothing to do or the workspace is gone.
    """
    workspace = Workspace.objects.filter(pk=workspace_id, deleting_since=None).first()  # gone or being deleted
    if workspace is None:
        return None
    source_statistics_refresh()
    with workspace_scope(workspace), transaction.atomic():
        state = _locked_state(workspace)
        changes = list(DataChange.objects.order_by("id").values_list("id", "first_day", "last_day"))
        if not changes:
            return None
        if any(first is None or last is None for _, first, last in changes):
            ranges = None
        else:
            ranges = _merge_ranges([(first, last) for _, first, last in changes])
        _after_changes_read(workspace_id, [change_id for change_id, _, _ in changes])
        result = _rebuild(workspace, state, ranges)
        _delete_changes([change_id for change_id, _, _ in changes])
    if result.full:
        rollup_statistics_refresh()
    _announce(workspace_id, result)
    return result


def _delete_changes(ids: list[int]) -> None:
    """Delete the DataChange rows that were read, by id: rows committed since stay for the next run."""
    for start in range(0, len(ids), CHANGE_DELETE_BATCH):
        DataChange.objects.filter(id__in=ids[start : start + CHANGE_DELETE_BATCH]).delete()


def pending_changes_exist(workspace_id: int) -> bool:
    """Whether DataChange rows wait for a recompute (False when the workspace is gone)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return False
    with workspace_scope(workspace):
        return DataChange.objects.exists()


def _after_changes_read(workspace_id: int, change_ids: list[int]) -> None:
    """A seam for tests: the moment between reading the pending changes and rebuilding."""


def workspace_local_dates_refresh(workspace: Workspace, *, recompute: bool = True) -> int:
    """Rewrite every local-date column from its timestamp in the workspace's time zone.

    Done in SQL by id batches (each its own transaction, so a big workspace
    never holds one long lock), then a full recompute. Returns rows updated.
    """
    tz = workspace.tz
    updated = 0
    with workspace_scope(workspace):
        for model, columns in LOCAL_DATE_COLUMNS.items():
            bounds = model.objects.aggregate(low=Min("id"), high=Max("id"))
            if bounds["low"] is None:
                continue
            values = {local: TruncDate(stamp, tzinfo=tz) for local, stamp in columns.items()}
            for start in range(bounds["low"], bounds["high"] + 1, LOCAL_DATE_BATCH):
                with transaction.atomic():
                    updated += model.objects.filter(id__gte=start, id__lt=start + LOCAL_DATE_BATCH).update(**values)
        with transaction.atomic():
            _locked_state(workspace)
            # A scoped UPDATE (by workspace, never setting it): Citus refuses one that writes the distribution column.
            KpiState.objects.update(time_zone=workspace.time_zone)
    if recompute:
        recompute_rollups(workspace_id=workspace.pk)
    return updated


def _locked_state(workspace: Workspace) -> KpiState:
    """The workspace's KpiState, locked until the end of the transaction (one rebuild at a time)."""
    KpiState.objects.get_or_create(workspace=workspace, defaults={"time_zone": workspace.time_zone})
    return KpiState.objects.select_for_update().get()


def _merge_ranges(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _rebuild(workspace: Workspace, state: KpiState, ranges: list[tuple[date, date]] | None) -> RecomputeResult:
    fingerprint = _settings_fingerprint(workspace)
    full = (
        ranges is None
        or state.decay_reference is None
        or state.settings_fingerprint != fingerprint
        or any(_far_from_reference(state.decay_reference, r, workspace.half_life_days) for r in ranges)
    )
    _tune_transaction()
    if full:
        state.decay_reference = _decay_reference()
        _rebuild_span(workspace, state, rollups.Span())
    else:
        for first_day, last_day in ranges:
            _rebuild_span(workspace, state, rollups.Span(first_day, last_day))
    state.settings_fingerprint = fingerprint
    state.as_of = timezone.now()
    KpiState.objects.filter(pk=state.pk).update(
        decay_reference=state.decay_reference, settings_fingerprint=fingerprint, as_of=state.as_of
    )
    return RecomputeResult(full=full, ranges=() if full else tuple(ranges))


def _tune_transaction() -> None:
    """Room for the rebuild's hash aggregates in memory, and plans that stay linear (PostgreSQL; this transaction only).

    No JIT compilation: a partial rebuild's statements read a few days through
    indexes, yet their row estimates can pass the JIT threshold, and compiling then
    costs more (~10 ms a statement) than it saves; a full rebuild took the same time
    without it (medium workspace, 2026-12-05).

    No nested loops: on guessed row counts they rescan a table, or a subquery, once
    per row, where hash joins stay linear whatever the guess. A full rebuild reads
    whole tables, and its INSERTs check for each new row that no row with its key
    is left (`Rollup.replace_differing`): with the rollup table analysed while empty
    (a workspace's first build) the planner made that check a nested loop scanning
    the table being written, whose own new rows it then visited again for every
    row: the medium workspace's page days did not finish in 300 s, and take seconds
    with a hash join. A partial rebuild reads the days just pushed, which the
    statistics never know (the rows of today came after the last ANALYZE): on the
    small workspace the planner counted one row of today where 4,000 page views
    were, and compared each visitor day with every new one (a one-day rebuild took
    7 s; 60 ms with hash joins). What a partial rebuild must read by index, row by
    row (a session's page views, a touchpoint's lead), it reads through LATERAL
    subqueries, which stay loops.

    No merge joins: a merge join may merge on some of the equalities only and test
    the rest row by row. A one-day rebuild of visitor days checks each (visitor, day)
    row against the new ones: merged on the day alone (every row has it), 15,000
    visitors made 118 million comparisons (14 s); hashed on every equality, 86 ms.
    """
    if connection.vendor == "postgresql":
        # SET LOCAL, not set_config(): on Citus it reaches the workers, where the rollups run.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute("SET LOCAL enable_nestloop = off")


def _far_from_reference(reference: float, day_range_: tuple[date, date], half_life_days: int) -> bool:
    farthest = max(abs(_epoch_days(day) - reference) for day in day_range_) + 1
    return farthest / half_life_days > MAX_HALF_LIVES_FROM_REFERENCE


def _decay_reference() -> float:
    """The middle of the engagement history, in days since 1970 (keeps 2^x finite)."""
    bounds = Touchpoint.objects.filter(kind__in=ENGAGEMENT_KINDS).aggregate(
        low=Min("occurred_on"), high=Max("occurred_on")
    )
    if bounds["low"] is None:
        return float(_epoch_days(timezone.now().date()))
    return float((_epoch_days(bounds["low"]) + _epoch_days(bounds["high"])) // 2)


def _rebuild_span(workspace: Workspace, state: KpiState, span: rollups.Span) -> None:
    """Every rollup of the span, in the order `kpis.rollups` explains."""
    session_days = rollups.build_sessions(workspace.pk, span)
    rollups.build_components(workspace.pk, span)
    if not span.everything:
        outside = sorted(day for day in session_days if not span.first <= day <= span.last)
        for first_day, last_day in _merge_ranges([(day, day) for day in outside]):
            rollups.build_components(workspace.pk, rollups.Span(first_day, last_day))
    rollups.build_page_days(workspace.pk, span, session_days)
    rollups.build_visitor_days(workspace.pk, span)
    rollups.build_account_days(
        workspace.pk, span, engagement_weights(workspace), state.decay_reference, workspace.half_life_days
    )
    if span.everything:
        rollups.build_account_facts(workspace.pk, span)
    else:
        touched_from = datetime.combine(span.first, time.min, tzinfo=workspace.tz)
        touched_until = datetime.combine(span.last + timedelta(days=1), time.min, tzinfo=workspace.tz)
        rollups.build_account_facts(workspace.pk, span, touched_from.astimezone(UTC), touched_until.astimezone(UTC))
    rollups.build_customer_days(workspace.pk, span)
