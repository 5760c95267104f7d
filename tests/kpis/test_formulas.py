"""The pure maths of kpis.formulas, worked out by hand."""

from decimal import Decimal

import pytest

from kpis import formulas


def test_ratios_with_zero_or_missing_denominator_are_null():
    assert formulas.ratio(5, 0) is None
    assert formulas.ratio(5, None) is None
    assert formulas.ratio(0, 4) == 0.0
    assert formulas.money_ratio(Decimal("10000"), 0) is None
    # 10,000 spent for 100 leads: a CPL of 100 (spend ÷ leads, docs/kpis.md)
    assert formulas.money_ratio(Decimal("10000"), 100) == Decimal("100")


def test_roi_of_the_spec_example():
    # 20,000 invested, 50,000 returned: (50,000 − 20,000) / 20,000 = 1.5 (150 %, not 120 %)
    assert formulas.roi(Decimal("50000"), Decimal("20000")) == 1.5
    assert formulas.roi(Decimal("50000"), Decimal("0")) is None


def test_money_rounds_half_to_even_at_two_decimals():
    # 14,152.62 / 12 = 1,179.385 exactly → 1,179.38; 0.125 → 0.12; 0.135 → 0.14
    assert formulas.to_cents(formulas.money_ratio(Decimal("14152.62"), 12)) == Decimal("1179.38")
    assert formulas.to_cents(Decimal("0.125")) == Decimal("0.12")
    assert formulas.to_cents(Decimal("0.135")) == Decimal("0.14")


def test_win_rate_retention_and_pipeline_velocity():
    assert formulas.win_rate(3, 1) == 0.75
    assert formulas.win_rate(0, 0) is None
    assert formulas.retention_rate(0.25) == 0.75
    assert formulas.retention_rate(None) is None
    # 4 open × 0.5 × 1,000 / 20 days = 100 per day
    assert formulas.pipeline_velocity(4, 0.5, Decimal("1000"), 20.0) == Decimal("100")
    assert formulas.pipeline_velocity(4, None, Decimal("1000"), 20.0) is None
    assert formulas.pipeline_velocity(4, 0.5, Decimal("1000"), None) is None


def test_clv():
    # arpa 100, margin 0.8, churn 0.1 over a 30-day period: monthly churn 0.1 × 30 / 30 = 0.1
    # → 100 × 0.8 / 0.1 = 800
    assert formulas.clv(Decimal("100"), Decimal("0.8"), 0.1, 30) == Decimal("800")
    # the same churn over 60 days is 0.05 a month → 1,600
    assert formulas.clv(Decimal("100"), Decimal("0.8"), 0.1, 60) == Decimal("1600")
    assert formulas.clv(Decimal("100"), Decimal("0.8"), 0.0, 30) is None
    assert formulas.clv(None, Decimal("0.8"), 0.1, 30) is None


def test_decay_and_engagement_score():
    # one half-life old counts half; two, a quarter
    assert formulas.decay(30, 30) == 0.5
    assert formulas.decay(60, 30) == 0.25
    # a meeting (15) today and a form (10) 30 days ago: 15 + 5 = 20
    assert formulas.engagement_score([(15, 0), (10, 30)], 30) == 20


ONE = [("A", 3.0)]
TWO = [("A", 7.0), ("B", 0.0)]
FIVE = [("A", 28.0), ("B", 21.0), ("C", 14.0), ("D", 7.0), ("E", 0.0)]


@pytest.mark.parametrize("model", formulas.ATTRIBUTION_MODELS)
def test_one_touch_gets_everything(model):
    assert formulas.attribution_credits(model, ONE, "src") == {"A": 1.0}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", {"A": 1.0}),
        ("last_touch", {"B": 1.0}),
        ("linear", {"A": 0.5, "B": 0.5}),
        ("position_based", {"A": 0.5, "B": 0.5}),
        # weights 0.5^(7/7) = 0.5 and 0.5^0 = 1, normalised: 1/3 and 2/3
        ("time_decay", {"A": 1 / 3, "B": 2 / 3}),
    ],
)
def test_two_touches(model, expected):
    assert formulas.attribution_credits(model, TWO, "src") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", {"A": 1}),
        ("last_touch", {"E": 1}),
        ("linear", {"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2, "E": 0.2}),
        # 0.4 first, 0.4 last, 0.2 / 3 to each of the 3 in the middle
        ("position_based", {"A": 0.4, "B": 0.2 / 3, "C": 0.2 / 3, "D": 0.2 / 3, "E": 0.4}),
        # weights 1/16, 1/8, 1/4, 1/2, 1 (sum 31/16): 1/31, 2/31, 4/31, 8/31, 16/31
        ("time_decay", {"A": 1 / 31, "B": 2 / 31, "C": 4 / 31, "D": 8 / 31, "E": 16 / 31}),
    ],
)
def test_five_touches(model, expected):
    assert formulas.attribution_credits(model, FIVE, "src") == pytest.approx(expected)


def test_repeated_campaign_adds_up_and_empty_journey_goes_to_the_fallback():
    journey = [("A", 2.0), ("B", 1.0), ("A", 0.0)]
    # position-based over 3 touches: A first 0.4 + A last 0.4, B middle 0.2
    assert formulas.attribution_credits("position_based", journey, "src") == pytest.approx({"A": 0.8, "B": 0.2})
    assert formulas.attribution_credits("linear", [], "cmp-x") == {"cmp-x": 1.0}
    assert sum(formulas.attribution_credits("time_decay", FIVE, "src").values()) == pytest.approx(1.0)
