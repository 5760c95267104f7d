"""The rollup tables, the span of dates a build rewrites, and how a build replaces rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection

from campaigns.models import (
    Account,
    Campaign,
    Deal,
    EmailStat,
    Lead,
    SocialStat,
    SpendEntry,
    Touchpoint,
    WebStat,
)
from kpis.models import (
    COMPONENT_FIELDS,
    AccountDay,
    AccountFacts,
    CustomerDay,
    DailyComponents,
    KpiState,
    PageDay,
    VisitorDay,
    VisitorGap,
    WebSession,
    WorkspaceDay,
)
from kpis.queries import plain_postgresql

T = {
    "touchpoint": Touchpoint._meta.db_table,
    "lead": Lead._meta.db_table,
    "deal": Deal._meta.db_table,
    "spend": SpendEntry._meta.db_table,
    "email_stat": EmailStat._meta.db_table,
    "web_stat": WebStat._meta.db_table,
    "social_stat": SocialStat._meta.db_table,
    "account": Account._meta.db_table,
    "campaign": Campaign._meta.db_table,
    "components": DailyComponents._meta.db_table,
    "workspace_day": WorkspaceDay._meta.db_table,
    "session": WebSession._meta.db_table,
    "page_day": PageDay._meta.db_table,
    "visitor_day": VisitorDay._meta.db_table,
    "visitor_gap": VisitorGap._meta.db_table,
    "account_day": AccountDay._meta.db_table,
    "facts": AccountFacts._meta.db_table,
    "customer_day": CustomerDay._meta.db_table,
    "state": KpiState._meta.db_table,
}

# The data tables the builds read (their planner statistics are refreshed before a recompute).
SOURCE_TABLES = tuple(
    T[name]
    for name in ("touchpoint", "lead", "deal", "spend", "email_stat", "web_stat", "social_stat", "account", "campaign")
)


@dataclass(frozen=True)
class Span:
    """Local dates first..last inclusive; both None for every date."""

    first: date | None = None
    last: date | None = None

    @property
    def everything(self) -> bool:
        return self.first is None

    def where(self, column: str) -> str:
        """An `AND column BETWEEN first AND last` clause, or nothing for every date."""
        return "" if self.everything else f" AND {column} BETWEEN %(first)s AND %(last)s"

    def params(self, workspace_id: int, **extra: object) -> dict[str, object]:
        return {"ws": workspace_id, "first": self.first, "last": self.last, **extra}


def run(sql: str, params: dict[str, object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def any_of(column: str, name: str) -> str:
    """SQL: `column` is one of the values of the list parameter `name` (passed through `listed`).

    A list of keys read before a statement that changes the rows they came
    from (instead of a temporary table, which Citus cannot join to a
    distributed table).
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%({name})s)"
    return f"{column} IN (SELECT value FROM json_each(%({name})s))"


def listed(values: Iterable[object]) -> object:
    """A list parameter for `any_of`: an array on PostgreSQL, JSON on SQLite (dates as ISO text)."""
    values = sorted(set(values))
    if connection.vendor == "postgresql":
        return values
    return json.dumps([value.isoformat() if isinstance(value, date) else value for value in values])


def column_list(sql: str, params: dict[str, object]) -> object:
    """The first column of `sql`'s rows, as a list parameter for `any_of`."""
    return listed(row[0] for row in run(sql, params))


def citus_returning(returning: str = "") -> str:
    """The RETURNING clause of an INSERT … SELECT: `returning`, and on Citus at least one.

    Citus runs an INSERT … SELECT it cannot push down as a COPY to the
    workers, which row-level security refuses; with RETURNING it inserts rows.
    """
    if returning:
        return f" RETURNING {returning}"
    return " RETURNING workspace_id" if getattr(connection, "citus", False) else ""


def count_if(condition: str) -> str:
    """SQL: the number of rows where `condition` holds."""
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def same(left: str, right: str) -> str:
    """Null-safe equality."""
    operator = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    return f"{left} {operator} {right}"


