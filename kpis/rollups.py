"""Building the rollups of `kpis.models` from the campaigns tables, one local-date range at a time.

Plain SQL run in the database: every build is a DELETE of the range and an
INSERT … SELECT with GROUP BY over indexed local-date columns, on PostgreSQL
and SQLite alike; nothing but a few dates comes back to Python. A `Span` of
None..None is every date (the full rebuild). Each statement filters on the
workspace itself (row-level security checks it again on PostgreSQL).

The order matters within a span: sessions first (a page view can change a
session that started on an earlier day, whose components then change too),
then the components of the span and of those days, visitors, account days,
and the account facts (they read the account days); the customer days read
deals alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection

from campaigns.models import (
    Account,
    Campaign,
    Channel,
    Deal,
    DealStatus,
    Lead,
    SpendEntry,
    Touchpoint,
    TouchpointKind,
)
from kpis.models import (
    COMPONENT_FIELDS,
    AccountDay,
    AccountFacts,
    CustomerDay,
    DailyComponents,
    VisitorDay,
    VisitorGap,
    WebSession,
    WorkspaceDay,
)
from kpis.queries import TARGET_TOUCHES, among, decayed_weight_sql, quoted

T = {
    "touchpoint": Touchpoint._meta.db_table,
    "lead": Lead._meta.db_table,
    "deal": Deal._meta.db_table,
    "spend": SpendEntry._meta.db_table,
    "account": Account._meta.db_table,
    "campaign": Campaign._meta.db_table,
    "components": DailyComponents._meta.db_table,
    "workspace_day": WorkspaceDay._meta.db_table,
    "session": WebSession._meta.db_table,
    "visitor_day": VisitorDay._meta.db_table,
    "visitor_gap": VisitorGap._meta.db_table,
    "account_day": AccountDay._meta.db_table,
    "facts": AccountFacts._meta.db_table,
    "customer_day": CustomerDay._meta.db_table,
}


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


def _run(sql: str, params: dict[str, object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _same(left: str, right: str) -> str:
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
        values = " AND ".join(_same(f"n.{c}", f"t.{c}") for c in self.columns if c not in self.key)
        back = f" RETURNING {returning}" if returning else ""
        _run(f"DROP TABLE IF EXISTS {rebuilt}", {})
        _run(f"CREATE TEMPORARY TABLE {rebuilt} AS SELECT workspace_id, {columns} FROM {self.table} WHERE 1 = 0", {})
        _run(f"INSERT INTO {rebuilt} (workspace_id, {columns}) {select}", params)
        if connection.vendor == "postgresql":
            _run(f"ANALYZE {rebuilt}", {})  # a temporary table has no statistics for the anti-joins' plans
        changed = _run(
            f"DELETE FROM {self.table} WHERE workspace_id = %(ws)s{within} AND NOT EXISTS (SELECT 1 FROM {rebuilt} n"
            f" WHERE {keys.replace('t.', f'{self.table}.')}"
            + (f" AND {values.replace('t.', f'{self.table}.')}" if values else "")
            + f"){back}",
            params,
        )
        # The rows to add are set aside before inserting: an INSERT reading its own table
        # (NOT EXISTS) scans what it inserts, quadratic where the planner expects an empty table.
        missing = f"missing_{self.table}"
        _run(f"DROP TABLE IF EXISTS {missing}", {})
        _run(
            f"CREATE TEMPORARY TABLE {missing} AS SELECT n.* FROM {rebuilt} n"
            f" WHERE NOT EXISTS (SELECT 1 FROM {self.table} t WHERE t.workspace_id = %(ws)s{within} AND {keys})",
            params,
        )
        changed += _run(
            f"INSERT INTO {self.table} (workspace_id, {columns}) SELECT workspace_id, {columns} FROM {missing}{back}",
            {},
        )
        _run(f"DROP TABLE {missing}", {})
        _run(f"DROP TABLE {rebuilt}", {})
        return {row[0] for row in changed}

    def replace_span(self, workspace_id: int, span: Span, day_column: str, select: str, params: dict) -> None:
        """The span's rows replaced by those of `select`; every date: `replace_all`."""
        if span.everything:
            self.replace_all(workspace_id, select, params)
            return
        _run(f"DELETE FROM {self.table} WHERE workspace_id = %(ws)s{span.where(day_column)}", params)
        _run(f"INSERT INTO {self.table} (workspace_id, {', '.join(self.columns)}) {select}", params)


