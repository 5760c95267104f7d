"""Issue 14, item 5: hostile JSON bodies to the ingestion API are never a 500, nor slower than a second.

Bodies are built from the fragments attackers reach for: huge exponents, long
digit strings, deep nesting, NUL characters, dates at and past the calendar's
ends, long whitespace runs. Few examples each, so the module runs in seconds.
"""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tenancy import workspace_scope
from campaigns import validation
from campaigns.parsers import MAX_JSON_DEPTH, loads
from tests.data_factories import CampaignFactory

SPECS = {
    "campaigns": validation.CAMPAIGN,
    "spend": validation.SPEND,
    "accounts": validation.ACCOUNT,
    "leads": validation.LEAD,
    "deals": validation.DEAL,
    "touchpoints": validation.TOUCHPOINT,
}
FUZZ = settings(
    max_examples=30,
    deadline=None,  # timed below, per request, with a bound of our own
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

whitespace = st.builds(lambda char, n: char * n, st.sampled_from([" ", "\t", "\n", "\r\n"]), st.integers(0, 100_000))
digits = st.integers(1, 20_000).map(lambda n: "9" * n)
numbers = st.one_of(
    st.sampled_from(["1e1000000", "-1E-999999999", "1e999999999999999999999", "0", "-0", "1.50", "2e2", "1E+40"]),
    digits,
    digits.map(lambda d: f"0.{d}"),
    st.builds(lambda d, e: f"{d}e{e}", digits, st.integers(-(10**12), 10**12)),
)
dates = st.sampled_from(
    [
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "0000-00-00",
        "1899-12-31",
        "2999-12-31",
        "2024-02-30",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "10000-01-01T00:00:00Z",
        "2999-12-31T23:59:59+00:00",
        "2024-05-01T10:00:00+99:99",
    ]
)
texts = st.one_of(
    dates.map(json.dumps),
    st.sampled_from(['"a\\u0000b"', '"\\u0000"', '"c-1"', '"email"', '"won"']),
    whitespace.map(json.dumps),
    numbers.map(json.dumps),
)
nested = st.integers(MAX_JSON_DEPTH - 1, 60_000).map(lambda n: "[" * n + "]" * n)
values = st.one_of(numbers, texts, nested, st.sampled_from(["true", "null", "{}", "[]"]))


@st.composite
def bodies(draw, spec: validation.RowSpec) -> str:
    """A JSON text (not always valid) of one object or an array of them, with hostile values."""
    names = draw(st.lists(st.sampled_from(sorted(spec.names)), min_size=1, unique=True))
    members = ",".join(f'"{name}":{draw(whitespace)}{draw(values)}' for name in names)
    body = "{" + members + "}"
    if draw(st.booleans()):
        body = "[" + body + "," + body + "]"
    return draw(whitespace) + body + draw(whitespace)


def _timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


@pytest.fixture
def campaign(api_client, workspace):
    with workspace_scope(workspace):
        CampaignFactory(workspace=workspace, external_id="c-1")
    api_client.get("/api/v1/campaigns/c-1/")  # loads the URLconf and views outside the timed requests
    return "c-1"


@pytest.mark.parametrize("resource", list(SPECS))
def test_posted_bodies_are_answered_promptly_and_never_500(api_client, campaign, resource):
    @FUZZ
    @given(body=bodies(SPECS[resource]))
    def check(body: str) -> None:
        response, elapsed = _timed(api_client.post, f"/api/v1/{resource}/", data=body, content_type="application/json")
        assert response.status_code in (200, 400), response.content[:500]
        assert elapsed < 1, f"{elapsed:.2f} s"

    check()


def test_patched_bodies_are_answered_promptly_and_never_500(api_client, campaign):
    @FUZZ
    @given(body=bodies(validation.CAMPAIGN))
    def check(body: str) -> None:
        response, elapsed = _timed(
            api_client.patch, f"/api/v1/campaigns/{campaign}/", data=body, content_type="application/json"
        )
        assert response.status_code in (200, 400), response.content[:500]
        assert elapsed < 1, f"{elapsed:.2f} s"

    check()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.one_of(st.text(), st.text(alphabet='[]{}0123456789eE.-+",: \x00')))
def test_the_parser_refuses_anything_with_a_value_error(text):
    """Whatever the text: data, or a ValueError (the API's 400), never another exception."""
    with contextlib.suppress(ValueError):
        loads(text)
