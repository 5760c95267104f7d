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


def plain_postgresql() -> bool:
    """PostgreSQL without Citus (the rollups also run on SQLite, whose connection has no `citus`)."""
    return connection.vendor == "postgresql" and not getattr(connection, "citus", False)


def same_workspace(inner: str, outer: str) -> str:
    """SQL: the rows `inner` that a subquery run once per outer row finds by that row's key (its account,
    its lead) are in the workspace of row `outer`.

    On plain PostgreSQL the workspace is checked on the rows the key finds,
    never used to find them (`+ 0`: no index serves the expression). As a
    condition an index can serve, the planner weighs the workspace's share of
    the table, and from statistics that do not know the workspace (a new
    client's, on a shared server) or from none it may count one row there:
    every index starting with `workspace_id` then costs the same as the
    key's, and it read the subquery through one of them, the workspace's
    every row filtered by the key, or ANDed the key's index with the
    workspace's entries of another, once per outer row. The key's index is
    then the only one to read. The keys are the workspace's own (the foreign
    keys include the workspace). Citus needs the constant to send the
    statement to the workspace's shard; SQLite keeps it too.
    """
    if plain_postgresql():
        return f"{inner}.workspace_id + 0 = {outer}.workspace_id"
    return _routed_workspace(inner, outer)


def outer_workspace(inner: str, outer: str) -> str:
    """SQL: the rows `inner` that a LATERAL subquery probes by a key whose index starts with the workspace
    (a session's key, its page views) are in the workspace of row `outer`.

    On plain PostgreSQL through the outer row only: the planner then weighs
    an average workspace (one in so many distinct ones), and the key's index,
    with the workspace and the key, costs less than any with the workspace
    alone. With the workspace as a constant as well it read that constant's
    share from statistics that did not know the workspace (one row), every
    index starting with `workspace_id` cost the same, and it probed each of a
    day's sessions by reading the workspace's sessions of every day (4.9 s
    for one push to a workspace with 6,000 sessions that day). Citus needs the
    constant to send the statement to the workspace's shard; SQLite keeps it.
    """
    if plain_postgresql():
        return f"{inner}.workspace_id = {outer}.workspace_id"
    return _routed_workspace(inner, outer)


def _routed_workspace(inner: str, outer: str) -> str:
    """Citus's and SQLite's form: the workspace as a constant (Citus routes by it) and as the outer row's."""
    return f"{inner}.workspace_id = %(ws)s AND {inner}.workspace_id = {outer}.workspace_id"


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


# The engagement touchpoints `t` (id, kind, occurred_at, occurred_on) of target accounts `a`: a touchpoint's
# account is its own, else its lead's. Two equi-joins, never one on COALESCE(…): an expression join
# has no index to probe, so a planner without statistics (a fresh backfill) nests loops over every pair.
_ENGAGEMENT_KINDS = quoted(ENGAGEMENT_KINDS)
_LEAD_JOIN = f"JOIN {Lead._meta.db_table} l ON l.workspace_id = t.workspace_id AND l.id = t.lead_id"


def _lead_probe() -> str:
    """Each touchpoint's lead found through the lead's key (a loop the planner must keep: OFFSET 0)."""
    return (
        f"CROSS JOIN LATERAL (SELECT l.workspace_id, l.account_id FROM {Lead._meta.db_table} l"  # noqa: S608
        f" WHERE {outer_workspace('l', 't')} AND l.id = t.lead_id OFFSET 0) l"
    )


def target_touches(*, probe_leads: bool = False) -> str:
    """FROM … WHERE of the engagement touchpoints `t` of target accounts `a` (TARGET_TOUCHES).

    `probe_leads` (PostgreSQL): each lead found by its key, for a few days' touchpoints read where
    hash joins are the only other joins allowed (a partial rebuild): hashed, the join read every
    lead of the workspace to match a day's touchpoints (140 ms instead of 18 on the medium workspace).
    """
    return (
        "FROM (SELECT workspace_id, id, kind, occurred_at, occurred_on, account_id AS target_id"  # noqa: S608 (our own table names and constants)
        f" FROM {Touchpoint._meta.db_table} WHERE workspace_id = %(ws)s AND kind IN ({_ENGAGEMENT_KINDS})"
        " AND account_id IS NOT NULL"
        " UNION ALL SELECT t.workspace_id, t.id, t.kind, t.occurred_at, t.occurred_on, l.account_id"
        f" FROM {Touchpoint._meta.db_table} t {_lead_probe() if probe_leads else _LEAD_JOIN}"
        f" WHERE t.workspace_id = %(ws)s AND t.kind IN ({_ENGAGEMENT_KINDS}) AND t.account_id IS NULL"
        " AND l.workspace_id = %(ws)s) t"
        f" JOIN {Account._meta.db_table} a ON a.workspace_id = t.workspace_id AND a.id = t.target_id"
        " WHERE a.workspace_id = %(ws)s AND a.is_target"
    )


TARGET_TOUCHES = target_touches()


def decayed_weight_sql(weights: dict[str, float], reference_days: float, half_life_days: float) -> tuple[str, dict]:
    """weight(kind) × 2^((occurred_at − R) / half_life) of a touchpoint `t`, as SQL and its parameters."""
    # A searched CASE: Citus deparses `CASE t.kind WHEN …` for its workers into `WHEN NULL::boolean`.
    weight = "CASE " + " ".join(f"WHEN t.kind = '{kind}' THEN %(w_{kind})s" for kind in sorted(ENGAGEMENT_KINDS))
    exponent = clamp(f"({epoch_days('t.occurred_at')} - %(reference)s) / %(half_life)s", MAX_DECAY_EXPONENT)
    params = {
        "reference": float(reference_days),
        "half_life": float(half_life_days),
        **{f"w_{kind}": float(weights.get(kind, 0)) for kind in ENGAGEMENT_KINDS},
    }
    return f"{weight} ELSE 0 END * POWER(CAST(2 AS DOUBLE PRECISION), {exponent})", params
