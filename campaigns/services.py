"""Writes of marketing data: batch upserts, updates and deletes, each one transaction.

Every write records the local dates it touched (campaigns.changes.record_change)
in the same transaction, for the KPI engine. A batch is validated as a whole
before anything is written: every problem of every row is reported, and either
every row is written or none.

Upserts replace the whole object: an optional field left out of a POST is reset
to its default (null, empty, 0 or false). PATCH changes only the fields sent.

Concurrent writers: a batch's rows are written in key order, so two batches
naming the same rows lock them in the same order and cannot deadlock. A
transaction undone anyway by the database (a deadlock or serialization failure
on PostgreSQL, a busy database on SQLite) is run again whole, a few times,
before the write is refused with `WriteConflict` (409 with Retry-After).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns import intake, selectors, validation
from campaigns.changes import record_change
from campaigns.models import (
    Account,
    Campaign,
    Deal,
    EmailStat,
    Lead,
    SeoStat,
    SocialStat,
    SpendEntry,
    Touchpoint,
    WebStat,
)
from campaigns.validation import RowError, RowSpec


class BatchInvalid(Exception):
    """The request is refused as a whole; `errors` says why, per index and field."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


logger = logging.getLogger(__name__)

T = TypeVar("T")

# A transaction the database undid for a concurrent one is run this many times in all, then refused;
# no new attempt starts this many seconds after the first one did (e.g. after a long wait for SQLite's lock).
WRITE_ATTEMPTS = 4
WRITE_RETRY_WITHIN_SECONDS = 5
# What a refused write's 409 tells the client to wait (the Retry-After header), in seconds.
RETRY_AFTER_SECONDS = 1
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
# SQLite: SQLITE_BUSY, SQLITE_LOCKED (primary codes; the extended ones keep them in the low byte).
_TRANSIENT_SQLITE_CODES = frozenset({5, 6})


class WriteConflict(Exception):
    """A concurrent change got in the way (e.g. a referenced object deleted meanwhile); retrying is safe."""

    retry_after = RETRY_AFTER_SECONDS


class DeleteRefused(Exception):
    """The object is still needed by others (e.g. an account that has deals)."""


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated}


