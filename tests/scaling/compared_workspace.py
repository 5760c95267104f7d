"""One generated workspace, recomputed, written to and recomputed again, dumped as JSON (issue 22).

`compared_dump()` builds it in the current database and returns what the
comparison test sets side by side for plain PostgreSQL and Citus: every row
of the nine rollup tables, after the full rebuild and after the writes with
their one-day recomputes, and the KPI API's answers. Nothing in the dump may
depend on the database it came from: surrogate ids, workspace ids and the
ids of campaigns, accounts and deals are replaced by external ids, and
floats are rounded to 12 significant digits (a float sum's order, so its
last bits, differs between a single node and shards).

Run as a script against another database (the test does, for plain PostgreSQL):

    DATABASE_URL=postgres://…/db python -m tests.scaling.compared_workspace --migrate OUT.json

Everything happens in a transaction rolled back at the end, as in a test, so
the database is left as it was (migrated).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 7
TIME_ZONE = "America/New_York"
SLUG = "compared"
# 12 campaigns and 90 days: every kind of row (won and churned deals, target accounts, sessions) in
# ~4,000 touchpoints, small enough for the whole comparison to stay well under a minute.
SCALE = {"campaigns": 12, "accounts": 60, "leads": 400, "deals": 60, "touchpoints": 4_000, "days": 90}
SIGNIFICANT = 12

Rows = list[list[Any]]


def stable(value: Any) -> Any:
    """A JSON value equal on both databases for equal data (floats to SIGNIFICANT digits)."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT}g}")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: stable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [stable(item) for item in value]
    return value


def _sort_key(row: list[Any]) -> tuple:
    # None first, then the value, so rows with a null key column sort without comparing None to a date.
    return tuple((cell is not None, cell) for cell in row)


def rollup_tables() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each rollup table: (its columns but workspace_id and id, its key among them)."""
    from kpis.models import ROLLUPS
    from kpis.rollups import tables

    defined = [value for value in vars(tables).values() if isinstance(value, tables.Rollup)]
    found = {rollup.table: (rollup.columns, rollup.key) for rollup in defined}
    missing = {model._meta.db_table for model in ROLLUPS} - set(found)
    if missing:
        raise LookupError(f"rollup tables without a Rollup definition: {sorted(missing)}")
    return {model._meta.db_table: found[model._meta.db_table] for model in ROLLUPS}


def _external_ids(workspace) -> dict[str, dict[int, str]]:
    """Id → external id of the rows the rollups refer to by id."""
    from campaigns.models import Account, Campaign, Deal

    return {
        name: dict(model.objects.unscoped().filter(workspace=workspace).values_list("id", "external_id"))
        for name, model in (("campaign", Campaign), ("account", Account), ("deal", Deal))
    }


def _referenced(column: str) -> str | None:
    """Which table an id column refers to (campaign_id, first_won_campaign_id, …), None for data columns."""
    for name in ("campaign", "account", "deal"):
        if column.endswith(f"{name}_id"):
            return name
    return None


def rollup_rows(workspace) -> dict[str, Rows]:
    """Every rollup row of the workspace, ids as external ids, sorted by the table's key."""
    from django.db import connection

    from accounts.tenancy import workspace_scope

    names = _external_ids(workspace)
    dumped = {}
    with workspace_scope(workspace), connection.cursor() as cursor:
        for table, (columns, key) in rollup_tables().items():
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE workspace_id = %s", [workspace.pk])
            refs = [_referenced(column) for column in columns]
            rows = [
                stable([cell if ref is None or cell is None else names[ref][cell] for cell, ref in zip(row, refs)])
                for row in cursor.fetchall()
            ]
            order = [columns.index(column) for column in key]
            dumped[table] = sorted(rows, key=lambda row: _sort_key([row[i] for i in order] + row))
    return dumped


def _workspace(now: datetime):
    from accounts.models import Agency, Workspace
    from accounts.services import api_key_create
    from sampledata.scales import Scale
    from sampledata.seeding import seed_workspace

    agency = Agency.objects.create(name="Compared Agency", slug="compared-agency")
    workspace = Workspace.objects.create(agency=agency, name="Compared", slug=SLUG, time_zone=TIME_ZONE)
    seed_workspace(workspace=workspace, scale=Scale(**SCALE), seed=SEED, until=now)
    return workspace, api_key_create(workspace=workspace, name="compared")[1]


