"""Active customers at the start and the end of a period, and those that churned (workspace-wide)."""

from __future__ import annotations

from django.db import connection

from campaigns.models import Deal, DealStatus
from kpis.models import CustomerDay
from kpis.queries import among
from kpis.reads.scope import Scope
from kpis.reads.spans import each_period


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    """Customers at the start and the end of P, and those of the start that are not at the end (workspace-wide).

    The two counts are running sums of `CustomerDay`; the churned customers
    are looked for among the accounts with a deal churned in P only (no other
    can be a customer at the start and not at the end), by their deals.
    """
    deals = f"{Deal._meta.db_table} WHERE workspace_id = %(ws)s AND status = %(won)s"
    active_at_end = "closed_on <= %(last)s AND (churned_on IS NULL OR churned_on > %(last)s)"
    active_at_start = "closed_on < %(first)s AND (churned_on IS NULL OR churned_on >= %(first)s)"
    in_range = "churned_on BETWEEN %(first)s AND %(last)s"
    churning = among("account_id", f"SELECT account_id FROM {deals} AND {in_range}")  # noqa: S608
    churned = (
        f"SELECT COUNT(*) FROM (SELECT account_id FROM {deals} AND {churning} GROUP BY account_id"  # noqa: S608
        f" HAVING MAX(CASE WHEN {active_at_start} THEN 1 ELSE 0 END) = 1"
        f" AND MAX(CASE WHEN {active_at_end} THEN 1 ELSE 0 END) = 0) churned"
    )
    sql = (
        f"SELECT SUM(gained - lost), SUM(CASE WHEN day < %(first)s THEN gained - lost ELSE 0 END), ({churned})"  # noqa: S608
        f" FROM {CustomerDay._meta.db_table} WHERE workspace_id = %(ws)s AND day <= %(last)s"
    )
    params = {"ws": workspace.pk, "won": DealStatus.WON, "first": first_day, "last": last_day}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        active, at_start, churned_count = cursor.fetchone()
    return {
        "active_customers": int(active or 0),
        "active_at_start": int(at_start or 0),
        "churned_customers": int(churned_count or 0),
    }


# Per-account flags at both ends of each period: one query per period (charts cap their points).
many = each_period(one)
