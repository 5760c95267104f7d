"""Issue 14: no number, nesting, NUL byte or setting sent by a client can freeze a worker or cause a 500."""

from __future__ import annotations

import importlib
import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from accounts.models import DEFAULT_ENGAGEMENT_WEIGHTS, MAX_SETTING_DAYS, Workspace
from accounts.tenancy import workspace_scope
from campaigns import validation
from campaigns.parsers import MAX_JSON_DEPTH, MAX_JSON_VALUES, MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT
from kpis.models import KpiState
from tests.data_factories import AccountFactory, CampaignFactory, TouchpointFactory

HUGE = "1e1000000"  # a million-digit integer once converted: ~26 s of CPU
ACCOUNT = '{"external_id":"acc-1","name":"Acme","employees":@}'


def _post_raw(client, resource: str, body: str):
    client.post(f"/api/v1/{resource}/", data="{", content_type="application/json")  # URLconf and views loaded
    # CPU time of this process: what a huge number would cost the parser, not the wait for a busy machine.
    started = time.process_time()
    response = client.post(f"/api/v1/{resource}/", data=body, content_type="application/json")
    return response, time.process_time() - started


def _parse_error(response) -> str:
    assert response.status_code == 400, response.content[:300]
    [error] = response.json()["errors"]
    assert (error["index"], error["field"], error["code"]) == (None, None, "parse_error")
    return error["message"]


# 1. Numbers are bounded before anything converts them.


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("spend", '{"campaign":"a1-camp-1","date":"2026-11-03","cost":"1","impressions":@}'),
        ("spend", '{"campaign":"a1-camp-1","date":"2026-11-03","cost":"1","clicks":@}'),
        ("spend", '{"campaign":"a1-camp-1","date":"2026-11-03","cost":@}'),
        ("accounts", ACCOUNT),
        ("deals", '[{"external_id":"d-1","account":"a","amount":@,"created_at":"2024-05-01T10:00:00Z"}]'),
    ],
)
def test_a_huge_exponent_is_a_prompt_400(api_client, workspace, resource, body):
    with workspace_scope(workspace):
        CampaignFactory(workspace=workspace, external_id="a1-camp-1")
    response, elapsed = _post_raw(api_client, resource, body.replace("@", HUGE))
    assert elapsed < 1
    message = _parse_error(response)
    assert f"at most {MAX_NUMBER_DIGITS} digits" in message and f"{MAX_NUMBER_EXPONENT}" in message


@pytest.mark.parametrize(
    "number", ["1" * (MAX_NUMBER_DIGITS + 1), "0." + "0" * MAX_NUMBER_DIGITS + "1", f"1e{MAX_NUMBER_EXPONENT + 1}"]
)
def test_numbers_past_the_parser_bounds_are_refused(api_client, workspace, number):
    response, _ = _post_raw(api_client, "accounts", ACCOUNT.replace("@", number))
    assert "digits" in _parse_error(response)


def test_numbers_within_the_parser_bounds_reach_the_field_checks(api_client, workspace):
    body = ACCOUNT.replace("@", f"1.0e{MAX_NUMBER_EXPONENT}")
    response, _ = _post_raw(api_client, "accounts", body)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("employees", "max_value")]
    ok, _ = _post_raw(api_client, "accounts", ACCOUNT.replace("@", "2.50e2"))
    assert ok.status_code == 200, ok.json()
    assert api_client.get("/api/v1/accounts/acc-1/").json()["employees"] == 250


@pytest.mark.parametrize(
    "value", [Decimal(HUGE), Decimal("-" + HUGE), Decimal("1e999999999999999"), Decimal("9.3e18"), 2**64]
)
def test_integer_refuses_huge_values_without_converting_them(value):
    parse = validation.integer(validation.MAX_BIGINT)
    started = time.process_time()
    with pytest.raises(validation.Invalid) as caught:
        parse(value)
    assert time.process_time() - started < 0.1
    assert caught.value.code in ("max_value", "min_value")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (Decimal(HUGE), "max_value"),
        (HUGE, "max_value"),
        ("1e-999999999999999", "max_decimal_places"),
        ("1" * 100_000, "max_length"),
        (" " * 100_000 + "1", "max_length"),
    ],
)
def test_money_refuses_huge_values_promptly(value, code):
    started = time.process_time()
    with pytest.raises(validation.Invalid) as caught:
        validation.money(value)
    assert time.process_time() - started < 0.1
    assert caught.value.code == code


def test_timestamp_refuses_long_text_by_its_length():
    with pytest.raises(validation.Invalid) as caught:
        validation.timestamp("2024-05-01T10:00:00" + "0" * 100_000 + "Z")
    assert caught.value.code == "max_length"


