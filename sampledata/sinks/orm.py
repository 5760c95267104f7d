"""Sink: Django `bulk_create` in batches, on SQLite and PostgreSQL (`seed_demo`, `seed_workspace`, the tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from accounts.rls import rls_bypass
from accounts.tenancy import workspace_scope
from campaigns.changes import record_change
from sampledata.clock import LocalClock, to_date, to_datetime
from sampledata.generation import WorkspaceGenerator
from sampledata.rows import TABLES
from sampledata.sinks import TableFields, table_fields


def _id_bases(tables: dict[str, TableFields]) -> dict[str, int]:
    """First free id per table: rows get explicit ids, so references need no lookups."""
    return {
        table: (fields.model.objects.unscoped().aggregate(top=Max("id"))["top"] or 0) + 1
        for table, fields in tables.items()
    }


def _cents(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


def _local(clock: LocalClock, ts: int | None) -> date | None:
    return None if ts is None else date.fromordinal(clock.local_day(ts))


def row_values(clock: LocalClock, ws: int, base: dict[str, int]) -> dict[str, Callable[[tuple], tuple]]:
    """Each table's generated row as the values of its `FILLED` fields, in that order."""

    def ref(table: str, idx: int | None) -> int | None:
        return None if idx is None else base[table] + idx

    def day(ts: int) -> date:
        return date.fromordinal(clock.local_day(ts))

    return {
        "campaigns": lambda r: (base["campaigns"] + r[0], ws, r[1], r[2], r[3], r[4], to_date(r[5]), to_date(r[6]),
                                _cents(r[7])),
        "spend": lambda r: (ws, ref("campaigns", r[0]), to_date(r[1]), _cents(r[2]), r[3], r[4]),
        "accounts": lambda r: (base["accounts"] + r[0], ws, r[1], r[2], r[3], r[4], r[5], r[6]),
        "leads": lambda r: (base["leads"] + r[0], ws, r[1], r[2], ref("accounts", r[3]), ref("campaigns", r[4]),
                            to_datetime(r[5]), to_datetime(r[6]), to_datetime(r[7]), to_datetime(r[8]), day(r[5]),
                            _local(clock, r[6]), _local(clock, r[7]), _local(clock, r[8])),
        "deals": lambda r: (base["deals"] + r[0], ws, r[1], ref("accounts", r[2]), ref("leads", r[3]),
                            ref("campaigns", r[4]), r[5], _cents(r[6]), _cents(r[7]), r[8], to_datetime(r[9]),
                            to_datetime(r[10]), to_datetime(r[11]), day(r[9]), _local(clock, r[10]),
                            _local(clock, r[11])),
        "touchpoints": lambda r: (ws, r[0], to_datetime(r[1]), day(r[1]), ref("campaigns", r[2]), ref("leads", r[3]),
                                  ref("accounts", r[4]), r[5], r[6], r[7], r[8]),
    }  # fmt: skip


def load_orm(workspace, generator: WorkspaceGenerator, *, batch_size: int = 2_000, progress=None) -> dict[str, int]:
    """Write every row with `bulk_create` inside `workspace`'s scope, in one transaction."""
    tables = {table: table_fields(table) for table in TABLES}
    counts: dict[str, int] = {}
    with transaction.atomic(), workspace_scope(workspace):
        builders = row_values(generator.clock, workspace.pk, _id_bases(tables))
        for table, rows in generator.tables():
            model, attnames, values = tables[table].model, tables[table].attnames, builders[table]
            batch, total = [], 0
            for row in rows:
                batch.append(model(**dict(zip(attnames, values(row), strict=True))))
                if len(batch) >= batch_size:
                    model.objects.bulk_create(batch)
                    total += len(batch)
                    batch = []
                    if progress:
                        progress(table, total)
            if batch:
                model.objects.bulk_create(batch)
                total += len(batch)
            counts[table] = total
            if progress:
                progress(table, total)
        if connection.vendor == "postgresql":
            _reset_sequences(fields.model for fields in tables.values())
        # Tell the KPI engine, as ingestion would, that these dates changed.
        if any(counts.values()):
            record_change(workspace=workspace, days=[to_date(generator.first_day), to_date(generator.last_day)])
    return counts


def _reset_sequences(models: Iterable[type]) -> None:
    # Past the highest id of every workspace: under row-level security, the workspace in scope sees its own.
    with rls_bypass(), connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)
