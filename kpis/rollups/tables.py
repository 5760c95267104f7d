"""The rollup tables, the span of dates a build rewrites, and how a build replaces rows."""

from __future__ import annotations

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
    PageDay,
    VisitorDay,
    VisitorGap,
    WebSession,
    WorkspaceDay,
)

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

        The new rows go to a temporary table (no index, no WAL); rows that
        differ are deleted, rows not there are inserted, so an unchanged
        rollup costs one computation and two anti-joins, and leaves no dead
        rows behind. `within` (an ` AND …` condition on the table's columns,
        met by every row of `select`) limits the rows compared to those it
        matches. The values of the `returning` column of the rows deleted and
        inserted come back (the days whose other rollups change).
        """
        columns = ", ".join(self.columns)
        rebuilt = f"rebuilt_{self.table}"
        never = dict(self.nullable_key)
        keys = " AND ".join(
            f"COALESCE(n.{c}, {never[c]}) = COALESCE(t.{c}, {never[c]})" if c in never else f"n.{c} = t.{c}"
            for c in self.key
        )
        values = " AND ".join(same(f"n.{c}", f"t.{c}") for c in self.columns if c not in self.key)
        back = f" RETURNING {returning}" if returning else ""
        run(f"DROP TABLE IF EXISTS {rebuilt}", {})
        run(f"CREATE TEMPORARY TABLE {rebuilt} AS SELECT workspace_id, {columns} FROM {self.table} WHERE 1 = 0", {})
        run(f"INSERT INTO {rebuilt} (workspace_id, {columns}) {select}", params)
        if connection.vendor == "postgresql":
            run(f"ANALYZE {rebuilt}", {})  # a temporary table has no statistics for the anti-joins' plans
        changed = run(
            f"DELETE FROM {self.table} WHERE workspace_id = %(ws)s{within} AND NOT EXISTS (SELECT 1 FROM {rebuilt} n"
            f" WHERE {keys.replace('t.', f'{self.table}.')}"
            + (f" AND {values.replace('t.', f'{self.table}.')}" if values else "")
            + f"){back}",
            params,
        )
        # The rows to add are set aside before inserting: an INSERT reading its own table
        # (NOT EXISTS) scans what it inserts, quadratic where the planner expects an empty table.
        missing = f"missing_{self.table}"
        run(f"DROP TABLE IF EXISTS {missing}", {})
        run(
            f"CREATE TEMPORARY TABLE {missing} AS SELECT n.* FROM {rebuilt} n"
            f" WHERE NOT EXISTS (SELECT 1 FROM {self.table} t WHERE t.workspace_id = %(ws)s{within} AND {keys})",
            params,
        )
        changed += run(
            f"INSERT INTO {self.table} (workspace_id, {columns}) SELECT workspace_id, {columns} FROM {missing}{back}",
            {},
        )
        run(f"DROP TABLE {missing}", {})
        run(f"DROP TABLE {rebuilt}", {})
        return {row[0] for row in changed}

    def replace_span(self, workspace_id: int, span: Span, day_column: str, select: str, params: dict) -> None:
        """The span's rows replaced by those of `select`; every date: `replace_all`."""
        if span.everything:
            self.replace_all(workspace_id, select, params)
            return
        run(f"DELETE FROM {self.table} WHERE workspace_id = %(ws)s{span.where(day_column)}", params)
        run(f"INSERT INTO {self.table} (workspace_id, {', '.join(self.columns)}) {select}", params)


COMPONENTS = Rollup(
    T["components"], ("day", "campaign_id", *COMPONENT_FIELDS), ("day", "campaign_id"), (("campaign_id", "0"),)
)
WORKSPACE_DAYS = Rollup(T["workspace_day"], ("day", *COMPONENT_FIELDS), ("day",))
SESSIONS = Rollup(T["session"], ("session_id", "first_day", "campaign_id", "page_views"), ("session_id",))
PAGE_DAYS = Rollup(
    T["page_day"],
    ("day", "campaign_id", "url", "page_views", "entries", "exits"),
    ("day", "campaign_id", "url"),
    (("campaign_id", "0"),),
)
VISITOR_DAYS = Rollup(T["visitor_day"], ("visitor_id", "day", "previous_day"), ("visitor_id", "day"))
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