def is_transient(exc: BaseException) -> bool:
    """Whether the database undid the transaction for a concurrent one, so running it again may succeed."""
    cause = exc.__cause__ if isinstance(exc, DatabaseError) else None  # Django's error wraps the driver's
    if cause is None:
        return False
    if getattr(cause, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    code = getattr(cause, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _TRANSIENT_SQLITE_CODES


def _retry_pause(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: growing, with jitter so the losers do not meet again."""
    return 0.05 * 2**attempt * random.uniform(0.5, 1.5)


def _owns_transaction() -> bool:
    """Whether an atomic block opened now starts the transaction (a test case's own blocks aside)."""
    return all(block._from_testcase for block in connection.atomic_blocks)


def run_in_transaction(work: Callable[[], T]) -> T:
    """`work()` in one transaction, run again whole when the database undoes it for a concurrent one.

    Inside a transaction someone else began, `work` runs once in a savepoint:
    only the transaction's owner can run it again. After WRITE_ATTEMPTS, or
    WRITE_RETRY_WITHIN_SECONDS, the write is refused with WriteConflict
    (nothing written). Once the transaction has committed,
    its result is returned even if an after-commit action fails (logged): the
    client must get the answer of what was written, never an error.
    """
    if not _owns_transaction():
        with transaction.atomic():
            return work()
    started = time.monotonic()
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        committed: list[bool] = []
        try:
            with transaction.atomic():
                transaction.on_commit(lambda committed=committed: committed.append(True))
                result = work()
        except Exception as exc:
            if committed:
                logger.exception("An action after commit failed; the write itself is committed")
                return result
            if not is_transient(exc):
                raise
            pause = _retry_pause(attempt)
            if attempt == WRITE_ATTEMPTS or time.monotonic() + pause - started > WRITE_RETRY_WITHIN_SECONDS:
                logger.warning("A write was undone %d time(s) by concurrent ones; refused", attempt)
                raise WriteConflict(str(exc)) from exc
            time.sleep(pause)
        else:
            return result
    raise AssertionError("unreachable")


AllDays = Callable[[Mapping[str, Any] | None, Mapping[str, Any]], bool]


def _never(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    return False


@dataclass(frozen=True)
class Resource:
    """How one resource is written: its row spec, model, key and the dates it touches."""

    name: str
    spec: RowSpec
    model: type[models.Model]
    # Model fields (attnames) identifying a row inside its workspace.
    key: tuple[str, ...]
    # Key fields for which None is a value of its own (a web stat without campaign), not a missing key.
    optional_key: tuple[str, ...] = ()
    # Timestamp field → its local-date column.
    local_dates: dict[str, str] = field(default_factory=dict)
    # Date columns whose values (old and new) are the days a write affects.
    day_columns: tuple[str, ...] = ()
    # Columns read from the existing rows to decide `affects_all_days`.
    watched: tuple[str, ...] = ()
    # Whether a write changes KPIs on every date (e.g. a campaign moved to another channel).
    affects_all_days: AllDays = _never
    # Days of other rows a write changes the KPIs of, from the new and old rows (e.g. a deal's lead).
    related_days: Callable[[list[Mapping[str, Any]]], set[date]] | None = None
    # Fills what a row leaves empty from other rows, once its references are ids (a deal's campaign).
    complete: Callable[[list[dict[str, Any]]], None] | None = None
    # Model columns no row spec names, written only when the caller gives them (null otherwise).
    extra_columns: tuple[str, ...] = ()

    @property
    def key_fields(self) -> tuple[str, ...]:
        names = {f.attname: f.name for f in self.model._meta.concrete_fields}
        return tuple(names[k] for k in self.key)

    def is_keyed(self, key: Any) -> bool:
        """Whether a row's key names one row (rows without one, touchpoints without external_id, are appended)."""
        if key is None:
            return False
        if not isinstance(key, tuple):
            return True
        return all(value is not None or name in self.optional_key for name, value in zip(self.key, key, strict=True))

    def update_fields(self) -> list[str]:
        fixed = {"id", "workspace", *self.key_fields}
        return [
            f.name
            for f in self.model._meta.concrete_fields
            if f.name not in fixed and not getattr(f, "auto_now_add", False)
        ]


CAMPAIGNS = Resource(
    "campaigns",
    validation.CAMPAIGN,
    Campaign,
    key=("external_id",),
    watched=("channel",),
    # Narrowing by channel follows the campaign: every date of its data moves.
    affects_all_days=lambda old, new: old is not None and old["channel"] != new["channel"],
)
SPEND = Resource("spend", validation.SPEND, SpendEntry, key=("campaign_id", "date"), day_columns=("date",))
ACCOUNTS = Resource(
    "accounts",
    validation.ACCOUNT,
    Account,
    key=("external_id",),
    watched=("is_target",),
    # The ABM KPIs are workspace-wide and depend on the target list at every date.
    # (A new account has no touchpoints yet: nothing to recompute for it.)
    affects_all_days=lambda old, new: old is not None and old["is_target"] != new["is_target"],
)
LEADS = Resource(
    "leads",
    validation.LEAD,
    Lead,
    key=("external_id",),
    local_dates={"created_at": "created_on", "mql_at": "mql_on", "sql_at": "sql_on", "sqo_at": "sqo_on"},
    day_columns=("created_on", "mql_on", "sql_on", "sqo_on"),
    watched=("account_id",),
    # A touchpoint's account falls back to its lead's: moving a lead moves its touchpoints.
    affects_all_days=lambda old, new: old is not None and old["account_id"] != new["account_id"],
)


def _lead_created_days(rows: list[Mapping[str, Any]]) -> set[date]:
    """A won deal converts its lead: the lead's creation day counts it (lead_to_customer_rate)."""
    lead_ids = {row["lead_id"] for row in rows} - {None}
    if not lead_ids:
        return set()
    return set(Lead.objects.filter(id__in=lead_ids).values_list("created_on", flat=True))


def _inherit_lead_campaign(rows: list[dict[str, Any]]) -> None:
    """A deal without a source campaign takes its lead's (docs/kpis.md, "Deal"): one query per batch.

    At write time, for the API and the CSV import alike; a lead's campaign changed later does not move the deal.
    """
    orphans = [row for row in rows if row["source_campaign_id"] is None and row["lead_id"] is not None]
    if not orphans:
        return
    campaigns = dict(
        Lead.objects.filter(id__in={row["lead_id"] for row in orphans}, source_campaign__isnull=False).values_list(
            "id", "source_campaign_id"
        )
    )
    for row in orphans:
        row["source_campaign_id"] = campaigns.get(row["lead_id"])


DEALS = Resource(
    "deals",
    validation.DEAL,
    Deal,
    key=("external_id",),
    local_dates={"created_at": "created_on", "closed_at": "closed_on", "churned_at": "churned_on"},
    day_columns=("created_on", "closed_on", "churned_on"),
    watched=("lead_id",),
    related_days=_lead_created_days,
    complete=_inherit_lead_campaign,
)
TOUCHPOINTS = Resource(
    "touchpoints",
    validation.TOUCHPOINT,
    Touchpoint,
    key=("external_id",),
    local_dates={"occurred_at": "occurred_on"},
    day_columns=("occurred_on",),
    extra_columns=("import_fingerprint",),
)
# The daily aggregate stats, keyed like spend; a write changes the KPIs of its dates (old and new).
EMAIL_STATS = Resource(
    "email-stats", validation.EMAIL_STAT, EmailStat, key=("campaign_id", "date"), day_columns=("date",)
)
WEB_STATS = Resource(
    "web-stats",
    validation.WEB_STAT,
    WebStat,
    key=("campaign_id", "date"),
    optional_key=("campaign_id",),
    day_columns=("date",),
)
SOCIAL_STATS = Resource(
    "social-stats", validation.SOCIAL_STAT, SocialStat, key=("campaign_id", "date"), day_columns=("date",)
)
SEO_STATS = Resource("seo-stats", validation.SEO_STAT, SeoStat, key=("date",), day_columns=("date",))


def _resolve_references(resource: Resource, rows: list[dict[str, Any]], errors: list[RowError]) -> list[dict[str, Any]]:
    """Model field values of each row: references turned into ids, one query per referenced table."""
    ids: dict[str, dict[str, int]] = {}
    for target in {spec.ref for spec in resource.spec.refs}:
        wanted = {row[spec.name] for spec in resource.spec.refs if spec.ref == target for row in rows} - {None}
        ids[target] = selectors.reference_ids(ref=target, external_ids=wanted) if wanted else {}
    refs = [(spec.name, spec.ref, ids[spec.ref]) for spec in resource.spec.refs]
    values = []
    for index, row in enumerate(rows):
        kwargs = dict(row)
        for name, target, found in refs:
            external_id = kwargs.pop(name)
            if external_id is None:
                kwargs[f"{name}_id"] = None
                continue
            pk = found.get(external_id)
            if pk is None:
                errors.append(
                    RowError(
                        index,
                        name,
                        f"Unknown {target} {external_id!r}: no {target} with this external_id in this workspace.",
                        "unknown_reference",
                    )
                )
            kwargs[f"{name}_id"] = pk
        values.append(kwargs)
    return values


def _row_key(resource: Resource, values: Mapping[str, Any]) -> Any:
    if len(resource.key) == 1:
        return values[resource.key[0]]
    return tuple(values[k] for k in resource.key)


def _existing(resource: Resource, keys: set[Any]) -> dict[Any, dict[str, Any]]:
    """The current key, day and watched columns of the rows these keys already name."""
    if not keys:
        return {}
    columns = (*resource.key, *resource.day_columns, *resource.watched)
    if len(resource.key) == 1:
        queryset = resource.model.objects.filter(**{f"{resource.key[0]}__in": keys})
    else:
        # A superset (each key column IN its values), narrowed to exact pairs below.
        queryset = resource.model.objects.filter(
            **{f"{k}__in": {key[i] for key in keys} for i, k in enumerate(resource.key)}
        )
    return _rows_by_key(resource, keys, columns, queryset.values_list(*columns))


def _rows_by_key(resource: Resource, keys: set, columns: Sequence[str], records) -> dict:
    """The records (tuples of `columns`) whose key is one of `keys`, as dicts by key: a superset narrowed."""
    found = {}
    for record in records:
        current = dict(zip(columns, record, strict=True))
        key = _row_key(resource, current)
        if key in keys:
            found[key] = current
    return found


def _upsert(
    resource: Resource,
    workspace: Workspace,
    items: Sequence[Any],
    extras: Sequence[Mapping[str, Any]] | None = None,
    source: intake.Source | None = None,
) -> UpsertResult:
    if len(items) > validation.MAX_BATCH:
        raise BatchInvalid(
            [
                RowError(
                    None,
                    None,
                    f"At most {validation.MAX_BATCH:,} objects per request; this one has {len(items):,}.",
                    "too_many",
                )
            ]
        )
    rows, parse_errors = resource.spec.parse_rows(list(items))
    tz = workspace.tz

    def write() -> UpsertResult:
        errors = list(parse_errors)  # each attempt adds its own reference errors
        values = _resolve_references(resource, rows, errors)
        if resource.complete is not None and not errors:
            resource.complete(values)
        keyed: dict[Any, int] = {}
        for index, row in enumerate(values):
            for name in resource.extra_columns:
                row[name] = extras[index].get(name) if extras is not None else None
            for timestamp_field, day_column in resource.local_dates.items():
                moment = row[timestamp_field]
                row[day_column] = None if moment is None else moment.astimezone(tz).date()
            key = _row_key(resource, row)
            if not resource.is_keyed(key):
                continue
            first = keyed.setdefault(key, index)
            if first != index:
                errors.append(
                    RowError(
                        index,
                        resource.spec.fields[0].name,
                        f"The same object as at index {first}: send each object once per request.",
                        "duplicate",
                    )
                )
        if errors:
            errors.sort(key=lambda e: -1 if e.index is None else e.index)
            raise BatchInvalid(errors)
        existing, updated = _write(resource, workspace, sorted(values, key=_write_order(resource)), set(keyed))
        record_change(workspace=workspace, days=_affected_days(resource, values, existing))
        if source is not None:  # data health's daily count: one statement for the batch
            intake.record(workspace=workspace, source=source, resource=resource.name, received=len(values))
        return UpsertResult(created=len(values) - updated, updated=updated)

    with workspace_scope(workspace):
        try:
            return run_in_transaction(write)
        except IntegrityError as exc:
            raise WriteConflict(str(exc)) from exc


def _write_order(resource: Resource) -> Callable[[Mapping[str, Any]], tuple]:
    """Sort key of rows: by their key, rows without one (appended, never conflicting) last in the order sent.

    Every writer locking rows in the same order is what keeps two batches
    naming the same rows from waiting for each other (a deadlock).
    """

    def order(row: Mapping[str, Any]) -> tuple:
        key = _row_key(resource, row)
        if not resource.is_keyed(key):
            return (1,)
        if isinstance(key, tuple):  # an optional key's None first, comparable with the values
            return (
                0,
                tuple(
                    (value is not None, value or 0) if name in resource.optional_key else value
                    for name, value in zip(resource.key, key, strict=True)
                ),
            )
        return (0, key)

    return order


def _affected_days(
    resource: Resource, values: list[dict[str, Any]], existing: dict[Any, dict[str, Any]]
) -> set[date | None]:
    days: set[date | None] = set()
    columns = resource.day_columns
    for row in values:
        old = existing.get(_row_key(resource, row))
        if resource.affects_all_days(old, row):
            return {None}
        days.update(row[c] for c in columns)
        if old is not None:
            days.update(old[c] for c in columns)
    if resource.related_days is not None:
        days.update(resource.related_days([*values, *existing.values()]))
    days.discard(None)
    return days


def _write(
    resource: Resource, workspace: Workspace, values: list[dict[str, Any]], keys: set[Any]
) -> tuple[dict[Any, dict[str, Any]], int]:
    """Upsert the rows; returns what `_existing` would have said before the write, and how many were updated."""
    existing: dict[Any, dict[str, Any]] = {}
    if resource.optional_key:
        # A key with a None (no campaign) matches no ON CONFLICT target: those rows are written apart.
        partial = [row for row in values if None in _key_values(resource, row)]
        if partial:
            existing.update(_write_optional_keys(resource, workspace, partial))
            values = [row for row in values if None not in _key_values(resource, row)]
            keys = {key for key in keys if None not in key}
        if not values:
            return existing, len(existing)
    if connection.vendor == "postgresql":
        found, updated = _write_postgresql(resource, workspace, values)
        return {**existing, **found}, len(existing) + updated
    existing.update(_existing(resource, keys))
    model = resource.model
    objects = [model(workspace=workspace, **row) for row in values]
    with_key = [obj for obj, row in zip(objects, values, strict=True) if _row_key(resource, row) is not None]
    without_key = [obj for obj, row in zip(objects, values, strict=True) if _row_key(resource, row) is None]
    if with_key:
        model.objects.bulk_create(
            with_key,
            update_conflicts=True,
            unique_fields=["workspace", *resource.key_fields],
            update_fields=resource.update_fields(),
        )
    if without_key:
        model.objects.bulk_create(without_key)
    return existing, len(existing)


def _key_values(resource: Resource, row: Mapping[str, Any]) -> tuple:
    return tuple(row[k] for k in resource.key)


def _write_optional_keys(
    resource: Resource, workspace: Workspace, values: list[dict[str, Any]]
) -> dict[Any, dict[str, Any]]:
    """Upsert rows whose key has a None (a web stat without campaign): updated in place or inserted.

    Two writers inserting the same such row at once: the partial unique constraint
    refuses the second (IntegrityError, a WriteConflict the client may retry).
    """
    model = resource.model
    lookup = models.Q()
    for name in resource.key:
        wanted = {row[name] for row in values}
        lookup &= models.Q(**{f"{name}__isnull": True}) if wanted == {None} else models.Q(**{f"{name}__in": wanted})
    queryset = model.objects.filter(lookup)
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update()
    current = {_row_key(resource, {k: getattr(obj, k) for k in resource.key}): obj for obj in queryset}
    columns = (*resource.key, *resource.day_columns, *resource.watched)
    existing = {}
    fresh, changed = [], []
    now = timezone.now()
    for row in values:
        key = _row_key(resource, row)
        obj = current.get(key)
        if obj is None:
            fresh.append(model(workspace=workspace, **row))
            continue
        existing[key] = {name: getattr(obj, name) for name in columns}
        for name, value in row.items():
            setattr(obj, name, value)
        obj.updated_at = now
        changed.append(obj)
    if changed:
        model.objects.bulk_update(changed, resource.update_fields())
    if fresh:
        model.objects.bulk_create(fresh)
    return existing


def _lock_existing(resource: Resource, workspace: Workspace, values: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """The current key, day and watched columns of the rows the batch names, locked until commit.

    Its own statement, before the upsert: a CTE of the upsert would have to see
    the rows as they were before the statement's writes, which Citus does not
    promise (it runs each CTE as a step of its own). The lock keeps them so
    until the upsert; rows are locked in key order, as the upsert takes them
    (see _write_order). Plain PostgreSQL probes the key's unique index per key
    (`_lock_by_key_probes`). On Citus, whose shards keep statistics of their
    own, one statement on the workspace's shard: each key column narrowed to
    the batch's values (a planner misled by stale statistics would otherwise
    hash the whole table), then a key of several columns matched exactly, so
    no row outside the batch is locked.
    """
    if not connection.citus:
        return _lock_by_key_probes(resource, workspace, values)
    model = resource.model
    qn = connection.ops.quote_name
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    types = [model._meta.get_field(name).db_type(connection) for name in resource.key]
    key_values = [sorted({row[name] for row in values} - {None}) for name in resource.key]
    if not all(key_values):  # only rows without a key (appended): none exists yet
        return {}
    read = (*resource.key, *resource.day_columns, *resource.watched)
    key_columns = [qn(column_of[name]) for name in resource.key]
    where = [f"{c} = ANY(%b::{t}[])" for c, t in zip(key_columns, types, strict=True)]
    params: list[Any] = [workspace.pk, *key_values]
    if len(resource.key) > 1:
        pairs = [row for row in values if None not in _key_values(resource, row)]
        casts = ", ".join(f"%b::{t}[]" for t in types)
        where.append(f"({', '.join(key_columns)}) IN (SELECT * FROM unnest({casts}))")  # noqa: S608
        params += [[row[name] for row in pairs] for name in resource.key]
    sql = (
        f"SELECT {', '.join(qn(column_of[name]) for name in read)} FROM {qn(model._meta.db_table)} "  # noqa: S608
        f"WHERE workspace_id = %b AND {' AND '.join(where)} ORDER BY {', '.join(key_columns)} FOR UPDATE"
    )
    keys = {_row_key(resource, row) for row in values}
    with connection.binding_cursor() as cursor:
        cursor.execute(sql, params)
        return _rows_by_key(resource, keys, read, cursor.fetchall())


def _lock_by_key_probes(
    resource: Resource, workspace: Workspace, values: list[dict[str, Any]]
) -> dict[Any, dict[str, Any]]:
    """Plain PostgreSQL's `_lock_existing`: one probe of the key's unique index per key, in the batch's order
    (key order, see _write_order), whatever the statistics say (`selectors.key_probes_sql`)."""
    keys = list(dict.fromkeys(k for row in values if None not in (k := _key_values(resource, row))))
    if not keys:  # only rows without a key (appended): none exists yet
        return {}
    model = resource.model
    qn = connection.ops.quote_name
    column_of = {f.attname: qn(f.column) for f in model._meta.concrete_fields}
    key = [(column_of[name], model._meta.get_field(name).db_type(connection)) for name in resource.key]
    read = (*resource.key, *resource.day_columns, *resource.watched)
    sql = selectors.key_probes_sql(qn(model._meta.db_table), key, [column_of[name] for name in read], lock=True)
    params = [[workspace.pk] * len(keys), *([k[i] for k in keys] for i in range(len(resource.key)))]
    with connection.binding_cursor() as cursor:
        cursor.execute(sql, params)
        return _rows_by_key(resource, {_row_key(resource, row) for row in values}, read, cursor.fetchall())


def _unnest_rows(
    workspace: Workspace, fields: list[models.Field], values: list[dict[str, Any]]
) -> tuple[str, list[Any], str, list[list[Any]]]:
    """The select list and its parameters, the FROM (unnest) and its arrays, giving `values` as rows.

    A column whose value is the same on every row (the workspace, the
    timestamps, a reference no row gives) is bound once: each array costs
    psycopg a few milliseconds per 1,000 values to encode.
    """
    now = timezone.now()
    select, scalars, casts, arrays = [], [], [], []
    for f in fields:
        db_type = f.db_type(connection)
        if f.attname == "workspace_id":
            column, same = None, workspace.pk
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            column, same = None, now
        else:
            column = [row[f.attname] for row in values]
            same = None
        if column is None or all(value is None for value in column):
            select.append(f"%b::{db_type}")
            scalars.append(same)
        else:
            select.append(f"i.c{len(arrays)}")
            casts.append(f"%b::{db_type}[]")
            arrays.append(column)
    if not arrays:  # unnest needs one array, whose length is the number of rows
        casts.append("%b::int[]")
        arrays.append([0] * len(values))
    names = ", ".join(f"c{n}" for n in range(len(arrays)))
    return ", ".join(select), scalars, f"unnest({', '.join(casts)}) AS i ({names})", arrays


def _write_postgresql(
    resource: Resource, workspace: Workspace, values: list[dict[str, Any]]
) -> tuple[dict[Any, dict[str, Any]], int]:
    """Two statements: the rows the keys already name, locked (their pre-image), then the upsert.

    The upsert binds the rows as arrays, one per column (unnest): about three
    times faster for 1,000 rows than bulk_create. A NULL key (a touchpoint
    without external_id) never conflicts, so it is simply inserted. Rows are
    inserted, so locked, in the order of `values` (key order, see _write_order).
    Each row returned says whether it was inserted (`xmax = 0`: no earlier
    version of the row), which counts created and updated. A row updated that
    the first statement did not find was inserted by a concurrent writer in
    between: that writer marked its days changed, so its pre-image is not needed.
    """
    existing = _lock_existing(resource, workspace, values)
    model = resource.model
    qn = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(qn(f.column) for f in fields)
    select, scalars, source, arrays = _unnest_rows(workspace, fields, values)
    key_columns = [model._meta.get_field(name).column for name in ("workspace", *resource.key_fields)]
    update_names = set(resource.update_fields())
    updates = ", ".join(f"{qn(f.column)} = EXCLUDED.{qn(f.column)}" for f in fields if f.name in update_names)
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {select} FROM {source} "  # noqa: S608
        f"ON CONFLICT ({', '.join(qn(c) for c in key_columns)}) DO UPDATE SET {updates} "
        "RETURNING xmax = 0"
    )
    with connection.binding_cursor() as cursor:
        cursor.execute(sql, [*scalars, *arrays])
        updated = sum(1 for (inserted,) in cursor.fetchall() if not inserted)
    return existing, updated


# The public writes: any resource's, and one per resource.


def resource_upsert_batch(
    *,
    resource: Resource,
    workspace: Workspace,
    items: Sequence[Any],
    extras: Sequence[Mapping[str, Any]] | None = None,
    source: intake.Source | None = None,
) -> UpsertResult:
    """Create or update a batch of `resource`'s objects (an object or up to MAX_BATCH), all or nothing.

    `extras`, one mapping per item, gives the resource's `extra_columns` (the CSV import's fingerprints).
    `source`, when given, is counted in the day's intake (data health).
    """
    return _upsert(resource, workspace, items, extras, source)


def campaign_upsert_batch(*, workspace: Workspace, items: Sequence[Any]) -> UpsertResult:
    return _upsert(CAMPAIGNS, workspace, items)


def spend_upsert_batch(*, workspace: Workspace, items: Sequence[Any]) -> UpsertResult:
    return _upsert(SPEND, workspace, items)


def account_upsert_batch(*, workspace: Workspace, items: Sequence[Any]) -> UpsertResult:
    return _upsert(ACCOUNTS, workspace, items)


def lead_upsert_batch(
    *, workspace: Workspace, items: Sequence[Any], source: intake.Source | None = None
) -> UpsertResult:
    return _upsert(LEADS, workspace, items, source=source)


def deal_upsert_batch(*, workspace: Workspace, items: Sequence[Any]) -> UpsertResult:
    return _upsert(DEALS, workspace, items)


def touchpoint_upsert_batch(
    *, workspace: Workspace, items: Sequence[Any], source: intake.Source | None = None
) -> UpsertResult:
    return _upsert(TOUCHPOINTS, workspace, items, source=source)


def object_as_input(*, resource: Resource, instance: models.Model) -> dict[str, Any]:
    """The object as the fields a POST would send (references as external_ids)."""
    data: dict[str, Any] = {}
    for spec in resource.spec.fields:
        if spec.ref:
            related = getattr(instance, spec.name)
            data[spec.name] = None if related is None else related.external_id
        else:
            data[spec.name] = getattr(instance, spec.name)
    return data


def object_update(*, workspace: Workspace, resource: Resource, instance: models.Model, changes: Any) -> None:
    """Change some fields of one object (PATCH); its identifying key cannot change."""
    if not isinstance(changes, Mapping):
        raise BatchInvalid([RowError(None, None, "The body must be a JSON object.", "invalid_type")])
    current = object_as_input(resource=resource, instance=instance)
    errors = []
    for spec in resource.spec.fields:
        if spec.key and spec.name in changes:
            new, old = changes[spec.name], current[spec.name]
            try:
                same = new is old if new is None or old is None else spec.parse(new) == spec.parse(old)
            except validation.Invalid:
                same = False
            if not same:
                errors.append(RowError(None, spec.name, "Cannot be changed: it identifies the object.", "immutable"))
    if errors:
        raise BatchInvalid(errors)
    try:
        _upsert(resource, workspace, [{**current, **changes}])
    except BatchInvalid as exc:
        raise BatchInvalid([e._replace(index=None) for e in exc.errors]) from None


def object_delete(*, workspace: Workspace, resource: Resource, instance: models.Model) -> None:
    """Delete one object; campaigns, accounts and leads re-route other rows, so every date is marked."""
    if resource in (CAMPAIGNS, ACCOUNTS, LEADS):
        days: set[date | None] = {None}
    else:
        days = {getattr(instance, c) for c in resource.day_columns} - {None}
        if resource.related_days is not None:
            with workspace_scope(workspace):
                days |= resource.related_days(
                    [{f.attname: getattr(instance, f.attname) for f in resource.model._meta.concrete_fields}]
                )
    pk = instance.pk

    def delete() -> None:
        instance.pk = pk  # an attempt rolled back after delete() cleared it
        instance.delete()
        record_change(workspace=workspace, days=days)

    with workspace_scope(workspace):
        try:
            run_in_transaction(delete)
        except ProtectedError as exc:
            blockers = sorted({str(type(obj)._meta.verbose_name_plural) for obj in exc.protected_objects})
            raise DeleteRefused(
                f"This {resource.spec.resource} still has {', '.join(blockers)}: delete or move them first."
            ) from None
        except IntegrityError as exc:
            raise WriteConflict(str(exc)) from exc