COMPONENTS = Rollup(
    T["components"], ("day", "campaign_id", *COMPONENT_FIELDS), ("day", "campaign_id"), (("campaign_id", "0"),)
)
WORKSPACE_DAYS = Rollup(T["workspace_day"], ("day", *COMPONENT_FIELDS), ("day",))
SESSIONS = Rollup(T["session"], ("session_id", "first_day", "campaign_id", "page_views"), ("session_id",))
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


# ---------------------------------------------------------------- web sessions


_SESSION_PAGE_VIEWS = (
    f"SELECT session_id FROM {T['touchpoint']} WHERE workspace_id = %(ws)s"
    f" AND kind = '{TouchpointKind.PAGE_VIEW}' AND session_id <> ''"
)


def build_sessions(workspace_id: int, span: Span) -> set[date]:
    """Rebuild the sessions with a page view in the span (all of them for every date).

    A session counts all its page views and belongs to the day of the first,
    so a page view on day d can change a session that started before d. Returns
    the first days of the sessions that changed, whose components change too.
    """
    params = span.params(workspace_id)
    if span.everything:
        SESSIONS.replace_all(workspace_id, _session_rows(f"({_page_views('')})"), params)
        return set()
    # The sessions with a page view in the span, and those that started in it (their
    # first page view may have moved or gone since): in a temporary table, so that
    # every statement below reaches the sessions through the (session_id) index.
    touched = "touched_sessions"
    _run(f"DROP TABLE IF EXISTS {touched}", {})
    _run(
        f"CREATE TEMPORARY TABLE {touched} AS SELECT session_id FROM {T['session']}"
        f" WHERE workspace_id = %(ws)s{span.where('first_day')} UNION {_SESSION_PAGE_VIEWS}{span.where('occurred_on')}",
        params,
    )
    of_touched = f" AND session_id IN (SELECT session_id FROM {touched})"
    if connection.vendor == "postgresql":
        _run(f"ANALYZE {touched}", {})
        # Each touched session's page views through the session index (the fence, OFFSET 0, keeps
        # the join a loop): past some ten thousand sessions in a day the planner would rather scan
        # the workspace's every touchpoint, three times slower on a medium workspace.
        views = (
            f"(SELECT pv.* FROM {touched} s CROSS JOIN LATERAL"
            f" ({_page_views(' AND session_id = s.session_id')} OFFSET 0) pv)"
        )
    else:
        views = f"({_page_views(of_touched)})"
    # Most of a busy day's sessions are as they were: only those that changed are written, the
    # touched ones read through the key's index (not every session of the workspace's history).
    within = f" AND {among('session_id', f'SELECT session_id FROM {touched}')}"
    days = SESSIONS.replace_differing(workspace_id, _session_rows(views), params, within, "first_day")
    _run(f"DROP TABLE {touched}", {})
    return days


def _page_views(condition: str) -> str:
    """The workspace's page views with a session (those `condition` matches): the columns sessions are built of."""
    return (
        f"SELECT session_id, campaign_id, occurred_on, occurred_at, external_id, id FROM {T['touchpoint']}"
        f" WHERE workspace_id = %(ws)s AND kind = '{TouchpointKind.PAGE_VIEW}' AND session_id <> ''{condition}"
    )


def _session_rows(views: str) -> str:
    """(workspace_id, session_id, first_day, campaign_id, page_views) of the sessions of the page views `views`.

    One pass with window functions: each session's first page view (ties by
    external_id, rows without one last), its day and its page count.
    """
    first_first = "occurred_at, external_id IS NULL, external_id, id"
    return (
        " SELECT %(ws)s, session_id, first_day, campaign_id, page_views FROM ("
        " SELECT session_id, campaign_id,"
        " MIN(occurred_on) OVER (PARTITION BY session_id) AS first_day,"
        " COUNT(*) OVER (PARTITION BY session_id) AS page_views,"
        f" ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY {first_first}) AS position"
        f" FROM {views} views) page_views WHERE position = 1"
    )


