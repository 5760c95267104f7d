"""Formatting, change, periods and the range picker's parsing (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.formatting import number_locale
from kpis import presentation as p


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
    assert p.format_kpi(name, value, currency) == text


def test_compact_money():
    assert p.format_money(Decimal("1530000"), "USD", compact=True) == "$1.5M"
    assert p.format_money(Decimal("-25000"), "EUR", compact=True) == "−€25.0k"


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
        assert p.format_money(Decimal("1234567.891"), "EUR") == money
        assert p.format_money(Decimal("-12345.5"), "USD", compact=True) == compact
        assert p.format_kpi("leads", 1234567, "USD") == count
        assert p.format_kpi("mql_rate", 0.125, "USD") == rate
        assert p.format_money(Decimal("999.4"), "JPY").count("999") == 1  # no decimals for yen, whatever the locale


def test_plain_numbers():
    with number_locale("de_DE"):
        assert p.format_number(-1234.56, 1) == "−1.234,6"
        assert p.format_number(-0.04, 1) == "0,0"  # no "−0,0"
        assert p.format_number(None, 2) == "—"


def test_change():
    assert p.change("leads", 110, 100, "USD").text == "+10.0 %"
    assert p.change("leads", 110, 100, "USD").tone == "good"
    assert p.change("cpl", Decimal(110), Decimal(100), "USD").tone == "bad"
    assert p.change("spend", Decimal(110), Decimal(100), "USD").tone == "neutral"
    assert p.change("leads", 5, 0, "USD").text == "new"
    assert p.change("leads", 0, 0, "USD").text == "—"
    assert p.change("cpl", None, Decimal(3), "USD").text == "—"
    roi = p.change("roi", -0.8, -0.9, "USD")
    assert roi.text == "+10.0 pts" and roi.direction == "up"


def test_periods():
    march = p.Period(date(2026, 3, 1), date(2026, 3, 31))
    assert march.days == 31
    assert march.previous() == p.Period(date(2026, 1, 29), date(2026, 2, 28))
    assert p.Period(date(2024, 2, 29), date(2024, 2, 29)).last_year() == p.Period(date(2023, 2, 28), date(2023, 2, 28))
    today = date(2026, 5, 20)
    assert p.preset_period("last_7", today) == p.Period(date(2026, 5, 14), today)
    assert p.preset_period("this_month", today) == p.Period(date(2026, 5, 1), today)
    assert p.preset_period("last_month", today) == p.Period(date(2026, 4, 1), date(2026, 4, 30))
    assert p.preset_period("this_quarter", today) == p.Period(date(2026, 4, 1), today)
    assert p.preset_period("ytd", today) == p.Period(date(2026, 1, 1), today)


def test_parse_range():
    today = date(2026, 5, 20)
    preset, period, grain, errors = p.parse_range({}, today)
    assert (preset, period.days, grain, errors) == ("last_30", 30, "day", [])
    preset, period, grain, errors = p.parse_range({"from": "2026-01-01", "to": "2026-03-31"}, today)
    assert (preset, period, grain) == ("custom", p.Period(date(2026, 1, 1), date(2026, 3, 31)), "week")
    _, period, _, errors = p.parse_range({"range": "custom", "from": "2026-03-31", "to": "2026-01-01"}, today)
    assert period.first == date(2026, 1, 1) and errors
    preset, _, _, errors = p.parse_range({"range": "forever"}, today)
    assert preset == "last_30" and errors


def test_sparkline_windows_are_equal_and_end_on_the_last_day():
    windows = p.sparkline_windows(p.Period(date(2026, 1, 1), date(2026, 3, 31)))
    assert len(windows) == 8
    assert windows[-1].last == date(2026, 3, 31)
    assert len({w.days for w in windows}) == 1
    assert p.sparkline_points([1, 2, 3]) and p.sparkline_points([1]) == ""
