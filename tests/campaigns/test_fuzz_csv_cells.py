"""Fuzzing the CSV importer's cell parsers with what an attacker puts in a cell.

Huge exponents, long digit strings, NUL bytes, far dates and long runs of
whitespace, alone and glued together: every parser either returns a value or
raises the importer's own error (`Invalid`, which becomes a cell error), never
anything else (a 500 on the import page), and answers well under a second.

The `to_*` parsers are called directly, without the importer's cell length
limit, so they must be linear by themselves; the whole-cell path (`Plan.convert`
then the API's row spec) is called as an import calls it, in several zones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import Workspace
from campaigns import imports
from campaigns.validation import Invalid

# CPU seconds per call, "well under 1 s": CPU time, so that other processes on a shared machine do not count.
BOUND = 0.5
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Asia/Kathmandu",  # UTC+05:45
    "Australia/Lord_Howe",  # a half-hour daylight-saving shift
)
FUZZ = settings(
    max_examples=150,
    deadline=None,  # timed by the test itself, per call
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# ---------------------------------------------------------------- cells an attacker writes

_SPACES = st.sampled_from([" ", "\t", "\u00a0", "\u2003", "\r", "\n", "\x0b", "\x0c"])
_LONG = st.integers(min_value=0, max_value=150_000)


def _run(piece: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda p, n: p * n, piece, _LONG)


_digits = st.builds(lambda d, n: d * n, st.sampled_from(["9", "0", "1", "7"]), st.integers(1, 20_000))
_exponent = st.builds(
    lambda mantissa, mark, sign, power: f"{mantissa}{mark}{sign}{power}",
    st.sampled_from(["1", "9.99", ".5", "1,000"]),
    st.sampled_from(["e", "E"]),
    st.sampled_from(["", "+", "-"]),
    st.sampled_from(["999999999", "9" * 40, "2147483648", "1" + "0" * 5000]),
)
_far_date = st.builds(
    lambda y, rest: f"{y:04d}{rest}",
    st.sampled_from([0, 1, 1899, 1900, 1901, 2998, 2999, 3000, 9999]),
    st.sampled_from(
        [
            "-01-01",
            "-01-01 00:30",
            "-12-31 23:00",
            "-12-31 23:59:59.999999",
            "-01-01T00:00:00+14:00",
            "-12-31T23:59-12:00",
            "-02-29",
            "-12-31 11:59 PM",
        ]
    ),
)
_mdy_far = st.sampled_from(["12/31/9999 23:00", "01/01/0001 00:30", "31 Dec 9999 23:59", "Jan 1st, 0001 00:00"])
_marks = st.sampled_from(["-", "(", ")", "$", "€", "USD", "EUR", ",", ".", ":", "T", "Z", "+", "PM", "\x00", "x"])
_piece = st.one_of(_digits, _exponent, _far_date, _mdy_far, _marks, _run(_SPACES), _run(_marks), st.text(max_size=20))
cells = st.one_of(
    st.lists(_piece, min_size=1, max_size=5).map("".join),
    st.text(),
    _digits,
    _exponent,
    _far_date,
)

# Each attack of issue 14, always tried.
ATTACKS = [
    "-" + " " * 1600 + "x",
    "2026-01-01" + " " * 100_000 + "x",
    "9" * 5000,
    "-" + "0" * 5000 + "12",
    "0001-01-01 00:30",
    "9999-12-31 23:00",
    "1e999999999",
    "2026-01-01\x002026",
    "(" + " " * 100_000 + ")",
    "1" + ",000" * 30_000,
    "$" + " " * 50_000 + "-" + " " * 50_000 + "1",
]


def parsed(call: Callable[[], Any]) -> Any:
    """The call's value or its Invalid; anything else, or a slow answer, fails the test."""
    started = time.process_time()
    try:
        result = call()
    except Invalid as exc:
        result = exc
    elapsed = time.process_time() - started
    assert elapsed < BOUND, f"took {elapsed:.2f} s"
    return result