# ---------------------------------------------------------------- additive components


# Components counted on the social channels' campaigns only, and the component they are a share of.
SOCIAL_SHARES = {"social_channel_engagements": "social_engagements", "social_channel_impressions": "impressions"}


def _count_if(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _component_sources(span: Span) -> list[tuple[str, str, str, dict[str, str]]]:
    """(FROM … WHERE, day expression, campaign expression, {component: aggregate}) per source."""
    won, lost = f"status = '{DealStatus.WON}'", f"status = '{DealStatus.LOST}'"
    kinds = {
        "emails_sent": TouchpointKind.EMAIL_SENT,
        "email_bounces": TouchpointKind.EMAIL_BOUNCE,
        "email_spam": TouchpointKind.EMAIL_SPAM,
        "email_unsubscribes": TouchpointKind.EMAIL_UNSUBSCRIBE,
        "page_views": TouchpointKind.PAGE_VIEW,
        "content_downloads": TouchpointKind.CONTENT_DOWNLOAD,
        "social_engagements": TouchpointKind.SOCIAL_ENGAGEMENT,
    }
    # A deal closed before it was created (bad data) leaves the pipeline the day it enters it.
    closed_out = "(CASE WHEN closed_on > created_on THEN closed_on ELSE created_on END)"
    lead = f"{T['lead']} WHERE workspace_id = %(ws)s"
    deal = f"{T['deal']} WHERE workspace_id = %(ws)s"
    # A lead of a won deal: every lead against every won deal's (one hash join) in a full rebuild; in a
    # partial one, each of the span's leads looked up by index (never every won deal of the history).
    # The closed-out day, an expression, is narrowed first by the two indexed dates it is one of.
    if span.everything:
        leads = f"{T['lead']} l LEFT JOIN (SELECT DISTINCT lead_id FROM {deal} AND {won}) converted ON converted.lead_id = l.id"
        customer = "converted.lead_id IS NOT NULL"
    else:
        leads = f"{T['lead']} l"
        # OFFSET 0 keeps PostgreSQL from weighing a hash of every won deal instead (it may pick it).
        fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
        customer = f"EXISTS (SELECT 1 FROM {T['deal']} d WHERE d.lead_id = l.id AND d.{won}{fence})"
    in_span = " BETWEEN %(first)s AND %(last)s"
    closed_out_dates = "" if span.everything else f" AND (closed_on{in_span} OR created_on{in_span})"
    return [
        (
            f"{T['spend']} WHERE workspace_id = %(ws)s{span.where('date')}",
            "date",
            "campaign_id",
            {"spend": "SUM(cost)", "impressions": "SUM(impressions)", "clicks": "SUM(clicks)"},
        ),
        (
            f"{leads} WHERE l.workspace_id = %(ws)s{span.where('l.created_on')}",
            "l.created_on",
            "l.source_campaign_id",
            {
                "leads": "COUNT(*)",
                "cohort_mqls": _count_if("l.mql_at IS NOT NULL"),
                "cohort_sqls": _count_if("l.sql_at IS NOT NULL"),
                "cohort_sqos": _count_if("l.sqo_at IS NOT NULL"),
                "cohort_customers": _count_if(customer),
            },
        ),
        *[
            (
                f"{lead} AND {stage}_on IS NOT NULL{span.where(f'{stage}_on')}",
                f"{stage}_on",
                "source_campaign_id",
                {f"{stage}s": "COUNT(*)"},
            )
            for stage in ("mql", "sql", "sqo")
        ],
        (f"{deal}{span.where('created_on')}", "created_on", "source_campaign_id", {"deals_created": "COUNT(*)"}),
        (
            f"{deal} AND status IN ('{DealStatus.WON}', '{DealStatus.LOST}') AND closed_on IS NOT NULL"
            f"{span.where('closed_on')}",
            "closed_on",
            "source_campaign_id",
            {
                "deals_won": _count_if(won),
                "deals_lost": _count_if(lost),
                "won_revenue": f"SUM(CASE WHEN {won} THEN amount ELSE 0 END)",
                "new_mrr": f"SUM(CASE WHEN {won} THEN mrr ELSE 0 END)",
            },
        ),
        (
            f"{deal} AND status IN ('{DealStatus.WON}', '{DealStatus.LOST}') AND closed_on IS NOT NULL"
            f"{closed_out_dates}{span.where(closed_out)}",
            closed_out,
            "source_campaign_id",
            {"deals_closed_out": "COUNT(*)"},
        ),
        (
            f"{deal} AND {won} AND churned_on IS NOT NULL{span.where('churned_on')}",
            "churned_on",
            "source_campaign_id",
            {"churned_mrr": "SUM(mrr)"},
        ),
        (
            f"{T['touchpoint']} WHERE workspace_id = %(ws)s"
            f" AND kind IN ({quoted(kinds.values())}){span.where('occurred_on')}",
            "occurred_on",
            "campaign_id",
            {name: _count_if(f"kind = '{kind}'") for name, kind in kinds.items()},
        ),
        (
            f"{T['session']} WHERE workspace_id = %(ws)s{span.where('first_day')}",
            "first_day",
            "campaign_id",
            {
                "sessions": "COUNT(*)",
                "single_page_sessions": _count_if("page_views = 1"),
                "session_page_views": "SUM(page_views)",
            },
        ),
    ]


def build_components(workspace_id: int, span: Span) -> None:
    """Rebuild the daily components per campaign, then the workspace's daily totals, of the span."""
    params = span.params(workspace_id)
    parts = []
    for source, day, campaign, aggregates in _component_sources(span):
        values = ", ".join(f"{aggregates.get(name, '0')} AS {name}" for name in COMPONENT_FIELDS)
        parts.append(
            f"SELECT {day} AS day, {campaign} AS campaign_id, {values} FROM {source} GROUP BY {day}, {campaign}"
        )
    # The social channels' share is taken per (day, campaign), after grouping: a join of the groups, not of the rows.
    social = quoted([Channel.ORGANIC_SOCIAL, Channel.PAID_SOCIAL])
    sums = ", ".join(
        f"SUM(CASE WHEN c.channel IN ({social}) THEN parts.{SOCIAL_SHARES[name]} ELSE 0 END)"
        if name in SOCIAL_SHARES
        else f"SUM(parts.{name})"
        for name in COMPONENT_FIELDS
    )
    select = (
        f"SELECT %(ws)s, parts.day, parts.campaign_id, {sums} FROM ({' UNION ALL '.join(parts)}) parts"
        f" LEFT JOIN {T['campaign']} c ON c.id = parts.campaign_id GROUP BY parts.day, parts.campaign_id"
    )
    COMPONENTS.replace_span(workspace_id, span, "day", select, params)
    totals = ", ".join(f"SUM({name})" for name in COMPONENT_FIELDS)
    WORKSPACE_DAYS.replace_span(
        workspace_id,
        span,
        "day",
        f"SELECT %(ws)s, day, {totals} FROM {T['components']} WHERE workspace_id = %(ws)s{span.where('day')} GROUP BY day",
        params,
    )


# ---------------------------------------------------------------- visitors


def build_visitor_days(workspace_id: int, span: Span) -> None:
    """Rebuild the (visitor, day) rows of the span, the previous_day of the first row after it, and their gaps."""
    params = span.params(workspace_id)
    seen = (
        f"SELECT DISTINCT visitor_id, occurred_on AS day FROM {T['touchpoint']} WHERE workspace_id = %(ws)s"
        f" AND kind = '{TouchpointKind.PAGE_VIEW}' AND visitor_id <> ''{span.where('occurred_on')}"
    )
    ordered = (
        f"SELECT visitor_id, day, LAG(day) OVER (PARTITION BY visitor_id ORDER BY day) AS lag_day FROM ({seen}) seen"
    )
    if span.everything:
        VISITOR_DAYS.replace_all(workspace_id, f"SELECT %(ws)s, visitor_id, day, lag_day FROM ({ordered}) v", params)
        VISITOR_GAPS.replace_all(workspace_id, _gap_rows(""), params)
        return
    table, touched = T["visitor_day"], "touched_visitors"
    # The visitors seen in the span before this rebuild or now: the first row
    # after the span of each of them may point back into it.
    _run(f"DROP TABLE IF EXISTS {touched}", {})
    _run(
        f"CREATE TEMPORARY TABLE {touched} AS SELECT visitor_id FROM {table} WHERE workspace_id = %(ws)s"
        f"{span.where('day')} UNION SELECT visitor_id FROM ({seen}) seen",
        params,
    )
    if connection.vendor == "postgresql":
        _run(f"ANALYZE {touched}", {})
    before = (
        f"(SELECT MAX(p.day) FROM {table} p WHERE p.workspace_id = %(ws)s"
        " AND p.visitor_id = v.visitor_id AND p.day < %(first)s)"
    )
    VISITOR_DAYS.replace_differing(
        workspace_id,
        f"SELECT %(ws)s, visitor_id, day, COALESCE(lag_day, {before}) FROM ({ordered}) v",
        params,
        span.where("day"),
    )
    later = []
    # Today's rebuild has no day after it: nothing to point back into it.
    if _run(f"SELECT 1 FROM {table} WHERE workspace_id = %(ws)s AND day > %(last)s LIMIT 1", params):
        of_visitor = f"p.workspace_id = %(ws)s AND p.visitor_id = {table}.visitor_id"
        later = _run(
            f"UPDATE {table} SET previous_day = (SELECT MAX(p.day) FROM {table} p WHERE {of_visitor}"
            f" AND p.day < {table}.day) WHERE workspace_id = %(ws)s AND visitor_id IN (SELECT visitor_id FROM {touched})"
            f" AND day = (SELECT MIN(p.day) FROM {table} p WHERE {of_visitor} AND p.day > %(last)s) RETURNING day",
            params,
        )
    _run(f"DROP TABLE {touched}", {})
    _rebuild_gaps(workspace_id, span, {row[0] for row in later})


def _gap_rows(condition: str) -> str:
    """(workspace_id, day, previous_day, visitors) of the visitor-days matched."""
    return (
        f"SELECT workspace_id, day, previous_day, COUNT(*) FROM {T['visitor_day']} WHERE workspace_id = %(ws)s"
        f"{condition} GROUP BY workspace_id, day, previous_day"
    )


def _rebuild_gaps(workspace_id: int, span: Span, later_days: set[date]) -> None:
    """The gap counts of the span's days and of the later days whose visitors' previous_day moved."""
    later = sorted(later_days)
    days = "day BETWEEN %(first)s AND %(last)s"
    if later:
        days = f"({days} OR day IN ({', '.join(f'%(later{i})s' for i in range(len(later)))}))"
    params = span.params(workspace_id, **{f"later{i}": day for i, day in enumerate(later)})
    _run(f"DELETE FROM {T['visitor_gap']} WHERE workspace_id = %(ws)s AND {days}", params)
    columns = ", ".join(VISITOR_GAPS.columns)
    _run(f"INSERT INTO {T['visitor_gap']} (workspace_id, {columns}) {_gap_rows(f' AND {days}')}", params)


# ---------------------------------------------------------------- accounts


def build_account_days(
    workspace_id: int, span: Span, weights: dict[str, float], reference_days: float, half_life_days: float
) -> None:
    """Rebuild the per-(target account, day) engagement touches and decayed weights of the span.

    A touchpoint's account is its account, else its lead's account (KPI_SPEC.md).
    Only target accounts have rows: the ABM KPIs are the only readers.
    """
    decayed, decay_params = decayed_weight_sql(weights, reference_days, half_life_days)
    ACCOUNT_DAYS.replace_span(
        workspace_id,
        span,
        "day",
        f"SELECT %(ws)s, t.occurred_on, a.id, COUNT(*), SUM({decayed}) {TARGET_TOUCHES}{span.where('t.occurred_on')}"
        " GROUP BY t.occurred_on, a.id",
        span.params(workspace_id, **decay_params),
    )


def build_account_facts(
    workspace_id: int, span: Span, touched_from: object = None, touched_until: object = None
) -> None:
    """Rebuild the first touch and first won deal of the accounts the span can have changed.

    Those are the accounts with a touchpoint, lead or deal dated in the span
    whose first touch is not before it (an earlier one cannot move), those
    whose first touch (at touched_from ≤ t < touched_until, the span in UTC)
    or first won deal was in it (a row since moved or deleted: its old date
    is a changed day too), and those with a deal won in the span; each from
    indexed per-account minimums.
    """
    params = span.params(
        workspace_id,
        touched_from=connection.ops.adapt_datetimefield_value(touched_from),
        touched_until=connection.ops.adapt_datetimefield_value(touched_until),
    )
    if span.everything:
        FACTS.replace_all(workspace_id, _facts_rows(""), params)
        return
    in_span = " BETWEEN %(first)s AND %(last)s"
    at_in_span = "occurred_at >= %(touched_from)s AND t.occurred_at < %(touched_until)s"
    # Whether account f has a touchpoint (its own or its leads'), lead or deal dated in the span: index probes.
    touched = " OR ".join(
        f"EXISTS (SELECT 1 FROM {source} AND {condition})"
        for source, condition in (
            (f"{T['touchpoint']} t WHERE t.workspace_id = %(ws)s AND t.account_id = f.account_id", f"t.{at_in_span}"),
            (
                f"{T['lead']} l JOIN {T['touchpoint']} t ON t.lead_id = l.id"
                " WHERE l.workspace_id = %(ws)s AND l.account_id = f.account_id AND t.workspace_id = %(ws)s",
                f"t.{at_in_span}",
            ),
            (f"{T['lead']} l WHERE l.workspace_id = %(ws)s AND l.account_id = f.account_id", f"l.created_on{in_span}"),
            (
                f"{T['deal']} d WHERE d.workspace_id = %(ws)s AND d.account_id = f.account_id",
                f"(d.created_on{in_span} OR d.closed_on{in_span})",
            ),
        )
    )
    facts = f"SELECT f.account_id FROM {T['facts']} f WHERE f.workspace_id = %(ws)s"
    # The accounts to rebuild, set aside first (see Rollup.replace_all). Data dated in the span can move
    # an account's first touch earlier only if it is not already before the span: most accounts active
    # today were first touched long ago, and the few others are found by index. Any other account's
    # facts stay as they are; the nightly full rebuild would mend one that drifted.
    changed = "facts_changed"
    _run(f"DROP TABLE IF EXISTS {changed}", {})
    _run(
        f"CREATE TEMPORARY TABLE {changed} AS {facts} AND f.first_touch_at >= %(touched_from)s"
        f" AND (f.first_touch_at < %(touched_until)s OR {touched})"
        f" UNION {facts} AND f.first_won_on{in_span}"
        # A first won deal moves only to a deal won in the span, or from one that was (the old date is in it).
        f" UNION SELECT account_id FROM {T['deal']} WHERE workspace_id = %(ws)s"
        f" AND status = '{DealStatus.WON}' AND closed_on{in_span}",
        params,
    )
    if connection.vendor == "postgresql":
        _run(f"ANALYZE {changed}", {})  # a handful of rows: the DELETE below then reads them by index
    of_changed = f" AND account_id IN (SELECT account_id FROM {changed})"
    _run(f"DELETE FROM {T['facts']} WHERE workspace_id = %(ws)s{of_changed}", params)
    _run(f"INSERT INTO {T['facts']} (workspace_id, {', '.join(FACTS.columns)}) {_facts_rows(of_changed)}", params)
    _run(f"DROP TABLE {changed}", {})


def _facts_rows(condition: str) -> str:
    """(workspace_id, *FACTS.columns) of the accounts with a won deal matching `condition`."""
    first_won = (
        "SELECT id, account_id, closed_at, closed_on, source_campaign_id,"
        " ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY closed_at, external_id) AS position"
        f" FROM {T['deal']} WHERE workspace_id = %(ws)s AND status = '{DealStatus.WON}'{condition}"
    )
    return (
        f"SELECT %(ws)s, w.account_id, {_first_touch('w.account_id')}, w.id, w.closed_at, w.closed_on,"
        f" w.source_campaign_id, a.is_target FROM ({first_won}) w JOIN {T['account']} a ON a.id = w.account_id"
        " WHERE w.position = 1"
    )


def _first_touch(account: str) -> str:
    """first_touch_at(account) of KPI_SPEC.md: the earliest touchpoint (its own or its leads'), lead or deal.

    Four minimums, each one read from an index; the account has a deal, so
    the last is never null (SQLite's MIN() of several values is null if any is).
    """
    ws = "workspace_id = %(ws)s"
    direct = f"(SELECT MIN(occurred_at) FROM {T['touchpoint']} WHERE {ws} AND account_id = {account})"
    # Per lead, its first touchpoint without an account of its own: one step along the (lead, occurred_at) index.
    lead_first = (
        f"(SELECT t.occurred_at FROM {T['touchpoint']} t WHERE t.workspace_id = %(ws)s AND t.lead_id = l.id"
        " AND t.account_id IS NULL ORDER BY t.occurred_at LIMIT 1)"
    )
    via_lead = (
        f"(SELECT MIN({lead_first}) FROM {T['lead']} l WHERE l.workspace_id = %(ws)s AND l.account_id = {account})"
    )
    lead = f"(SELECT MIN(created_at) FROM {T['lead']} WHERE {ws} AND account_id = {account})"
    deal = f"(SELECT MIN(created_at) FROM {T['deal']} WHERE {ws} AND account_id = {account})"
    if connection.vendor == "postgresql":
        return f"LEAST({direct}, {via_lead}, {lead}, {deal})"
    return f"MIN(COALESCE({direct}, {deal}), COALESCE({via_lead}, {deal}), COALESCE({lead}, {deal}), {deal})"


# ---------------------------------------------------------------- customers


def build_customer_days(workspace_id: int, span: Span) -> None:
    """Rebuild the customers gained and lost per day (`CustomerDay`), from the span's first day on.

    Per account, each won deal counts +1 from the day it closed and −1 from
    the day it churned; a day where that running count leaves 0 is a gain,
    one where it returns to 0 a loss. A deal changed in the span can move
    an account's gains and losses on any later day (a deal that never
    churns hides every later churn of the account), so a partial rebuild
    rewrites every day from the span's first, for the accounts with a deal
    closed or churned on one of them: its cost follows how far back the
    change is, not the length of the history.
    """
    later = span if span.everything else Span(span.first, date.max)
    won = f"workspace_id = %(ws)s AND status = '{DealStatus.WON}' AND closed_on IS NOT NULL"
    accounts = (
        ""
        if later.everything
        else f" AND account_id IN (SELECT account_id FROM {T['deal']} WHERE {won}"
        " AND (closed_on >= %(first)s OR churned_on >= %(first)s))"
    )
    # A deal churned the day it closed makes its account a customer at the end of no day.
    events = (
        f"SELECT account_id, closed_on AS day, 1 AS delta FROM {T['deal']}"
        f" WHERE {won} AND (churned_on IS NULL OR churned_on > closed_on){accounts}"
        f" UNION ALL SELECT account_id, churned_on, -1 FROM {T['deal']} WHERE {won} AND churned_on > closed_on{accounts}"
    )
    changes = (
        "SELECT day, SUM(delta) AS net, SUM(SUM(delta)) OVER (PARTITION BY account_id ORDER BY day) AS after"
        f" FROM ({events}) events GROUP BY account_id, day"
    )
    gained, lost = "net > 0 AND after = net", "net < 0 AND after = 0"
    CUSTOMER_DAYS.replace_span(
        workspace_id,
        later,
        "day",
        f"SELECT %(ws)s, day, {_count_if(gained)}, {_count_if(lost)} FROM ({changes}) changes"
        f" WHERE ({gained} OR {lost}){later.where('day')} GROUP BY day",
        later.params(workspace_id),
    )