class Api:
    """The workspace's API through Django's test client, with its key; a write must succeed."""

    def __init__(self, key: str) -> None:
        from rest_framework.test import APIClient

        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def get(self, path: str, **params: str) -> Any:
        response = self.client.get(path, params)
        if response.status_code != 200:
            raise AssertionError(f"GET {path} {params}: {response.status_code} {response.content[:300]!r}")
        return response.json()

    def write(self, method: str, path: str, body: Any = None) -> None:
        response = getattr(self.client, method)(path, body, format="json")
        if response.status_code >= 300:
            raise AssertionError(f"{method.upper()} {path}: {response.status_code} {response.content[:300]!r}")


def _writes(workspace, api: Api, today: date) -> Iterator[str]:
    """Writes through the API, one at a time; yields a label after each (its one-day recompute follows)."""
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign, Deal, DealStatus, Touchpoint

    with workspace_scope(workspace):
        campaigns = list(Campaign.objects.order_by("external_id").values_list("external_id", flat=True))
        day = today - timedelta(days=3)
        movable = (
            Touchpoint.objects.filter(occurred_on=day, external_id__isnull=False)
            .exclude(campaign__external_id=campaigns[0])
            .order_by("external_id")
            .values_list("external_id", flat=True)
        )
        # Anonymous ones (web and campaign counts), and ones of a lead (its attribution too).
        anonymous = list(movable.filter(lead=None, account=None)[:5])
        of_leads = list(movable.exclude(lead=None)[:3])
        open_deal = Deal.objects.filter(status=DealStatus.OPEN).order_by("external_id").first()
        won_deal = Deal.objects.filter(status=DealStatus.WON).order_by("-closed_at", "external_id").first()
    for moved, whose in ((anonymous, "anonymous"), (of_leads, "leads'")):
        for external_id in moved:
            api.write("patch", f"/api/v1/touchpoints/{external_id}/", {"campaign": campaigns[0]})
        yield f"{len(moved)} {whose} touchpoints of {day} moved to campaign {campaigns[0]}"
    noon = f"{today - timedelta(days=1)}T15:00:00Z"
    page_views = [
        {"kind": "page_view", "occurred_at": noon, "campaign": campaigns[1], "visitor_id": f"cmp-v{i % 2}",
         "session_id": "cmp-s1", "url": f"https://www.{SLUG}.example/compared/{i}"}
        for i in range(3)
    ]  # fmt: skip
    api.write("post", "/api/v1/touchpoints/", page_views)
    yield "a new session of 3 page views yesterday"
    if open_deal is not None:
        api.write("patch", f"/api/v1/deals/{open_deal.external_id}/", {"status": "won", "closed_at": noon})
        yield f"open deal {open_deal.external_id} won yesterday"
    if won_deal is not None:
        api.write("patch", f"/api/v1/deals/{won_deal.external_id}/", {"amount": "12345.67", "mrr": "321.09"})
        yield f"won deal {won_deal.external_id} re-priced"
    stat = {"campaign": campaigns[2], "date": str(today - timedelta(days=2))}
    api.write("post", "/api/v1/email-stats/", {**stat, "sent": 900, "bounces": 12, "unique_opens": 300})
    api.write("post", "/api/v1/web-stats/", {**stat, "sessions": 80, "page_views": 200, "users": 60})
    api.write("post", "/api/v1/social-stats/", {**stat, "engagements": 45})
    yield "email, web and social stats of one campaign two days ago"


def _ranges(today: date, first: date) -> dict[str, tuple[date, date]]:
    return {
        "today": (today, today),
        "last_7": (today - timedelta(days=6), today),
        "last_30": (today - timedelta(days=29), today),
        "previous_month": ((today.replace(day=1) - timedelta(days=1)).replace(day=1), today.replace(day=1) - timedelta(days=1)),
        "everything": (first, today),
    }  # fmt: skip


TIMESERIES = (
    "spend", "leads", "mqls", "won_revenue", "cpl", "mrr", "active_customers", "sessions", "unique_visitors",
    "new_visitors", "open_rate", "mqas", "win_rate", "pipeline_velocity",
)  # fmt: skip


