"""ORM expressions the KPI selectors and pages share (the rollups' own SQL is in `kpis.rollups`)."""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce

# 2^x overflows a double beyond x ≈ 1024; touches this many half-lives away
# from the decay reference are clamped (only reachable with a one-day
# half-life over years of data; a full recompute re-centres the reference).
MAX_DECAY_EXPONENT = 1000.0


def effective_account() -> Coalesce:
    """A touchpoint's account is its account, else its lead's account (KPI_SPEC.md)."""
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
