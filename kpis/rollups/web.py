"""Web sessions and visitor days (each visitor-day with the visitor's previous day seen)."""

from __future__ import annotations

from datetime import date

from campaigns.models import (
    TouchpointKind,
)
from kpis.rollups.tables import SESSIONS, VISITOR_DAYS, VISITOR_GAPS, Span, T, any_of, column_list, run

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
    # The sessions with a page view in the span, and those that started in it (their first page view
    # may have moved or gone since), read before any row changes: each statement below reaches them
    # through the (session_id) indexes, not every session or touchpoint of the workspace's history.
    params["touched"] = column_list(
        f"SELECT session_id FROM {T['session']} WHERE workspace_id = %(ws)s{span.where('first_day')}"
        f" UNION {_SESSION_PAGE_VIEWS}{span.where('occurred_on')}",
        params,
    )
    of_touched = f" AND {any_of('session_id', 'touched')}"
    # Most of a busy day's sessions are as they were: only those that changed are written.
    return SESSIONS.replace_differing(
        workspace_id, _session_rows(f"({_page_views(of_touched)})"), params, of_touched, "first_day"
    )


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


# ---------------------------------------------------------------- visitors


def build_visitor_days(workspace_id: int, span: Span) -> None:
    """Rebuild the (visitor, day) rows of the span, the previous_day of the first row after it, and their gaps."""
    params = span.params(workspace_id)
    seen = (
        f"SELECT DISTINCT workspace_id, visitor_id, occurred_on AS day FROM {T['touchpoint']} WHERE workspace_id = %(ws)s"
        f" AND kind = '{TouchpointKind.PAGE_VIEW}' AND visitor_id <> ''{span.where('occurred_on')}"
    )
    ordered = f"SELECT workspace_id, visitor_id, day, LAG(day) OVER (PARTITION BY visitor_id ORDER BY day) AS lag_day FROM ({seen}) seen"
    if span.everything:
        VISITOR_DAYS.replace_all(workspace_id, f"SELECT %(ws)s, visitor_id, day, lag_day FROM ({ordered}) v", params)
        VISITOR_GAPS.replace_all(workspace_id, _gap_rows(""), params)
        return
    table = T["visitor_day"]
    # The visitors seen in the span before this rebuild or now, read before any row changes: the
    # first row after the span of each of them may point back into it.
    params["touched"] = column_list(
        f"SELECT visitor_id FROM {table} WHERE workspace_id = %(ws)s{span.where('day')}"
        f" UNION SELECT visitor_id FROM ({seen}) seen",
        params,
    )
    # Their last day before the span (the rows before it are not rewritten), for all of them in one
    # read joined by hash. Not a subquery per row: PostgreSQL answers MAX(day) by walking an index in day
    # order until the visitor's row comes, and on statistics that do not know the workspace (a new
    # client's) it walked the (workspace, day) index through the workspace's every earlier visitor day,
    # once per new visitor (6,000 of them in a day: 220 ms, growing with the history). Read once, the
    # worst plan reads that history once.
    before = (
        f"SELECT visitor_id, MAX(day) AS day FROM {table} WHERE workspace_id = %(ws)s"
        f" AND {any_of('visitor_id', 'touched')} AND day < %(first)s GROUP BY visitor_id"
    )
    VISITOR_DAYS.replace_differing(
        workspace_id,
        f"SELECT v.workspace_id, v.visitor_id, v.day, COALESCE(v.lag_day, b.day) FROM ({ordered}) v"
        f" LEFT JOIN ({before}) b ON b.visitor_id = v.visitor_id",
        params,
        span.where("day"),
    )
    later = []
    # Today's rebuild has no day after it: nothing to point back into it.
    if run(f"SELECT 1 FROM {table} WHERE workspace_id = %(ws)s AND day > %(last)s LIMIT 1", params):
        of_visitor = (
            f"p.workspace_id = %(ws)s AND p.workspace_id = {table}.workspace_id AND p.visitor_id = {table}.visitor_id"
        )
        later = run(
            f"UPDATE {table} SET previous_day = (SELECT MAX(p.day) FROM {table} p WHERE {of_visitor}"
            f" AND p.day < {table}.day) WHERE workspace_id = %(ws)s AND {any_of('visitor_id', 'touched')}"
            f" AND day = (SELECT MIN(p.day) FROM {table} p WHERE {of_visitor} AND p.day > %(last)s) RETURNING day",
            params,
        )
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
    run(f"DELETE FROM {T['visitor_gap']} WHERE workspace_id = %(ws)s AND {days}", params)
    VISITOR_GAPS.insert(_gap_rows(f" AND {days}"), params)
