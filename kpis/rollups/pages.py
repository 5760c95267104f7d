"""Page days: each page's views, entries and exits among the sessions of a day (docs/kpis.md, top pages).

A session's page views are dated by the session (its first page view's day,
as `WebSession`), so a page view on day d can change the rows of a session
that started before d: the days of the sessions that changed or have a page
view in the span are rebuilt with it. Entries and exits are the first and
last page view of a session in one total order (time, then external_id,
rows without one last, then id): two page views at the same instant never
make two entries.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from campaigns.models import TouchpointKind
from kpis.queries import outer_workspace
from kpis.rollups.tables import PAGE_DAYS, Span, T, run

PAGE_VIEW = f"kind = '{TouchpointKind.PAGE_VIEW}'"
# The order of a session's page views: its first is the entry, its last the exit (as `WebSession`).
ORDER = "occurred_at, external_id IS NULL, external_id, id"


def build_page_days(workspace_id: int, span: Span, session_days: set[date]) -> None:
    """Rebuild the page days of the span and of the sessions' days it changed (`session_days`, from the sessions)."""
    params = span.params(workspace_id)
    if span.everything:
        sessions = f"SELECT * FROM {T['touchpoint']} WHERE workspace_id = %(ws)s AND {PAGE_VIEW} AND session_id <> ''"
        PAGE_DAYS.replace_all(workspace_id, _page_rows(sessions, ""), params)
        return
    # A page view of the span can belong to a session of an earlier day, and an edited URL changes no
    # session row: the days of the sessions with a page view in the span are rebuilt too.
    page_views = f"FROM {T['touchpoint']} WHERE workspace_id = %(ws)s AND {PAGE_VIEW} AND session_id <> ''{span.where('occurred_on')}"
    if connection.vendor == "postgresql":
        # Each session probed by its key, as `_rebuild_days` reads them. Not `session_id = ANY(…)`: on
        # statistics that did not know the workspace, the planner read its sessions of every other day
        # by date and compared each with the array (20,000 × 490 sessions: 184 ms, growing with the history).
        sessions = (
            f"SELECT DISTINCT s.first_day FROM (SELECT DISTINCT workspace_id, session_id {page_views}) v"
            f" CROSS JOIN LATERAL (SELECT first_day FROM {T['session']} w WHERE {outer_workspace('w', 'v')}"
            " AND w.session_id = v.session_id OFFSET 0) s WHERE"
        )
    else:
        sessions = (
            f"SELECT DISTINCT first_day FROM {T['session']} s WHERE workspace_id = %(ws)s"
            f" AND session_id IN (SELECT session_id {page_views}) AND"
        )
    earlier = run(f"{sessions} s.first_day NOT BETWEEN %(first)s AND %(last)s", params)
    days = {row[0] for row in earlier} | {day for day in session_days if not span.first <= day <= span.last}
    for first, last in _ranges([(span.first, span.last), *((day, day) for day in days)]):
        _rebuild_days(workspace_id, Span(first, last))