def _with_attacks(**others: Any) -> Callable:
    """Every attack as an explicit example, with the given values of the test's other arguments."""

    def decorate(test):
        for attack in ATTACKS:
            test = example(value=attack, **others)(test)
        return test

    return decorate


# ---------------------------------------------------------------- each parser on its own


@FUZZ
@given(value=cells)
@_with_attacks()
def test_money(value):
    for currency in ("USD", "EUR", "JPY"):
        result = parsed(lambda currency=currency: imports.to_money(value, currency))
        assert isinstance(result, Invalid | Decimal)


@FUZZ
@given(value=cells)
@_with_attacks()
def test_integers(value):
    result = parsed(lambda: imports.to_integer(value))
    if not isinstance(result, Invalid):
        assert isinstance(result, int) and len(str(abs(result))) <= imports.MAX_INTEGER_DIGITS


@FUZZ
@given(value=cells, zone=st.sampled_from(ZONES), date_format=st.sampled_from(list(imports.DATE_FORMATS)))
@_with_attacks(zone="Europe/Berlin", date_format="")
@_with_attacks(zone="America/New_York", date_format="mdy")
def test_dates_and_datetimes_in_every_zone(value, zone, date_format):
    ctx = imports.DateContext(date_format, Workspace(time_zone=zone).tz)
    day = parsed(lambda: imports.to_date(value, ctx, 2))
    moment = parsed(lambda: imports.to_timestamp(value, ctx, 2))
    if not isinstance(day, Invalid):
        assert 1900 <= day.year <= 2999
    if not isinstance(moment, Invalid):
        assert 1901 <= moment.year <= 2998
        moment.astimezone(UTC)  # stored as UTC: never out of range


@FUZZ
@given(value=cells)
@_with_attacks()
def test_yes_no_and_choices(value):
    parsed(lambda: imports.to_boolean(value))
    parsed(lambda: imports.to_choice(value, "status"))


# ---------------------------------------------------------------- a whole cell, as an import reads it

# One resource per kind of cell: deals (money, timestamps, text, a choice), spend (a date, counts),
# accounts (a yes/no, a count), touchpoints (a URL), leads (an email).
COLUMNS = {
    "deals": ["external_id", "account", "name", "amount", "mrr", "status", "created_at", "closed_at", "churned_at"],
    "spend": ["campaign", "date", "cost", "impressions", "clicks"],
    "accounts": ["external_id", "name", "domain", "industry", "employees", "is_target"],
    "touchpoints": ["kind", "occurred_at", "url", "visitor_id"],
    "leads": ["external_id", "email", "created_at", "mql_at"],
}


@FUZZ
@given(
    value=cells,
    resource=st.sampled_from(sorted(COLUMNS)),
    zone=st.sampled_from(ZONES),
    currency=st.sampled_from(["USD", "EUR"]),
)
@_with_attacks(resource="leads", zone="Europe/Berlin", currency="EUR")
@_with_attacks(resource="deals", zone="America/New_York", currency="USD")
@_with_attacks(resource="spend", zone="UTC", currency="USD")
@_with_attacks(resource="accounts", zone="UTC", currency="USD")
def test_every_cell_of_a_row_is_a_value_or_a_cell_error(value, resource, zone, currency):
    workspace = Workspace(time_zone=zone, currency=currency)
    names = COLUMNS[resource]
    plan = imports.Plan.build(workspace, resource, names, names, "")
    started = time.process_time()
    item, problems = plan.convert(2, [value] * len(names))
    plan.resource.spec.parse_rows([item])  # the API's own checks never raise either
    elapsed = time.process_time() - started
    assert elapsed < BOUND * len(names), f"took {elapsed:.2f} s"
    assert all(p["message"] != "This value cannot be read." for p in problems), problems
    assert all(len(p["value"]) <= 80 for p in problems)