def api_answers(workspace, key: str, today: date, first: date) -> dict[str, Any]:
    """The KPI API's answers for several ranges, scopes, grains, metrics and attribution models."""
    from kpis import api as kpis_api
    from kpis import forecasts

    api = Api(key)
    ranges = _ranges(today, first)
    campaigns = _some_campaigns(workspace)
    scopes = {"workspace": {}, **{f"campaign {c}": {"campaign": c} for c in campaigns}}
    scopes.update({f"channel {ch}": {"channel": ch} for ch in _some_channels(workspace)})
    calls: dict[str, Callable[[], Any]] = {}
    for name, (a, b) in ranges.items():
        for scope, extra in scopes.items():
            calls[f"kpis {name} {scope}"] = lambda a=a, b=b, extra=extra: api.get(
                "/api/v1/kpis/", **{"from": str(a), "to": str(b)}, **extra
            )
        for model in kpis_api.ATTRIBUTION_MODELS:
            calls[f"attribution {model} {name}"] = lambda a=a, b=b, model=model: api.get(
                "/api/v1/kpis/attribution/", model=model, **{"from": str(a), "to": str(b)}
            )
        calls[f"pages {name}"] = lambda a=a, b=b: api.get("/api/v1/kpis/pages/", **{"from": str(a), "to": str(b)})
    for metric in TIMESERIES:
        for grain in ("day", "week", "month"):
            calls[f"timeseries {metric} {grain}"] = lambda metric=metric, grain=grain: api.get(
                "/api/v1/kpis/timeseries/", metric=metric, grain=grain, **{"from": str(first), "to": str(today)}
            )
    for scope, extra in list(scopes.items())[1:]:
        calls[f"timeseries leads week {scope}"] = lambda extra=extra: api.get(
            "/api/v1/kpis/timeseries/", metric="leads", grain="week", **{"from": str(first), "to": str(today)}, **extra
        )
    for days_back in (0, 3, 30, 60):
        at = str(today - timedelta(days=days_back))
        calls[f"accounts at {at}"] = lambda at=at: api.get("/api/v1/kpis/accounts/", at=at)
    for kpi in forecasts.FORECAST_KPIS:
        for horizon in forecasts.HORIZONS:
            calls[f"forecast {kpi} {horizon}"] = lambda kpi=kpi, horizon=horizon: api.get(
                "/api/v1/kpis/forecast/", kpi=kpi, horizon=horizon
            )
    return {label: stable(call()) for label, call in calls.items()}


def _some_campaigns(workspace) -> list[str]:
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign

    with workspace_scope(workspace):
        ids = list(Campaign.objects.order_by("external_id").values_list("external_id", flat=True))
    return [ids[0], ids[len(ids) // 2]]


def _some_channels(workspace) -> list[str]:
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign

    with workspace_scope(workspace):
        return sorted(set(Campaign.objects.values_list("channel", flat=True)))[:3]


def compared_dump(now: datetime) -> dict[str, Any]:
    """Generate, rebuild, write and recompute in the current database at `now` (frozen); the dump.

    Run it inside a transaction: the writes' recomputes are run here, one per
    write, not by the after-commit listener, so both databases do the same.
    """
    import time_machine

    from kpis.services import recompute_pending_changes, workspace_kpis_rebuild

    with time_machine.travel(now, tick=False):
        workspace, key = _workspace(now)
        workspace_kpis_rebuild(workspace.pk)  # also consumes the changes the generated rows recorded
        today = now.astimezone(workspace.tz).date()
        first = today - timedelta(days=SCALE["days"] - 1)
        dump: dict[str, Any] = {"full rebuild": rollup_rows(workspace), "writes": []}
        for label in _writes(workspace, Api(key), today):
            result = recompute_pending_changes(workspace_id=workspace.pk)
            if result is None or result.full:
                raise AssertionError(f"{label}: expected a recompute of its dates, got {result}")
            dump["writes"].append([label, [[str(a), str(b)] for a, b in result.ranges]])
        dump["after writes"] = rollup_rows(workspace)
        dump["api"] = api_answers(workspace, key, today, first)
    dump["database"] = database_kind()
    return dump


def database_kind() -> dict[str, object]:
    """Which kind of database the dump came from (not compared: the test checks each side is what it should be)."""
    from django.db import connection

    from accounts.rls import citus_installed

    with connection.cursor() as cursor:
        if not citus_installed(cursor):
            return {"citus": False}
        cursor.execute(
            "SELECT count(*) FROM pg_dist_partition WHERE partmethod = 'h' AND logicalrelid::text = ANY(%s)",
            [list(rollup_tables())],
        )
        return {"citus": True, "distributed rollup tables": cursor.fetchone()[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="where to write the JSON dump")
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import setup_test_environment

    from tests.clock import SEEDED_NOW

    setup_test_environment()  # the test client's host, locmem mail: as under pytest
    if args.migrate:
        call_command("migrate", verbosity=0)
    with transaction.atomic():
        dump = compared_dump(SEEDED_NOW)
        transaction.set_rollback(True)
    with open(args.out, "w") as out:
        json.dump(dump, out, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
