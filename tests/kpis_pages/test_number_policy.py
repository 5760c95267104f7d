"""One formatting policy (cards compact, tables exact and grouped, exports raw), largest-remainder
reconciliation, and the comparison choice (previous period, same period last year, none)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import RequestFactory

from accounts.formatting import number_locale
from kpis import display, formulas
from kpis.periods import Period
from kpis.views.state import DashboardState

# ---------------------------------------------------------------- formatting


def test_tables_group_thousands_and_drop_the_cents_of_large_whole_amounts():
    assert display.format_table_value(126608, "count") == "126,608"
    assert display.format_table_value(4212, "count") == "4,212"
    assert display.format_table_value(Decimal("186200.00"), "money", "USD") == "$186,200"
    assert display.format_table_value(Decimal("186200.50"), "money", "USD") == "$186,200.50"
    assert display.format_table_value(Decimal("12.00"), "money", "USD") == "$12.00"  # small: cents kept
    assert display.format_table_value(None, "money", "USD") == "—"


def test_tables_follow_the_workspace_locale():
    with number_locale("de_DE"):
        assert display.format_table_value(126608, "count") == "126.608"
        assert display.format_table_value(Decimal("186200.00"), "money", "EUR") == "186.200\u00a0€"


def test_cards_compact_large_amounts():
    assert display.format_kpi("won_revenue", Decimal("186200.00"), "USD", compact=True) == "$186.2k"
    assert display.format_kpi("won_revenue", Decimal("9999.99"), "USD", compact=True) == "$9,999.99"


def test_fractional_deal_credit_reads_as_a_number_not_a_price():
    assert display.format_fraction(1.5) == "1.5"
    assert display.format_fraction(3.0) == "3"
    assert display.format_fraction(1 / 3) == "0.33"
    assert display.format_fraction(2.999999999) == "3"


# ---------------------------------------------------------------- largest remainder


def test_largest_remainder_hands_the_missing_cents_to_the_largest_remainders():
    # 100.00 split in three: 33.333… each; floors 33.33 × 3 = 99.99, one cent to the first (ties in order).
    third = Decimal(100) / 3
    assert formulas.largest_remainder({"a": third, "b": third, "c": third}, Decimal("100.00")) == {
        "a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}  # fmt: skip
    # 10.005 + 10.005 + 9.99 = 30.00: half-even per part gives 10.00 + 10.00 + 9.99 = 29.99;
    # floors 10.00 + 10.00 + 9.99 = 29.99, the cent goes to the first of the two 0.005 remainders.
    parts = {"x": Decimal("10.005"), "y": Decimal("10.005"), "z": Decimal("9.99")}
    assert formulas.largest_remainder(parts, Decimal("30.00")) == {
        "x": Decimal("10.01"), "y": Decimal("10.00"), "z": Decimal("9.99")}  # fmt: skip
    # 0.006 / 0.002 / 0.002 of 0.01: floors all 0.00, the one cent goes to the largest remainder (x).
    small = {"x": Decimal("0.006"), "y": Decimal("0.002"), "z": Decimal("0.002")}
    assert formulas.largest_remainder(small, Decimal("0.01")) == {
        "x": Decimal("0.01"), "y": Decimal("0.00"), "z": Decimal("0.00")}  # fmt: skip


def test_parts_over_the_total_give_a_cent_back_from_the_least_rounded():
    # Floors 60.01 + 40.00 = 100.01 against 100.00: a (remainder 0) gives the cent back before b (0.005).
    parts = {"a": Decimal("60.01"), "b": Decimal("40.005")}
    assert formulas.largest_remainder(parts, Decimal("100.00")) == {"a": Decimal("60.00"), "b": Decimal("40.00")}


# ---------------------------------------------------------------- comparisons


def state_for(query: str, today: datetime, workspace) -> DashboardState:
    with time_machine.travel(today, tick=False):
        return DashboardState.from_request(RequestFactory().get(f"/?{query}"), workspace)


def test_year_to_date_against_the_same_stretch_last_year(workspace):
    # 15 Mar 2026 (UTC workspace): YTD is 1 Jan – 15 Mar 2026; the same stretch last year 1 Jan – 15 Mar 2025.
    state = state_for("range=ytd&compare=last_year", datetime(2026, 3, 15, 12, tzinfo=UTC), workspace)
    assert state.period == Period(date(2026, 1, 1), date(2026, 3, 15))
    assert state.comparison_period == Period(date(2025, 1, 1), date(2025, 3, 15))
    assert state.comparison_label == "same period last year"
    assert "compare=last_year" in state.query()


def test_the_previous_period_is_the_default_and_none_compares_with_nothing(workspace):
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    state = state_for("range=last_30", now, workspace)
    # 30 days ending 15 Mar: 14 Feb – 15 Mar; the 30 days before: 15 Jan – 13 Feb.
    assert state.comparison_period == Period(date(2026, 1, 15), date(2026, 2, 13))
    assert state.comparison_label == "previous 30 days"
    assert "compare" not in state.query()
    none = state_for("range=last_30&compare=none", now, workspace)
    assert none.comparison_period is None and none.comparison_label == ""
    bad = state_for("range=last_30&compare=yesterday", now, workspace)
    assert bad.compare == "previous" and any("Unknown comparison" in e for e in bad.errors)


@pytest.mark.parametrize(
    ("name", "current", "previous", "tone", "words"),
    [
        ("leads", 110, 100, "good", "up 10.0 %, better"),  # higher is better
        ("leads", 90, 100, "bad", "down −10.0 %, worse"),
        ("cpl", Decimal(90), Decimal(100), "good", "down −10.0 %, better"),  # lower is better
        ("cpl", Decimal(110), Decimal(100), "bad", "up 10.0 %, worse"),
        ("deals_lost", 3, 2, "bad", "up 50.0 %, worse"),
        ("spend", Decimal(110), Decimal(100), "neutral", "up 10.0 %"),  # a budget: neither
    ],
)
def test_tone_follows_the_direction_that_is_better_and_is_said_in_words(name, current, previous, tone, words):
    change = display.change(name, current, previous, "USD")
    assert change.tone == tone and change.words == words
    assert change.arrow in ("▲", "▼")


def test_no_data_to_compare_rather_than_new():
    nothing = {"spend": Decimal(0), "leads": 0, "cpl": None}
    assert display.has_data(nothing) is False
    assert display.has_data({"spend": Decimal(0), "leads": 1}) is True
    assert display.has_data({"cpl": Decimal(3)}) is None  # no additive KPI: cannot tell
    change = display.change("leads", 5, 0, "USD", comparable=False)
    assert change.text == "no data to compare" and change.tone == "neutral" and change.arrow == ""
    from_zero = display.change("leads", 5, 0, "USD")  # the period had data, just no leads
    assert from_zero.text == "from 0" and from_zero.arrow == "▲" and from_zero.tone == "good"


# ---------------------------------------------------------------- the attribution page


def test_the_attribution_page_reconciles_thirds_and_shows_deal_credit_plainly(workspace, member_client):
    from kpis.services import recompute_rollups
    from tests.data_factories import AccountFactory, CampaignFactory, DealFactory, TouchpointFactory

    buyer = AccountFactory(workspace=workspace)
    for n, name in enumerate(("a", "b", "c")):
        campaign = CampaignFactory(workspace=workspace, external_id=name, name=f"Campaign {name}")
        TouchpointFactory(workspace=workspace, kind="email_click", account=buyer, campaign=campaign,
                          occurred_at=datetime(2026, 11, 2 + n, tzinfo=UTC))  # fmt: skip
    DealFactory(workspace=workspace, account=buyer, amount=Decimal("100.00"), status="won",
                created_at=datetime(2026, 11, 1, tzinfo=UTC), closed_at=datetime(2026, 11, 20, tzinfo=UTC))  # fmt: skip
    recompute_rollups(workspace_id=workspace.pk)
    html = member_client.get("/w/acme/attribution/?range=custom&from=2026-11-01&to=2026-11-30&model=linear")
    html = html.content.decode()
    # Linear: a third each, 33.333…; half-even gives 3 × 33.33 = 99.99, largest remainder 33.34 + 2 × 33.33.
    assert html.count("$33.34") >= 1 and "reconciled to the cent" in html
    assert '<td class="num">0.33</td>' in html  # a third of a deal (linear)
    assert '<td class="num">1</td>' in html and '<td class="num">1.00</td>' not in html  # first touch: 1 deal
    export = member_client.get(
        "/w/acme/attribution/?range=custom&from=2026-11-01&to=2026-11-30&model=linear&export=campaigns"
    ).content.decode()
    linear = [line.split(",")[6] for line in export.splitlines()[1:]]  # linear_revenue column
    assert sorted(linear) == ["33.33", "33.33", "33.34"]


# ---------------------------------------------------------------- targets: one wording


def test_the_target_sentence_states_target_actual_and_pace():
    from kpis.targets import TargetPeriodValue, progress_against
    from kpis.views.cards import target_sentence

    december = Period(date(2026, 12, 1), date(2026, 12, 31))
    progress = progress_against("leads", 44, Period(date(2026, 12, 1), date(2026, 12, 10)),
                                [TargetPeriodValue(december, Decimal(600))])  # fmt: skip
    # 44 in 10 of 31 days: 44 × 31 / 10 = 136.4 by the end of the month.
    assert progress.projected == Decimal("136.4")
    assert target_sentence("leads", 44, progress, "USD", date(2026, 12, 10)) == (
        "600 leads this month · 44 so far · on pace for 136"
    )
    assert target_sentence("leads", 44, progress, "USD", date(2027, 1, 5)).startswith("600 leads in Dec 2026 · ")


def test_the_dashboard_card_and_the_targets_page_say_the_same(workspace, member_client, fixed_clock):
    from kpis.services import recompute_rollups
    from kpis.targets import target_set
    from tests.data_factories import LeadFactory

    for _ in range(3):
        LeadFactory(workspace=workspace, created_at=datetime(2026, 12, 1, 10, tzinfo=UTC))
    recompute_rollups(workspace_id=workspace.pk)
    target_set(workspace=workspace, kpi="leads", period_kind="month", starts_on=date(2026, 12, 1), value=Decimal(600))
    # 2 December (the clock): 3 leads in 2 of 31 days → 3 × 31 / 2 = 46.5 → 47 by the end of the month.
    sentence = "600 leads this month · 3 so far · on pace for 47"
    assert sentence in member_client.get("/w/acme/?range=this_month").content.decode()
    assert sentence in member_client.get("/w/acme/targets/").content.decode()


# ---------------------------------------------------------------- charts


def test_lines_are_straight_and_leave_gaps_and_the_funnel_says_it_is_a_cohort(workspace, member_client):
    chart = member_client.get("/w/acme/charts/cost-trend/?range=last_30").json()
    lines = [d for d in chart["datasets"] if d.get("type") == "line"]
    assert lines and all(d["tension"] == 0 and d["spanGaps"] is False for d in lines)
    from kpis.services import recompute_rollups
    from tests.data_factories import LeadFactory, SpendEntryFactory

    SpendEntryFactory(workspace=workspace, date=date(2026, 11, 20))
    LeadFactory(workspace=workspace, created_at=datetime(2026, 11, 20, 10, tzinfo=UTC))
    recompute_rollups(workspace_id=workspace.pk)
    html = member_client.get("/w/acme/?range=last_30").content.decode()
    assert "A cohort: the leads created in the period" in html


def test_a_range_that_does_not_start_with_the_target_says_in_this_range():
    from kpis.targets import TargetPeriodValue, progress_against
    from kpis.views.cards import target_sentence

    december = Period(date(2026, 12, 1), date(2026, 12, 31))
    last_30 = Period(date(2026, 11, 11), date(2026, 12, 10))
    progress = progress_against("leads", 90, last_30, [TargetPeriodValue(december, Decimal(600))])
    # 90 leads in 30 days, 10 of them December's: the range asks 600 × 10/31 for its December days and the same
    # daily rate for its 20 November days (600 × 30/31 in all), so the month ends at 90 × 31/30 = 93.
    assert round(progress.projected, 6) == 93
    sentence = target_sentence("leads", 90, progress, "USD", date(2026, 12, 10), range_first=last_30.first)
    assert sentence == "600 leads this month · 90 in this range · on pace for 93"
    month_to_date = target_sentence("leads", 90, progress, "USD", date(2026, 12, 10), range_first=december.first)
    assert " · 90 so far · " in month_to_date
