"""Target accounts' engagement days, accounts' first touch and first won deal, customer days."""

from __future__ import annotations

from datetime import date

from django.db import connection

from campaigns.models import (
    DealStatus,
)
from kpis.queries import decayed_weight_sql, same_workspace, target_touches
from kpis.rollups.tables import (
    ACCOUNT_DAYS,
    CUSTOMER_DAYS,
    FACTS,
    Span,
    T,
    any_of,
    column_list,
    count_if,
    run,
)

# ---------------------------------------------------------------- accounts


def build_account_days(
    workspace_id: int, span: Span, weights: dict[str, float], reference_days: float, half_life_days: float
) -> None:
    """Rebuild the per-(target account, day) engagement touches and decayed weights of the span.

    A touchpoint's account is its account, else its lead's account (docs/kpis.md).
    Only target accounts have rows: the ABM KPIs are the only readers.
    """
    decayed, decay_params = decayed_weight_sql(weights, reference_days, half_life_days)
    ACCOUNT_DAYS.replace_span(
        workspace_id,
        span,
        "day",
        f"SELECT %(ws)s, t.occurred_on, a.id, COUNT(*), SUM({decayed})"
        f" {target_touches(probe_leads=connection.vendor == 'postgresql' and not span.everything)}"
        f"{span.where('t.occurred_on')}"
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
            (
                f"{T['touchpoint']} t WHERE {same_workspace('t', 'f')} AND t.account_id = f.account_id",
                f"t.{at_in_span}",
            ),
            (
                # Each lead's touchpoints probed by the lead (a join here would be hashed: every
                # touchpoint of the workspace, once per account).
                f"{T['lead']} l WHERE {same_workspace('l', 'f')} AND l.account_id = f.account_id",
                f"EXISTS (SELECT 1 FROM {T['touchpoint']} t WHERE {same_workspace('t', 'l')} AND t.lead_id = l.id"
                f" AND t.{at_in_span})",
            ),
            (
                f"{T['lead']} l WHERE {same_workspace('l', 'f')} AND l.account_id = f.account_id",
                f"l.created_on{in_span}",
            ),
            (
                f"{T['deal']} d WHERE {same_workspace('d', 'f')} AND d.account_id = f.account_id",
                f"(d.created_on{in_span} OR d.closed_on{in_span})",
            ),
        )
    )
    facts = f"SELECT f.account_id FROM {T['facts']} f WHERE f.workspace_id = %(ws)s"
    # The accounts to rebuild, read before any row changes (the DELETE below changes the rows they
    # come from). Data dated in the span can move
    # an account's first touch earlier only if it is not already before the span: most accounts active
    # today were first touched long ago, and the few others are found by index. Any other account's
    # facts stay as they are; the nightly full rebuild would mend one that drifted.
    params["changed"] = column_list(
        f"{facts} AND f.first_touch_at >= %(touched_from)s"
        f" AND (f.first_touch_at < %(touched_until)s OR {touched})"
        f" UNION {facts} AND f.first_won_on{in_span}"
        # A first won deal moves only to a deal won in the span, or from one that was (the old date is in it).
        f" UNION SELECT account_id FROM {T['deal']} WHERE workspace_id = %(ws)s"
        f" AND status = '{DealStatus.WON}' AND closed_on{in_span}",
        params,
    )
    of_changed = f" AND {any_of('account_id', 'changed')}"
    run(f"DELETE FROM {T['facts']} WHERE workspace_id = %(ws)s{of_changed}", params)
    FACTS.insert(_facts_rows(of_changed), params)


def _facts_rows(condition: str) -> str:
    """(workspace_id, *FACTS.columns) of the accounts with a won deal matching `condition`."""
    first_won = (
        "SELECT workspace_id, id, account_id, closed_at, closed_on, source_campaign_id,"
        " ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY closed_at, external_id) AS position"
        f" FROM {T['deal']} WHERE workspace_id = %(ws)s AND status = '{DealStatus.WON}'{condition}"
    )
    return (
        f"SELECT %(ws)s, w.account_id, {_first_touch('w')}, w.id, w.closed_at, w.closed_on,"
        f" w.source_campaign_id, a.is_target FROM ({first_won}) w"
        f" JOIN {T['account']} a ON a.workspace_id = w.workspace_id AND a.id = w.account_id"
        " WHERE a.workspace_id = %(ws)s AND w.position = 1"  # the constant too: Citus then routes to one shard
    )


def _first_touch(won: str) -> str:
    """first_touch_at of the account of row `won` (docs/kpis.md): the earliest touchpoint (its own or its
    leads'), lead or deal.

    Four minimums, each one read from an index; the account has a deal, so
    the last is never null (SQLite's MIN() of several values is null if any is).
    """
    account = f"{won}.account_id"
    direct = f"(SELECT MIN(t.occurred_at) FROM {T['touchpoint']} t WHERE {same_workspace('t', won)} AND t.account_id = {account})"
    # Per lead, its first touchpoint without an account of its own: one step along the (lead, occurred_at) index.
    # "No account of its own" checked on the lead's rows, not looked up (`+ 0`): without statistics the
    # planner took it for rare and ANDed the lead's index with the account index's every null entry.
    no_account = "t.account_id + 0 IS NULL" if connection.vendor == "postgresql" else "t.account_id IS NULL"
    lead_first = (
        f"(SELECT t.occurred_at FROM {T['touchpoint']} t WHERE {same_workspace('t', 'l')}"
        f" AND t.lead_id = l.id AND {no_account} ORDER BY t.occurred_at LIMIT 1)"
    )
    via_lead = (
        f"(SELECT MIN({lead_first}) FROM {T['lead']} l WHERE {same_workspace('l', won)} AND l.account_id = {account})"
    )
    lead = (
        f"(SELECT MIN(l.created_at) FROM {T['lead']} l WHERE {same_workspace('l', won)} AND l.account_id = {account})"
    )
    deal = (
        f"(SELECT MIN(d.created_at) FROM {T['deal']} d WHERE {same_workspace('d', won)} AND d.account_id = {account})"
    )
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
        f"SELECT %(ws)s, day, {count_if(gained)}, {count_if(lost)} FROM ({changes}) changes"
        f" WHERE ({gained} OR {lost}){later.where('day')} GROUP BY day",
        later.params(workspace_id),
    )
