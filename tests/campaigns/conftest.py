"""Per-resource samples for the ingestion API tests, and helpers to call it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from accounts.tenancy import workspace_scope
from campaigns import services
from campaigns.resources import RESOURCES


@dataclass(frozen=True)
class Sample:
    """How to make valid objects of one resource, change them, and break them."""

    resource: str
    make: Callable[[int], dict[str, Any]]
    # A field changed by an upsert / PATCH, and its new value as the API renders it.
    change: tuple[str, Any, Any]
    # A field made invalid.
    invalid: tuple[str, Any]
    # The reference field to point elsewhere, and the resource it names (None: no references).
    reference: tuple[str, str] | None = None
    key_fields: tuple[str, ...] = ("external_id",)
    extra: dict[str, Any] = field(default_factory=dict)

    def path(self, obj: dict[str, Any]) -> str:
        from urllib.parse import quote

        return f"/api/v1/{self.resource}/" + "/".join(quote(str(obj[k]), safe="") for k in self.key_fields) + "/"


SAMPLES = {
    "campaigns": Sample(
        "campaigns",
        lambda i: {"external_id": f"cmp-{i}", "name": f"Campaign {i}", "channel": "email", "budget": "1000"},
        change=("name", "Renamed", "Renamed"),
        invalid=("channel", "carrier_pigeon"),
    ),
    "spend": Sample(
        "spend",
        lambda i: {"campaign": "base-campaign", "date": f"2024-05-{i + 1:02d}", "cost": 10.5, "clicks": 3},
        change=("cost", "99.9", "99.90"),
        invalid=("cost", "-1.00"),
        reference=("campaign", "campaign"),
        key_fields=("campaign", "date"),
    ),
    "accounts": Sample(
        "accounts",
        lambda i: {"external_id": f"acc-{i}", "name": f"Account {i}", "domain": f"a{i}.example", "is_target": False},
        change=("employees", 250, 250),
        invalid=("employees", -3),
    ),
    "leads": Sample(
        "leads",
        lambda i: {
            "external_id": f"lead-{i}",
            "email": f"lead{i}@example.com",
            "account": "base-account",
            "source_campaign": "base-campaign",
            "created_at": "2024-05-01T10:00:00Z",
        },
        change=("mql_at", "2024-05-03T12:00:00+02:00", "2024-05-03T10:00:00Z"),
        invalid=("created_at", "2024-05-01T10:00:00"),
        reference=("account", "account"),
    ),
    "deals": Sample(
        "deals",
        lambda i: {
            "external_id": f"deal-{i}",
            "account": "base-account",
            "lead": "base-lead",
            "amount": "1200.00",
            "mrr": 100,
            "created_at": "2024-05-01T10:00:00Z",
        },
        change=("amount", 1500.5, "1500.50"),
        invalid=("amount", "12.345"),
        reference=("account", "account"),
    ),
    "touchpoints": Sample(
        "touchpoints",
        lambda i: {
            "external_id": f"tp-{i}",
            "kind": "page_view",
            "occurred_at": "2024-05-01T10:00:00Z",
            "campaign": "base-campaign",
            "lead": "base-lead",
            "visitor_id": f"v{i}",
            "session_id": "s1",
            "url": "https://example.com/pricing",
        },
        change=("kind", "form_submit", "form_submit"),
        invalid=("kind", "telepathy"),
        reference=("campaign", "campaign"),
    ),
}


def seed_references(workspace, suffix: str = "") -> None:
    """A campaign, an account and a lead for other objects to refer to."""
    services.campaign_upsert_batch(
        workspace=workspace, items=[{"external_id": f"base-campaign{suffix}", "name": "Base", "channel": "email"}]
    )
    services.account_upsert_batch(workspace=workspace, items=[{"external_id": f"base-account{suffix}", "name": "Base"}])
    services.lead_upsert_batch(
        workspace=workspace,
        items=[
            {
                "external_id": f"base-lead{suffix}",
                "account": f"base-account{suffix}",
                "created_at": "2024-04-01T00:00:00Z",
            }
        ],
    )


@pytest.fixture
def refs(workspace):
    seed_references(workspace)
    return workspace


@pytest.fixture
def other_refs(other_workspace):
    seed_references(other_workspace, suffix="-other")
    return other_workspace


@pytest.fixture
def post():
    def post(client, resource: str, body: Any, **headers):
        return client.post(f"/api/v1/{resource}/", data=json.dumps(body), content_type="application/json", **headers)

    return post


@pytest.fixture
def count():
    def count(workspace, resource: str) -> int:
        """Objects of `resource` in `workspace`, leaving out the seeded base-… references."""
        model = RESOURCES[resource].write.model
        with workspace_scope(workspace):
            if resource == "spend":
                return model.objects.count()
            return model.objects.exclude(external_id__startswith="base-").count()

    return count
