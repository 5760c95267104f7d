"""SQL fragments and ORM expressions that the rollups (write side), the reads and the pages share.

The read side imports these, never `kpis.rollups`: a read must not depend on how rollups are written.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce

from campaigns.models import ENGAGEMENT_KINDS, Account, Lead, Touchpoint

# 2^x overflows a double beyond x ≈ 1024; touches this many half-lives away
# from the decay reference are clamped (only reachable with a one-day
# half-life over years of data; a full recompute re-centres the reference).
MAX_DECAY_EXPONENT = 1000.0


def effective_account() -> Coalesce:
    """A touchpoint's account is its account, else its lead's account (docs/kpis.md)."""
    return Coalesce(F("account_id"), F("lead__account_id"))


def among(column: str, subquery: str) -> str:
    """SQL: `column` is one of the values `subquery` returns.

    On PostgreSQL as an array (`= ANY(ARRAY(…))`): the planner then reads the
    rows of those few values through an index on `column`, where `IN (…)`
    lets it hash the subquery and scan every row of the workspace instead.
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({subquery}))"
    return f"{column} IN ({subquery})"


def epoch_days(column: str) -> str:
    """A timestamp column as days (float) since 1970-01-01 UTC."""
    if connection.vendor == "postgresql":
        return f"(CAST(EXTRACT(EPOCH FROM {column}) AS DOUBLE PRECISION) / 86400.0)"
    return f"(julianday({column}) - 2440587.5)"


def clamp(expression: str, bound: float) -> str:
    """SQL: `expression` within ±bound."""
    low, high = ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")
    return f"{high}({low}({expression}, {-bound}), {bound})"


def quoted(values) -> str:
    """A SQL list of our own constants (kinds, channels), never of user input."""
    return ", ".join(f"'{value}'" for value in sorted(values))


# The engagement touchpoints `t` of target accounts `a` (through the touchpoint's lead `l` when it has no account).
TARGET_TOUCHES = (
    f"FROM {Touchpoint._meta.db_table} t LEFT JOIN {Lead._meta.db_table} l ON l.id = t.lead_id"
    f" JOIN {Account._meta.db_table} a ON a.id = COALESCE(t.account_id, l.account_id)"
    " AND a.workspace_id = %(ws)s AND a.is_target"
    f" WHERE t.workspace_id = %(ws)s AND t.kind IN ({quoted(ENGAGEMENT_KINDS)})"
)


def decayed_weight_sql(weights: dict[str, float], reference_days: float, half_life_days: float) -> tuple[str, dict]:
    """weight(kind) × 2^((occurred_at − R) / half_life) of a touchpoint `t`, as SQL and its parameters."""
    weight = "CASE t.kind " + " ".join(f"WHEN '{kind}' THEN %(w_{kind})s" for kind in sorted(ENGAGEMENT_KINDS))
    exponent = clamp(f"({epoch_days('t.occurred_at')} - %(reference)s) / %(half_life)s", MAX_DECAY_EXPONENT)
    params = {
        "reference": float(reference_days),
        "half_life": float(half_life_days),
        **{f"w_{kind}": float(weights.get(kind, 0)) for kind in ENGAGEMENT_KINDS},
    }
    return f"{weight} ELSE 0 END * POWER(CAST(2 AS DOUBLE PRECISION), {exponent})", params