# 2. Nesting is bounded.


def test_deeply_nested_arrays_are_a_400(api_client, workspace):
    response, elapsed = _post_raw(api_client, "campaigns", "[" * 100_000 + "]" * 100_000)
    assert elapsed < 1
    assert f"at most {MAX_JSON_VALUES:,} values" in _parse_error(response)  # 100,000 arrays
    response, elapsed = _post_raw(api_client, "campaigns", "[" * 40_000 + "]" * 40_000)
    assert elapsed < 1
    assert f"more than {MAX_JSON_DEPTH} levels" in _parse_error(response)


def test_a_deeply_nested_patch_is_a_400_and_changes_nothing(api_client, workspace):
    with workspace_scope(workspace):
        CampaignFactory(workspace=workspace, external_id="c-1", name="Spring")
    body = '{"name":' + "[" * 3000 + "]" * 3000 + "}"
    response = api_client.patch("/api/v1/campaigns/c-1/", data=body, content_type="application/json")
    assert f"more than {MAX_JSON_DEPTH} levels" in _parse_error(response)
    assert api_client.get("/api/v1/campaigns/c-1/").json()["name"] == "Spring"


def test_nesting_just_past_the_limit_is_refused_and_at_the_limit_is_parsed(api_client, workspace):
    too_deep = '{"name":' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    response = api_client.patch("/api/v1/campaigns/nope/", data=too_deep, content_type="application/json")
    assert response.status_code == 404  # the object is looked up first
    with workspace_scope(workspace):
        CampaignFactory(workspace=workspace, external_id="c-1")
    response = api_client.patch("/api/v1/campaigns/c-1/", data=too_deep, content_type="application/json")
    assert "levels" in _parse_error(response)
    deepest = '{"name":' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    response = api_client.patch("/api/v1/campaigns/c-1/", data=deepest, content_type="application/json")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("name", "invalid_type")]


# Size: a body's cost is bounded by the values it holds, not only by its bytes.

BIG = 4_900_000  # under API_MAX_BODY_BYTES (5 MB)


