"""Last quarter and last year: whole calendar periods before today's, dates worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from kpis.periods import Period, parse_range, preset_period


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 2, 10), date(2025, 10, 1), date(2025, 12, 31)),  # Q1 → last year's Q4
        (date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 31)),  # first day of Q2 → Q1
        (date(2026, 9, 30), date(2026, 4, 1), date(2026, 6, 30)),  # last day of Q3 → Q2
        (date(2026, 12, 31), date(2026, 7, 1), date(2026, 9, 30)),
    ],
)
def test_last_quarter(today, first, last):
    assert preset_period("last_quarter", today) == Period(first, last)


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 2, 10), date(2025, 1, 1), date(2025, 12, 31)),
        (date(2025, 1, 1), date(2024, 1, 1), date(2024, 12, 31)),  # a leap year, 366 days
    ],
)
def test_last_year(today, first, last):
    assert preset_period("last_year", today) == Period(first, last)


def test_the_range_parameter_reads_the_new_presets():
    today = date(2026, 2, 10)
    preset, period, grain, errors = parse_range({"range": "last_quarter"}, today)
    assert (preset, period, errors) == ("last_quarter", Period(date(2025, 10, 1), date(2025, 12, 31)), [])
    assert grain == "week"  # 92 days
    preset, period, grain, errors = parse_range({"range": "last_year"}, today)
    assert (preset, period.days, grain, errors) == ("last_year", 365, "month", [])


def test_the_picker_offers_them(member_client, seeded):
    html = member_client.get("/w/acme/?range=last_quarter").content.decode()
    assert '<option value="last_quarter" selected>Last quarter</option>' in html
    assert '<option value="last_year">Last year</option>' in html
    # SEEDED_NOW is 2026-12-02: last quarter is Q3 2026, shown as the picker's custom dates.
    assert 'value="2026-07-01"' in html and 'value="2026-09-30"' in html


def test_a_share_link_may_roll_over_last_quarter():
    from sharing.ranges import link_period

    assert link_period("last_quarter", None, None, date(2026, 2, 10)) == Period(date(2025, 10, 1), date(2025, 12, 31))
