"""ORM expressions the KPI selectors and pages share (the rollups' own SQL is in `kpis.rollups`)."""

from __future__ import annotations

from django.db.models import Case, F, FloatField, Func, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, Power

from campaigns.models import ENGAGEMENT_KINDS

# 2^x overflows a double beyond x ≈ 1024; touches this many half-lives away
# from the decay reference are clamped (only reachable with a one-day
# half-life over years of data; a full recompute re-centres the reference).
MAX_DECAY_EXPONENT = 1000.0


class EpochDays(Func):
    """A timestamp as days (float) since 1970-01-01 UTC, on SQLite and PostgreSQL."""

    output_field = FloatField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s) - 2440587.5)", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision) / 86400.0)",
            **extra_context,
        )


def engagement_weight(weights: dict[str, float]) -> Case:
    """The workspace weight of a touchpoint's kind, as SQL."""
    return Case(
        *[When(kind=kind, then=Value(float(weights.get(kind, 0)))) for kind in sorted(ENGAGEMENT_KINDS)],
        default=Value(0.0),
        output_field=FloatField(),
    )


def decayed_weight(weights: dict[str, float], reference_days: float, half_life_days: float) -> Func:
    """weight(kind) × 2^((occurred_at − R) / half_life), R and half_life in days."""
    exponent = (EpochDays("occurred_at") - Value(reference_days)) / Value(float(half_life_days))
    clamped = Least(Greatest(exponent, Value(-MAX_DECAY_EXPONENT)), Value(MAX_DECAY_EXPONENT))
    return engagement_weight(weights) * Power(Value(2.0), clamped, output_field=FloatField())


def effective_account() -> Coalesce:
    """A touchpoint's account is its account, else its lead's account (KPI_SPEC.md)."""
    return Coalesce(F("account_id"), F("lead__account_id"))