def _ranges(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _rebuild_days(workspace_id: int, span: Span) -> None:
    """The page days of first..last: the page views of the sessions that started then, and those without a session."""
    params = span.params(workspace_id)
    # The sessions that started then (the sessions are rebuilt before the page days, and not written here).
    started = (
        f"SELECT workspace_id, session_id FROM {T['session']} WHERE workspace_id = %(ws)s{span.where('first_day')}"
    )
    if connection.vendor == "postgresql":
        # Each session's page views through the session index, as `build_sessions` reads them (OFFSET 0 keeps
        # the loop): the planner must not trade it for a scan of the workspace's every touchpoint.
        sessions = (
            f"SELECT pv.* FROM ({started}) s CROSS JOIN LATERAL (SELECT * FROM {T['touchpoint']} t"
            f" WHERE {outer_workspace('t', 's')} AND t.{PAGE_VIEW} AND t.session_id = s.session_id OFFSET 0) pv"
        )
    else:
        sessions = (
            f"SELECT * FROM {T['touchpoint']} WHERE workspace_id = %(ws)s AND {PAGE_VIEW} AND session_id <> ''"
            f" AND session_id IN (SELECT session_id FROM ({started}) s)"
        )
    PAGE_DAYS.replace_differing(
        workspace_id, _page_rows(sessions, span.where("occurred_on")), params, span.where("day")
    )


def _page_rows(sessions: str, sessionless_days: str) -> str:
    """(workspace_id, day, campaign_id, url, page_views, entries, exits) of the page views of `sessions`.

    `sessions` selects whole sessions' page views (all their columns); the page views without a
    session (on the days `sessionless_days` matches) count on their own day and campaign.
    """
    positioned = (
        "SELECT url, MIN(occurred_on) OVER (PARTITION BY session_id) AS day,"
        f" FIRST_VALUE(campaign_id) OVER (PARTITION BY session_id ORDER BY {ORDER}) AS campaign_id,"
        f" ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY {ORDER}) AS position,"
        f" COUNT(*) OVER (PARTITION BY session_id) AS length FROM ({sessions}) pv"
    )
    views = (
        "SELECT day, campaign_id, url, CASE WHEN position = 1 THEN 1 ELSE 0 END AS entry,"
        f" CASE WHEN position = length THEN 1 ELSE 0 END AS exit FROM ({positioned}) p"
        " UNION ALL SELECT occurred_on, campaign_id, url, 0, 0"
        f" FROM {T['touchpoint']} WHERE workspace_id = %(ws)s AND {PAGE_VIEW} AND session_id = ''{sessionless_days}"
    )
    return (
        "SELECT %(ws)s, day, campaign_id, url, COUNT(*), SUM(entry), SUM(exit)"
        f" FROM ({normalised_urls(views)}) v GROUP BY day, campaign_id, url"
    )


def _position(needle: str, haystack: str) -> str:
    """SQL: the 1-based position of `needle` in `haystack`, 0 when absent."""
    function = "strpos" if connection.vendor == "postgresql" else "instr"
    return f"{function}({haystack}, {needle})"


def _cut(text: str, mark: str) -> str:
    """SQL: `text` up to (without) the first `mark`."""
    found = _position(f"'{mark}'", f"{text} || '{mark}'")
    return f"substr({text}, 1, {found} - 1)"


def normalised_urls(rows: str) -> str:
    """`rows` (day, campaign_id, url, entry, exit) with each URL normalised (docs/kpis.md, top pages).

    Scheme and host lowercased, path kept as written; the query string and fragment dropped; a path's
    trailing slashes dropped, the root being "/" ("https://a.example" = "https://a.example/"); a URL
    without a scheme keeps its path alone; an empty URL stays empty. In stages, each computed once
    per row (OFFSET 0 keeps PostgreSQL from copying an expression into every reference of it).
    """
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    keep = "day, campaign_id, entry, exit"
    cut = f"SELECT {keep}, {_cut(_cut('url', '#'), '?')} AS url FROM ({rows}) r{fence}"
    scheme_at = _position("'://'", "url")
    scheme = f"SELECT {keep}, url, {scheme_at} AS scheme FROM ({cut}) c{fence}"
    # Where the path starts: after the host when there is a scheme, else at the first character.
    host_end = _position("'/'", "substr(url || '/', scheme + 3)")
    split = (
        f"SELECT {keep}, url, CASE WHEN scheme > 0 THEN scheme + 2 + {host_end} ELSE 1 END AS path_at"
        f" FROM ({scheme}) s{fence}"
    )
    parts = (
        f"SELECT {keep}, url, lower(substr(url, 1, path_at - 1)) AS origin,"
        f" rtrim(substr(url, path_at), '/') AS path FROM ({split}) p{fence}"
    )
    return (
        f"SELECT {keep}, CASE WHEN url = '' THEN '' WHEN path = '' THEN origin || '/' ELSE origin || path END AS url"
        f" FROM ({parts}) n"
    )
