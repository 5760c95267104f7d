"""Formatting, change, periods and the range picker's parsing (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.formatting import number_locale
from kpis import display, periods


@pytest.mark.parametrize(
    ("name", "value", "currency", "text"),
    [
        ("spend", Decimal("1234.5"), "USD", "$1,234.50"),
        ("spend", Decimal("1234.5"), "EUR", "€1,234.50"),
        ("spend", Decimal("1234.5"), "JPY", "¥1,235"),
        ("spend", Decimal("99"), "XYZ", "XYZ\xa099.00"),
        ("cpl", None, "USD", "—"),
        ("roi", -0.786, "USD", "−78.6 %"),
        ("leads", 12345, "USD", "12,345"),
        ("avg_sales_cycle_days", 31.62, "USD", "31.6 days"),
        ("pages_per_session", 2.456, "USD", "2.46"),
        ("pipeline_velocity", Decimal("1129.81"), "GBP", "£1,129.81/day"),
    ],
)
def test_format(name, value, currency, text):
    assert display.format_kpi(name, value, currency) == text


def test_compact_money():
    assert display.format_money(Decimal("1530000"), "USD", compact=True) == "$1.5M"
    assert display.format_money(Decimal("-25000"), "EUR", compact=True) == "−€25.0k"


@pytest.mark.parametrize(
    ("locale", "money", "compact", "count", "rate"),
    [
        ("en_US", "€1,234,567.89", "−$12.3k", "1,234,567", "12.5 %"),
        ("de_DE", "1.234.567,89\xa0€", "−12,3k\xa0$", "1.234.567", "12,5 %"),
        ("fr_FR", "1\u202f234\u202f567,89\xa0€", "−12,3k\xa0$US", "1\u202f234\u202f567", "12,5 %"),
        ("en_IN", "€12,34,567.89", "−$12.3k", "12,34,567", "12.5 %"),  # lakh grouping
    ],
)
def test_numbers_follow_the_workspace_locale(locale, money, compact, count, rate):
    with number_locale(locale):
        assert display.format_money(Decimal("1234567.891"), "EUR") == money
        assert display.format_money(Decimal("-12345.5"), "USD", compact=True) == compact
        assert display.format_kpi("leads", 1234567, "USD") == count
        assert display.format_kpi("mql_rate", 0.125, "USD") == rate
        assert (
            display.format_money(Decimal("999.4"), "JPY").count("999") == 1
        )  # no decimals for yen, whatever the locale


def test_plain_numbers():
    with number_locale("de_DE"):
        assert display.format_number(-1234.56, 1) == "−1.234,6"
        assert display.format_number(-0.04, 1) == "0,0"  # no "−0,0"
        assert display.format_number(None, 2) == "—"


def test_change():
    assert display.change("leads", 110, 100, "USD").text == "+10.0 %"
    assert display.change("leads", 110, 100, "USD").tone == "good"
    assert display.change("cpl", Decimal(110), Decimal(100), "USD").tone == "bad"
    assert display.change("spend", Decimal(110), Decimal(100), "USD").tone == "neutral"
    assert display.change("leads", 5, 0, "USD").text == "from 0"
    assert display.change("leads", 0, 0, "USD").text == "—"
    assert display.change("cpl", None, Decimal(3), "USD").text == "—"
    roi = display.change("roi", -0.8, -0.9, "USD")
    assert roi.text == "+10.0 pts" and roi.direction == "up"


def test_periods():
    march = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    assert march.days == 31
    assert march.previous() == periods.Period(date(2026, 1, 29), date(2026, 2, 28))
    assert periods.Period(date(2024, 2, 29), date(2024, 2, 29)).last_year() == periods.Period(
        date(2023, 2, 28), date(2023, 2, 28)
    )
    today = date(2026, 5, 20)
    assert periods.preset_period("last_7", today) == periods.Period(date(2026, 5, 14), today)
    assert periods.preset_period("this_month", today) == periods.Period(date(2026, 5, 1), today)
    assert periods.preset_period("last_month", today) == periods.Period(date(2026, 4, 1), date(2026, 4, 30))
    assert periods.preset_period("this_quarter", today) == periods.Period(date(2026, 4, 1), today)
    assert periods.preset_period("ytd", today) == periods.Period(date(2026, 1, 1), today)


def test_parse_range():
    today = date(2026, 5, 20)
    preset, period, grain, errors = periods.parse_range({}, today)
    assert (preset, period.days, grain, errors) == ("last_30", 30, "day", [])
    preset, period, grain, errors = periods.parse_range({"from": "2026-01-01", "to": "2026-03-31"}, today)
    assert (preset, period, grain) == ("custom", periods.Period(date(2026, 1, 1), date(2026, 3, 31)), "week")
    _, period, _, errors = periods.parse_range({"range": "custom", "from": "2026-03-31", "to": "2026-01-01"}, today)
    assert period.first == date(2026, 1, 1) and errors
    preset, _, _, errors = periods.parse_range({"range": "forever"}, today)
    assert preset == "last_30" and errors


def test_sparkline_windows_are_equal_and_end_on_the_last_day():
    windows = periods.sparkline_windows(periods.Period(date(2026, 1, 1), date(2026, 3, 31)))
    assert len(windows) == 8
    assert windows[-1].last == date(2026, 3, 31)
    assert len({w.days for w in windows}) == 1
    assert display.sparkline_points([1, 2, 3]) and display.sparkline_points([1]) == ""
