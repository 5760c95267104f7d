"""Where generated rows go, and which model fields they fill.

`FILLED` names, per table, the model fields a generated row fills, in the
order the ORM and COPY sinks produce their values (the positions of the row
shapes in `sampledata.rows` decide it). Columns, attribute names and defaults
all come from the model's `_meta`: a renamed field, or a new required one
the generator knows nothing of, stops every load with a message saying so
instead of diverging silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models as db
from django.db.models.fields import AutoFieldMixin

from campaigns.models import Account, Campaign, Deal, Lead, SpendEntry, Touchpoint

FILLED: dict[str, tuple[str, ...]] = {
    "campaigns": ("id", "workspace", "external_id", "name", "channel", "is_abm", "starts_on", "ends_on", "budget"),
    "spend": ("workspace", "campaign", "date", "cost", "impressions", "clicks"),
    "accounts": ("id", "workspace", "external_id", "name", "domain", "industry", "employees", "is_target"),
    "leads": ("id", "workspace", "external_id", "email", "account", "source_campaign", "created_at", "mql_at",
              "sql_at", "sqo_at", "created_on", "mql_on", "sql_on", "sqo_on"),
    "deals": ("id", "workspace", "external_id", "account", "lead", "source_campaign", "name", "amount", "mrr",
              "status", "created_at", "closed_at", "churned_at", "created_on", "closed_on", "churned_on"),
    "touchpoints": ("workspace", "kind", "occurred_at", "occurred_on", "campaign", "lead", "account", "visitor_id",
                    "session_id", "url", "external_id"),
}  # fmt: skip


class SampleDataError(RuntimeError):
    """The generator and the models disagree: fix `FILLED` (and the row's values) before loading."""


@dataclass(frozen=True)
class TableFields:
    model: type[db.Model]
    filled: tuple[db.Field, ...]  # in FILLED order
    defaulted: tuple[db.Field, ...]  # every other column but an auto id: the model's default, auto-now or NULL

    @property
    def attnames(self) -> tuple[str, ...]:
        return tuple(field.attname for field in self.filled)

    @property
    def columns(self) -> list[str]:
        return [field.column for field in (*self.filled, *self.defaulted)]


def models() -> dict[str, type[db.Model]]:
    """The model of each generated table."""
    return {
        "campaigns": Campaign,
        "spend": SpendEntry,
        "accounts": Account,
        "leads": Lead,
        "deals": Deal,
        "touchpoints": Touchpoint,
    }


def fills_itself(field: db.Field) -> bool:
    """A column a row may leave out: it has a default, is set on save, or may be NULL."""
    return (
        field.has_default() or field.null or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    )


def table_fields(table: str) -> TableFields:
    """The fields `table`'s rows fill and the ones left to the model, checked against the model."""
    model = models()[table]
    meta = model._meta
    concrete = set(meta.concrete_fields)
    filled = []
    for name in FILLED[table]:
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field not in concrete:
            raise SampleDataError(
                f"sampledata fills {meta.label}.{name}, which is not a column of the model: "
                "update sampledata.sinks.FILLED and the sinks' row values."
            )
        filled.append(field)
    defaulted = [f for f in meta.concrete_fields if f not in filled and not isinstance(f, AutoFieldMixin)]
    for field in defaulted:
        if not fills_itself(field):
            raise SampleDataError(
                f"sampledata cannot fill {meta.label}.{field.name} (required, no default): "
                "add it to sampledata.sinks.FILLED and the sinks' row values."
            )
    return TableFields(model=model, filled=tuple(filled), defaulted=tuple(defaulted))
