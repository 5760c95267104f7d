"""What a batch accepts and refuses: always a 400 with index and field, never a 500."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from accounts.tenancy import workspace_scope
from campaigns import validation
from campaigns.models import Deal, SpendEntry, Touchpoint


def _errors(response):
    assert response.status_code == 400, response.content
    return [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.5", Decimal("12.50")),
        (12, Decimal("12.00")),
        (Decimal("0.10"), Decimal("0.10")),
        ("1e3", Decimal("1000.00")),
        (" 7.25 ", Decimal("7.25")),
    ],
)
def test_money_accepts_decimal_strings_and_numbers(value, expected):
    assert validation.money(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-0.01", "min_value"),
        ("12.345", "max_decimal_places"),
        ("1,000.00", "invalid"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        (True, "invalid_type"),
        ([], "invalid_type"),
        ("100000000000000", "max_value"),
    ],
)
def test_money_refuses(value, code):
    with pytest.raises(validation.Invalid) as caught:
        validation.money(value)
    assert caught.value.code == code


def test_naive_timestamps_are_refused_with_a_clear_message():
    with pytest.raises(validation.Invalid) as caught:
        validation.timestamp("2024-05-01T10:00:00")
    assert caught.value.code == "naive_timestamp"
    assert "UTC offset" in caught.value.message
    assert validation.timestamp("2024-05-01T10:00:00+02:00").isoformat() == "2024-05-01T08:00:00+00:00"
    assert validation.timestamp("2024-05-01T10:00:00Z").isoformat() == "2024-05-01T10:00:00+00:00"


@pytest.mark.parametrize("value", ["2024-5-1", "2024-02-30", "01/05/2024", "20240501", 20240501])
def test_dates_are_yyyy_mm_dd(value):
    with pytest.raises(validation.Invalid):
        validation.day(value)


def test_deal_rules(refs, api_client, post):
    base = {"external_id": "d", "account": "base-account", "amount": "10", "created_at": "2024-05-01T00:00:00Z"}
    response = post(
        api_client,
        "deals",
        [
            {**base, "external_id": "won-without-close", "status": "won"},
            {**base, "external_id": "lost-without-close", "status": "lost"},
            {**base, "external_id": "churned-open", "churned_at": "2024-06-01T00:00:00Z"},
            {
                **base,
                "external_id": "churned-lost",
                "status": "lost",
                "closed_at": "2024-05-02T00:00:00Z",
                "churned_at": "2024-06-01T00:00:00Z",
            },
            {**base, "external_id": "negative", "amount": "-5", "mrr": -1},
            {**base, "external_id": "open-with-close", "closed_at": "2024-05-02T00:00:00Z"},
            {
                **base,
                "external_id": "churn-before-close",
                "status": "won",
                "closed_at": "2024-05-10T00:00:00Z",
                "churned_at": "2024-05-09T00:00:00Z",
            },
            {
                **base,
                "external_id": "fine",
                "status": "won",
                "closed_at": "2024-05-10T00:00:00Z",
                "churned_at": "2024-07-01T00:00:00Z",
            },
        ],
    )
    assert _errors(response) == [
        (0, "closed_at", "required"),
        (1, "closed_at", "required"),
        (2, "churned_at", "invalid"),
        (3, "churned_at", "invalid"),
        (4, "amount", "min_value"),
        (4, "mrr", "min_value"),
        (5, "closed_at", "invalid"),
        (6, "churned_at", "invalid"),
    ]
    with workspace_scope(refs):
        assert not Deal.objects.exists()


def test_every_problem_is_reported_at_once(refs, api_client, post):
    response = post(
        api_client,
        "touchpoints",
        [
            {"kind": "page_view", "occurred_at": "2024-05-01T10:00:00Z"},
            {"kind": "page_view"},
            {"occurred_at": "yesterday", "campaign": "ghost", "colour": "blue"},
            "not an object",
            {"kind": "page_view", "occurred_at": "2024-05-01T10:00:00Z", "url": "javascript:alert(1)"},
            {"kind": "page_view", "occurred_at": "2024-05-01T10:00:00Z", "visitor_id": "nul\x00byte"},
        ],
    )
    assert _errors(response) == [
        (1, "occurred_at", "required"),
        (2, "kind", "required"),
        (2, "occurred_at", "invalid"),
        (2, "colour", "unknown_field"),
        (2, "campaign", "unknown_reference"),
        (3, None, "invalid_type"),
        (4, "url", "invalid"),
        (5, "visitor_id", "invalid"),
    ]
    with workspace_scope(refs):
        assert not Touchpoint.objects.exists()


def test_the_same_key_twice_in_one_request_is_refused(refs, api_client, post):
    spend = {"campaign": "base-campaign", "date": "2024-05-01", "cost": 1}
    assert _errors(post(api_client, "spend", [spend, {**spend, "cost": 2}])) == [(1, "campaign", "duplicate")]
    tp = {"external_id": "t1", "kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"}
    assert _errors(post(api_client, "touchpoints", [tp, tp])) == [(1, "external_id", "duplicate")]


def test_touchpoints_without_external_id_are_appended(refs, api_client, post):
    tp = {"kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z", "lead": "base-lead"}
    assert post(api_client, "touchpoints", [tp, tp]).json() == {"created": 2, "updated": 0}
    assert post(api_client, "touchpoints", tp).json() == {"created": 1, "updated": 0}
    with workspace_scope(refs):
        assert Touchpoint.objects.filter(external_id=None).count() == 3


def test_more_than_1000_objects_is_refused(refs, api_client, post):
    tp = {"kind": "email_open", "occurred_at": "2024-05-01T10:00:00Z"}
    assert _errors(post(api_client, "touchpoints", [tp] * 1001)) == [(None, None, "too_many")]
    assert post(api_client, "touchpoints", [tp] * 1000).json() == {"created": 1000, "updated": 0}


@pytest.mark.parametrize("body", ["{not json", "[1, 2", '"a string"', "42", "NaN"])
def test_a_body_that_is_not_objects_is_a_400_in_the_same_shape(body, refs, api_client):
    response = api_client.post("/api/v1/campaigns/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] is None


def test_only_json_is_accepted(refs, api_client):
    response = api_client.post(
        "/api/v1/campaigns/", data="external_id=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_money_keeps_its_exact_digits_and_renders_with_two_decimals(refs, api_client):
    body = '[{"campaign": "base-campaign", "date": "2024-05-01", "cost": 0.1}, {"campaign": "base-campaign", "date": "2024-05-02", "cost": "19.9"}]'
    assert api_client.post("/api/v1/spend/", data=body, content_type="application/json").status_code == 200
    with workspace_scope(refs):
        assert sorted(SpendEntry.objects.values_list("cost", flat=True)) == [Decimal("0.10"), Decimal("19.90")]
    costs = [r["cost"] for r in api_client.get("/api/v1/spend/").json()["results"]]
    assert costs == ["0.10", "19.90"]


def test_huge_numbers_are_400_not_500(refs, api_client, post):
    response = post(
        api_client,
        "spend",
        {"campaign": "base-campaign", "date": "2024-05-01", "cost": 1, "impressions": 2**70, "clicks": -1},
    )
    assert _errors(response) == [(0, "impressions", "max_value"), (0, "clicks", "min_value")]
    response = post(api_client, "accounts", {"external_id": "x", "name": "X", "employees": 2**40})
    assert _errors(response) == [(0, "employees", "max_value")]


def test_out_of_range_timestamps_are_400_not_500(refs, api_client, post):
    response = post(
        api_client,
        "leads",
        {"external_id": "l", "created_at": "9999-12-31T23:59:59-14:00", "mql_at": "0001-01-01T00:00:00+14:00"},
    )
    assert _errors(response) == [(0, "created_at", "out_of_range"), (0, "mql_at", "out_of_range")]


def test_read_only_fields_sent_back_from_a_get_are_ignored(refs, api_client, post):
    post(api_client, "campaigns", {"external_id": "c", "name": "C", "channel": "seo"})
    shown = api_client.get("/api/v1/campaigns/c/").json()
    response = api_client.post(
        "/api/v1/campaigns/", data=json.dumps({**shown, "name": "C2"}), content_type="application/json"
    )
    assert response.json() == {"created": 0, "updated": 1}


def test_a_url_python_cannot_split_is_a_400_not_a_500(refs, api_client, post):
    tp = {"kind": "page_view", "occurred_at": "2024-05-01T10:00:00Z", "url": "http://[::1/pricing"}
    assert _errors(post(api_client, "touchpoints", tp)) == [(0, "url", "invalid")]
    with workspace_scope(refs):
        assert not Touchpoint.objects.filter(kind="page_view").exists()