@dataclass(frozen=True)
class Rollup:
    """A rollup table as the writer sees it: its columns and the key among them."""

    table: str
    columns: tuple[str, ...]  # without workspace_id and id
    key: tuple[str, ...]
    # Key columns that may be NULL, each with a value it never takes, to compare them by (keeps hash joins).
    nullable_key: tuple[tuple[str, str], ...] = ()
    surrogate_id: bool = True  # an `id` column (the key of the table is (workspace_id, id)); else keyed by `key`

    def replace_all(self, workspace_id: int, select: str, params: dict[str, object]) -> None:
        """Make the workspace's rows those of `select` (workspace_id, *columns), writing only the differences.

        The full rebuild is the nightly guard against drift: it usually finds
        next to nothing changed. See `replace_differing`.
        """
        self.replace_differing(workspace_id, select, params)

    def replace_differing(
        self, workspace_id: int, select: str, params: dict[str, object], within: str = "", returning: str = ""
    ) -> set:
        """Make the rows `within` matches (all by default) those of `select`, writing only the differences.

        Rows with no identical new row are deleted, then the new rows with no
        identical row before are inserted: an unchanged rollup is written
        nothing and leaves no dead rows. `within` (an ` AND …` condition on
        the table's columns, met by every row of `select`) limits the rows
        compared to those it matches. The values of the `returning` column of
        the rows deleted and inserted come back (the days whose other rollups
        change). On plain PostgreSQL in one statement, the new rows evaluated
        once (`_replace_in_one_statement`); on SQLite and Citus in two
        (`_replace_in_two_statements`).
        """
        if plain_postgresql():
            return self._replace_in_one_statement(select, params, within, returning)
        return self._replace_in_two_statements(select, params, within, returning)

    def _replace_in_two_statements(self, select: str, params: dict[str, object], within: str, returning: str) -> set:
        """`replace_differing` as two statements, each reading `select` as a CTE.

        Each statement writes once, so none depends on whether a CTE sees the
        statement's own writes (Citus runs CTEs as separate steps), and nothing
        goes through a temporary table, which Citus cannot join to a distributed
        one. `within` must not read this table's rows that the DELETE changes.
        The INSERT takes the new rows whose key is no longer there (by key: a
        float sum may differ in its last bit between two evaluations).
        """
        columns = ", ".join(self.columns)
        new = f"WITH n (workspace_id, {columns}) AS ({select})"
        back = f" RETURNING {returning}" if returning else ""
        changed = run(
            f"{new} DELETE FROM {self.table} WHERE workspace_id = %(ws)s{within}"
            f" AND NOT EXISTS (SELECT 1 FROM n WHERE {self._identical('n', self.table)}){back}",
            params,
        )
        into, values, source = self._target()
        changed += run(
            f"INSERT INTO {into} {new} SELECT {values} FROM {source}"
            f" WHERE NOT EXISTS (SELECT 1 FROM {self.table} t WHERE t.workspace_id = %(ws)s{within}"
            f" AND {self._same_key('n', 't')}){citus_returning(returning)}",
            params,
        )
        return {row[0] for row in changed}

    def _replace_in_one_statement(self, select: str, params: dict[str, object], within: str, returning: str) -> set:
        """Plain PostgreSQL's `replace_differing`: one statement, the new rows evaluated once.

        Every part of a statement sees the rows as they were before it: the
        insert takes the new rows with no identical row then, which are
        exactly those whose key the delete frees or that were never there.
        The insert first counts the deleted rows, so every deletion is done
        before a new row meets a freed key in a unique index. The new rows
        are materialised (read twice), and nothing tells the planner how many
        there are: safe only because every rebuild joins by hash whatever the
        estimate (`kpis.services._tune_transaction`). With nested loops a
        one-day rebuild of 12,000 sessions compared each row with every new
        one (16 s on the medium workspace, 2026-12-05).
        """
        columns = ", ".join(self.columns)
        into, values, source = self._target()
        back = returning or "1"
        rows = run(
            f"WITH n (workspace_id, {columns}) AS ({select}),"
            f" d AS (DELETE FROM {self.table} WHERE workspace_id = %(ws)s{within}"
            f" AND NOT EXISTS (SELECT 1 FROM n WHERE {self._identical('n', self.table)}) RETURNING {back}),"
            f" i AS (INSERT INTO {into} SELECT {values} FROM {source} WHERE (SELECT COUNT(*) FROM d) >= 0"
            f" AND NOT EXISTS (SELECT 1 FROM {self.table} t WHERE t.workspace_id = %(ws)s{within}"
            f" AND {self._identical('n', 't')}) RETURNING {back})"
            + (" SELECT * FROM d UNION SELECT * FROM i" if returning else " SELECT 1"),
            params,
        )
        return {row[0] for row in rows} if returning else set()

    def _identical(self, new: str, old: str) -> str:
        """SQL: row `new` has the key and the values of row `old` (null-safe), workspace included."""
        values = [same(f"{new}.{c}", f"{old}.{c}") for c in self.columns if c not in self.key]
        return " AND ".join([self._same_key(new, old), *values])

    def _same_key(self, new: str, old: str) -> str:
        """SQL: rows `new` and `old` have the same key, workspace included (a NULL key equal to a NULL one)."""
        never = dict(self.nullable_key)
        keys = [
            f"COALESCE({new}.{c}, {never[c]}) = COALESCE({old}.{c}, {never[c]})"
            if c in never
            else f"{new}.{c} = {old}.{c}"
            for c in self.key
        ]
        return " AND ".join([f"{new}.workspace_id = {old}.workspace_id", *keys])

    def replace_span(self, workspace_id: int, span: Span, day_column: str, select: str, params: dict) -> None:
        """The span's rows replaced by those of `select`; every date: `replace_all`."""
        if span.everything:
            self.replace_all(workspace_id, select, params)
            return
        run(f"DELETE FROM {self.table} WHERE workspace_id = %(ws)s{span.where(day_column)}", params)
        self.insert(select, params)

    def insert(self, select: str, params: dict[str, object]) -> None:
        """Add the rows of `select` (workspace_id, *columns).

        Through a CTE: Citus then sends the whole statement to the workspace's
        shard, where a plain INSERT … SELECT with correlated subqueries is refused.
        The CTE belongs to the SELECT (after the INSERT's columns): one ahead of
        the INSERT is not a distributed table to Citus, which then pulls the
        rows to the coordinator and sends them back.
        """
        columns = ", ".join(self.columns)
        into, values, source = self._target()
        run(
            f"INSERT INTO {into} WITH n (workspace_id, {columns}) AS ({select}) SELECT {values} FROM {source}{citus_returning()}",
            params,
        )

    def _target(self) -> tuple[str, str, str]:
        """The INSERT's table and columns, what it selects, and from what (the new rows `n`).

        On Citus an INSERT … SELECT runs on the workspace's shard only if it
        has no volatile function and its workspace_id is a distribution
        column read from a table; else Citus pulls the rows to the
        coordinator and sends them back. So there the `id` is given instead
        of the column's default, nextval(): the keys are (workspace_id, id),
        an id need only be new in the workspace, and ids count down below
        the workspace's lowest (and below the sequence's, which are
        positive); the recompute holds the workspace's KpiState lock, so no
        other writer takes the same ids. And the workspace_id is that of
        the workspace's KpiState row, joined (the new rows carry a constant).
        """
        columns = ", ".join(self.columns)
        if not getattr(connection, "citus", False):
            return f"{self.table} (workspace_id, {columns})", f"workspace_id, {columns}", "n"
        state = f"n JOIN {T['state']} k ON k.workspace_id = n.workspace_id AND k.workspace_id = %(ws)s"
        new = ", ".join(f"n.{column}" for column in self.columns)
        # Named: Citus 13.2 deparses a RETURNING column for the shard with the table's own name, which the
        # shard's statement does not have ("missing FROM-clause entry") when the rows come from a UNION.
        table = f"{self.table} AS r"
        if not self.surrogate_id:
            return f"{table} (workspace_id, {columns})", f"k.workspace_id, {new}", state
        # Below the lowest id, read in the same statement (a round trip less); PARTITION BY the distribution
        # column: a window Citus may run on the shard.
        below = f"(SELECT LEAST(COALESCE(MIN(id), 0), 0) FROM {self.table} WHERE workspace_id = %(ws)s)"
        values = f"k.workspace_id, {below} - row_number() OVER (PARTITION BY k.workspace_id), {new}"
        return f"{table} (workspace_id, id, {columns})", values, state