@pytest.mark.parametrize(
    "body",
    [
        "[" + "[]," * (BIG // 3) + "[]]",  # millions of lists to build
        "[" + ",".join(["[" * 31 + "]" * 31] * (BIG // 64)) + "]",  # deep, and everywhere
        "[" + "1.5e10," * (BIG // 7) + "1]",  # millions of numbers through the bounds
        "[" + '"",' * (BIG // 3) + '""]',  # millions of strings
    ],
    ids=["lists", "nests", "numbers", "strings"],
)
def test_a_body_of_millions_of_values_is_refused_before_parsing(api_client, workspace, body):
    response, elapsed = _post_raw(api_client, "accounts", body)
    assert elapsed < 1
    assert f"at most {MAX_JSON_VALUES:,} values" in _parse_error(response)


def test_commas_and_brackets_inside_strings_do_not_count(api_client, workspace):
    name = ("a,[{" * 64)[:255]  # 191 commas and brackets a name, inside the string
    batch = [{"external_id": f"acc-{i}", "name": name[:255]} for i in range(1000)]
    body = json.dumps(batch)
    assert body.count(",") + body.count("[") + body.count("{") > MAX_JSON_VALUES
    response, _ = _post_raw(api_client, "accounts", body)
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1000, "updated": 0}


def test_thousands_of_unknown_fields_are_summed_up(api_client, workspace):
    body = json.dumps({"external_id": "acc-1", "name": "Acme", **{f"x{i:05}": 1 for i in range(20_000)}})
    response, elapsed = _post_raw(api_client, "accounts", body)
    assert elapsed < 1
    errors = response.json()["errors"]
    assert [e["field"] for e in errors[:10]] == [f"x{i:05}" for i in range(10)]
    assert errors[10] == {
        "index": 0,
        "field": None,
        "message": "And 19,990 more unknown fields.",
        "code": "unknown_field",
    }
    assert len(errors) == 11


# 3. A NUL byte in a URL is refused before it reaches PostgreSQL, which answers any query holding one with an error.


@pytest.fixture
def nul_workspace(workspace):
    with workspace_scope(workspace):
        CampaignFactory(workspace=workspace, external_id="c-1")
    return workspace


@pytest.mark.parametrize(
    "query",
    [
        "/w/acme/?campaign=%00",
        "/w/acme/records/leads/?campaign=%00",
        "/w/acme/charts/attribution/?campaign=%00",
        "/w/acme/?%00=1",
        "/w/acme/abm/?q=a%00b",
    ],
)
def test_a_nul_in_a_page_query_is_a_400(member_client, nul_workspace, query):
    assert member_client.get(query).status_code == 400


@pytest.mark.parametrize("path", ["/w/acme/campaigns/%00/", "/w/acme/campaigns/c-1%00/", "/w/ac%00me/"])
def test_a_nul_in_a_page_path_is_a_404(member_client, nul_workspace, path):
    assert member_client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/v1/spend/?campaign=%00", "campaign"),
        ("/api/v1/leads/?account=c%00", "account"),
        ("/api/v1/accounts/?domain=%00", "domain"),
    ],
)
def test_a_nul_in_an_api_list_filter_is_a_400_naming_it(api_client, nul_workspace, query, field):
    response = api_client.get(query)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_nul_in_a_kpi_api_parameter_is_a_400_naming_it(api_client, nul_workspace):
    response = api_client.get("/api/v1/kpis/?from=2024-01-01&to=2024-01-31&campaign=c-1%00")
    assert response.status_code == 400
    assert list(response.json()) == ["campaign"]


@pytest.mark.parametrize(
    "path", ["/api/v1/campaigns/%00/", "/api/v1/spend/c-1%00/2024-01-01/", "/api/v1/accounts/a%00/"]
)
def test_a_nul_in_an_api_path_is_a_json_404(api_client, nul_workspace, path):
    for method in (api_client.get, api_client.delete):
        response = method(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


# 4. Workspace and KPI settings stay in a range the KPI engine can compute with.


def _settings(workspace, **changes) -> dict:
    return {
        "name": workspace.name,
        "currency": "USD",
        "time_zone": "UTC",
        "gross_margin": "1",
        "engagement_window_days": 90,
        "half_life_days": 30,
        "mqa_threshold": "20",
        **{f"weight_{kind}": weight for kind, weight in DEFAULT_ENGAGEMENT_WEIGHTS.items()},
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("engagement_window_days", 2147483647),
        ("engagement_window_days", MAX_SETTING_DAYS + 1),
        ("half_life_days", 2147483647),
        ("half_life_days", 0),
        ("mqa_threshold", "1e1000000"),
        ("weight_meeting", "1e1000000"),
    ],
)
def test_an_out_of_range_setting_is_a_form_error(member_client, workspace, field, value):
    response = member_client.post(f"/w/{workspace.slug}/settings/", _settings(workspace, **{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if field.endswith("_days"):
        assert f"{MAX_SETTING_DAYS:,}".replace(",", "") in str(errors[field]).replace(",", "")
    workspace.refresh_from_db()
    assert (workspace.engagement_window_days, workspace.half_life_days) == (90, 30)


def test_the_model_refuses_out_of_range_settings(workspace):
    workspace.engagement_window_days = 2147483647
    workspace.engagement_weights = {"meeting": float("inf")}
    with pytest.raises(ValidationError) as caught:
        workspace.full_clean()
    assert set(caught.value.message_dict) == {"engagement_window_days", "engagement_weights"}


def test_no_api_changes_the_settings(api_client, workspace):
    """The settings page is the only door: the workspace endpoint only reads them."""
    body = '{"engagement_window_days": 2147483647}'
    for method in (api_client.post, api_client.put, api_client.patch):
        assert method("/api/v1/workspace/", data=body, content_type="application/json").status_code == 405
    workspace.refresh_from_db()
    assert workspace.engagement_window_days == 90


def test_the_largest_settings_still_render_the_abm_page(member_client, workspace):
    with workspace_scope(workspace):
        account = AccountFactory(workspace=workspace, is_target=True)
        TouchpointFactory(
            workspace=workspace, kind="meeting", account=account, occurred_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
    from kpis.services import recompute_rollups

    recompute_rollups(workspace_id=workspace.pk)
    for window, half_life in ((MAX_SETTING_DAYS, 1), (1, MAX_SETTING_DAYS)):
        data = _settings(workspace, engagement_window_days=window, half_life_days=half_life)
        assert member_client.post(f"/w/{workspace.slug}/settings/", data).status_code == 302
        recompute_rollups(workspace_id=workspace.pk)
        with workspace_scope(workspace):
            assert KpiState.objects.get().decay_reference is not None
        page = member_client.get(f"/w/{workspace.slug}/abm/?range=custom&from=2026-01-01&to=2026-01-31")
        assert page.status_code == 200


def test_the_migration_brings_saved_settings_back_into_range(workspace):
    Workspace.objects.filter(pk=workspace.pk).update(engagement_window_days=2147483647, half_life_days=0)
    migration = importlib.import_module("accounts.migrations.0003_workspace_setting_ranges")
    migration.clamp_day_settings(django_apps, None)
    workspace.refresh_from_db()
    assert (workspace.engagement_window_days, workspace.half_life_days) == (MAX_SETTING_DAYS, 1)
