"""Local dates in the workspace's time zone, and the DataChange signal every write leaves."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.tenancy import workspace_scope
from campaigns.models import DataChange, Deal, Lead, Touchpoint


@pytest.fixture
def new_york(refs):
    refs.time_zone = "America/New_York"
    refs.save()
    return refs


def _last_change(workspace) -> tuple[date | None, date | None]:
    with workspace_scope(workspace):
        change = DataChange.objects.order_by("-id").first()
        return change.first_day, change.last_day


def _change_count(workspace) -> int:
    with workspace_scope(workspace):
        return DataChange.objects.count()


def test_local_dates_are_the_workspace_dates(new_york, api_client, post):
    # 04:30Z on 15 January is still 14 January in New York (UTC−5 in winter)…
    post(api_client, "touchpoints", {"external_id": "t", "kind": "page_view", "occurred_at": "2024-01-15T04:30:00Z"})
    # …but 04:30Z on 2 May is 00:30 on 2 May there (UTC−4 in summer).
    post(
        api_client,
        "leads",
        {"external_id": "l", "created_at": "2024-01-15T04:30:00Z", "mql_at": "2024-05-02T05:30:00+01:00"},
    )
    post(
        api_client,
        "deals",
        {
            "external_id": "d",
            "account": "base-account",
            "amount": 5,
            "status": "won",
            "created_at": "2024-03-10T04:59:00Z",
            "closed_at": "2024-11-03T03:59:00Z",
        },
    )
    with workspace_scope(new_york):
        assert Touchpoint.objects.get().occurred_on == date(2024, 1, 14)
        lead = Lead.objects.get(external_id="l")
        assert (lead.created_on, lead.mql_on) == (date(2024, 1, 14), date(2024, 5, 2))
        deal = Deal.objects.get()
        # 04:59Z on 10 March is 23:59 EST on the 9th; 03:59Z on 3 November is 23:59 EDT on the 2nd.
        assert (deal.created_on, deal.closed_on) == (date(2024, 3, 9), date(2024, 11, 2))


def test_the_same_instant_in_a_utc_workspace_is_the_utc_date(refs, api_client, post):
    post(api_client, "touchpoints", {"external_id": "t", "kind": "page_view", "occurred_at": "2024-01-15T04:30:00Z"})
    with workspace_scope(refs):
        assert Touchpoint.objects.get().occurred_on == date(2024, 1, 15)


def test_a_write_records_the_local_days_it_touched(new_york, api_client, post):
    before = _change_count(new_york)
    post(
        api_client,
        "touchpoints",
        [
            {"external_id": "a", "kind": "page_view", "occurred_at": "2024-01-15T04:30:00Z"},
            {"external_id": "b", "kind": "page_view", "occurred_at": "2024-01-20T12:00:00Z"},
        ],
    )
    assert _change_count(new_york) == before + 1
    assert _last_change(new_york) == (date(2024, 1, 14), date(2024, 1, 20))


def test_moving_a_row_records_its_old_and_new_days(new_york, api_client, post):
    post(api_client, "touchpoints", {"external_id": "a", "kind": "page_view", "occurred_at": "2024-05-10T12:00:00Z"})
    post(api_client, "touchpoints", {"external_id": "a", "kind": "page_view", "occurred_at": "2024-05-20T12:00:00Z"})
    assert _last_change(new_york) == (date(2024, 5, 10), date(2024, 5, 20))
    api_client.patch("/api/v1/touchpoints/a/", {"occurred_at": "2024-04-01T12:00:00Z"}, format="json")
    assert _last_change(new_york) == (date(2024, 4, 1), date(2024, 5, 20))
    api_client.delete("/api/v1/touchpoints/a/")
    assert _last_change(new_york) == (date(2024, 4, 1), date(2024, 4, 1))


@pytest.mark.parametrize(
    ("resource", "body", "days"),
    [
        ("spend", {"campaign": "base-campaign", "date": "2024-06-03", "cost": 5}, (date(2024, 6, 3), date(2024, 6, 3))),
        (
            "leads",
            {"external_id": "l", "created_at": "2024-06-01T12:00:00Z", "sqo_at": "2024-06-09T12:00:00Z"},
            (date(2024, 6, 1), date(2024, 6, 9)),
        ),
        (
            "deals",
            {
                "external_id": "d",
                "account": "base-account",
                "amount": 1,
                "status": "won",
                "created_at": "2024-06-01T12:00:00Z",
                "closed_at": "2024-06-05T12:00:00Z",
                "churned_at": "2024-08-01T12:00:00Z",
            },
            (date(2024, 6, 1), date(2024, 8, 1)),
        ),
    ],
)
def test_dated_resources_record_their_days(resource, body, days, new_york, api_client, post):
    before = _change_count(new_york)
    assert post(api_client, resource, body).status_code == 200
    assert _change_count(new_york) == before + 1
    assert _last_change(new_york) == days


def test_changes_that_reroute_other_rows_mark_every_date(refs, api_client, post):
    before = _change_count(refs)
    post(api_client, "campaigns", {"external_id": "c", "name": "C", "channel": "email"})
    post(api_client, "campaigns", {"external_id": "c", "name": "C renamed", "channel": "email"})
    assert _change_count(refs) == before  # nothing any KPI reads changed
    post(api_client, "campaigns", {"external_id": "c", "name": "C", "channel": "seo"})
    assert _change_count(refs) == before + 1
    assert _last_change(refs) == (None, None)  # every date: channel narrowing moves all its rows
    # A new target account has no touchpoints yet: nothing to recompute.
    post(api_client, "accounts", {"external_id": "a", "name": "A", "is_target": True})
    assert _change_count(refs) == before + 1
    # Leaving (or joining) the target list moves the account's engagement in or out of every date.
    post(api_client, "accounts", {"external_id": "a", "name": "A", "is_target": False})
    assert _change_count(refs) == before + 2
    assert _last_change(refs) == (None, None)


def test_a_deal_marks_its_leads_creation_day(refs, api_client, post):
    """Winning a deal converts its lead: the lead's cohort day (lead_to_customer_rate) changes."""
    lead = {"external_id": "l-conv", "created_at": "2024-03-10T12:00:00Z"}
    assert post(api_client, "leads", lead).status_code == 200
    deal = {"external_id": "d-conv", "account": "base-account", "lead": "l-conv", "amount": 5,
            "status": "won", "created_at": "2024-06-01T12:00:00Z", "closed_at": "2024-06-05T12:00:00Z"}  # fmt: skip
    assert post(api_client, "deals", deal).status_code == 200
    assert _last_change(refs) == (date(2024, 3, 10), date(2024, 6, 5))


def test_a_refused_request_records_nothing(refs, api_client, post):
    before = _change_count(refs)
    post(api_client, "touchpoints", [{"kind": "page_view", "occurred_at": "2024-05-01T00:00:00Z"}, {"kind": "x"}])
    assert _change_count(refs) == before