COMPONENTS = Rollup(
    T["components"], ("day", "campaign_id", *COMPONENT_FIELDS), ("day", "campaign_id"), (("campaign_id", "0"),)
)
WORKSPACE_DAYS = Rollup(T["workspace_day"], ("day", *COMPONENT_FIELDS), ("day",))
SESSIONS = Rollup(
    T["session"], ("session_id", "first_day", "campaign_id", "page_views"), ("session_id",), surrogate_id=False
)
PAGE_DAYS = Rollup(
    T["page_day"],
    ("day", "campaign_id", "url", "page_views", "entries", "exits"),
    ("day", "campaign_id", "url"),
    (("campaign_id", "0"),),
)
VISITOR_DAYS = Rollup(
    T["visitor_day"], ("visitor_id", "day", "previous_day"), ("visitor_id", "day"), surrogate_id=False
)
VISITOR_GAPS = Rollup(
    T["visitor_gap"], ("day", "previous_day", "visitors"), ("day", "previous_day"), (("previous_day", "'0001-01-01'"),)
)
ACCOUNT_DAYS = Rollup(T["account_day"], ("day", "account_id", "touches", "decayed_weight"), ("day", "account_id"))
FACTS = Rollup(
    T["facts"],
    (
        "account_id",
        "first_touch_at",
        "first_won_deal_id",
        "first_won_at",
        "first_won_on",
        "first_won_campaign_id",
        "is_target",
    ),
    ("account_id",),
)
CUSTOMER_DAYS = Rollup(T["customer_day"], ("day", "gained", "lost"), ("day",))
