"""Loads a workspace in the ingestion API's shapes (the worked example in ../shared/kpi_examples/workspace.json) with the ORM.

A test helper standing in for the ingestion API: it writes the rows and their
local dates the way ingestion does (campaigns.dates.local_date in the
workspace's time zone).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from campaigns.dates import local_date
from campaigns.models import Account, Campaign, Deal, Lead, SpendEntry, Touchpoint


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def load_workspace_data(workspace: Workspace, data: dict) -> None:
    tz = workspace.tz
    with workspace_scope(workspace):
        campaigns = {
            row["external_id"]: Campaign.objects.create(
                external_id=row["external_id"],
                name=row["name"],
                channel=row["channel"],
                is_abm=row.get("is_abm", False),
                starts_on=date.fromisoformat(row["starts_on"]) if row.get("starts_on") else None,
                ends_on=date.fromisoformat(row["ends_on"]) if row.get("ends_on") else None,
                budget=Decimal(row["budget"]) if row.get("budget") is not None else None,
            )
            for row in data.get("campaigns", [])
        }
        accounts = {
            row["external_id"]: Account.objects.create(
                external_id=row["external_id"],
                name=row["name"],
                domain=row.get("domain", ""),
                industry=row.get("industry", ""),
                employees=row.get("employees"),
                is_target=row.get("is_target", False),
            )
            for row in data.get("accounts", [])
        }
        leads = {}
        for row in data.get("leads", []):
            stamps = {name: _moment(row.get(f"{name}_at")) for name in ("created", "mql", "sql", "sqo")}
            leads[row["external_id"]] = Lead.objects.create(
                external_id=row["external_id"],
                email=row.get("email", ""),
                account=accounts.get(row.get("account")),
                source_campaign=campaigns.get(row.get("source_campaign")),
                **{f"{name}_at": stamp for name, stamp in stamps.items()},
                **{f"{name}_on": local_date(stamp, tz) for name, stamp in stamps.items()},
            )
        for row in data.get("deals", []):
            stamps = {name: _moment(row.get(f"{name}_at")) for name in ("created", "closed", "churned")}
            Deal.objects.create(
                external_id=row["external_id"],
                account=accounts[row["account"]],
                lead=leads.get(row.get("lead")),
                source_campaign=campaigns.get(row.get("source_campaign")),
                name=row.get("name", ""),
                amount=Decimal(str(row["amount"])),
                mrr=Decimal(str(row.get("mrr") or 0)),
                status=row["status"],
                **{f"{name}_at": stamp for name, stamp in stamps.items()},
                **{f"{name}_on": local_date(stamp, tz) for name, stamp in stamps.items()},
            )
        SpendEntry.objects.bulk_create(
            SpendEntry(
                workspace=workspace,
                campaign=campaigns[row["campaign"]],
                date=date.fromisoformat(row["date"]),
                cost=Decimal(str(row["cost"])),
                impressions=row.get("impressions", 0),
                clicks=row.get("clicks", 0),
            )
            for row in data.get("spend", [])
        )
        touchpoints = []
        for row in data.get("touchpoints", []):
            occurred_at = _moment(row["occurred_at"])
            touchpoints.append(
                Touchpoint(
                    workspace=workspace,
                    external_id=row.get("external_id"),
                    kind=row["kind"],
                    occurred_at=occurred_at,
                    occurred_on=local_date(occurred_at, tz),
                    campaign=campaigns.get(row.get("campaign")),
                    lead=leads.get(row.get("lead")),
                    account=accounts.get(row.get("account")),
                    visitor_id=row.get("visitor_id") or "",
                    session_id=row.get("session_id") or "",
                    url=row.get("url") or "",
                )
            )
        Touchpoint.objects.bulk_create(touchpoints)
