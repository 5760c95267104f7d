"""The generated draft of the executive summary, from hand-made figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kpis.periods import Period
from kpis.targets import TargetPeriodValue
from kpis.views.cards import CardBuilder
from kpis.views.dashboard import target_cards
from kpis.views.state import DashboardState
from reports.summary import draft

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _draft(workspace, values, previous, targets=None) -> str:
    state = DashboardState("custom", NOVEMBER, "day")
    builder = CardBuilder(values, previous, workspace, state, targets or {}, drill=False)
    return draft(workspace, NOVEMBER, builder.cards(["spend", "leads", "cpl"]), target_cards(builder))


def test_draft_names_the_period_the_biggest_movers_and_the_targets_at_risk(workspace):
    values = {"spend": Decimal("1000.00"), "leads": 50, "cpl": Decimal("20.00")}
    previous = {"spend": Decimal("800.00"), "leads": 49, "cpl": Decimal("16.00")}
    # 100 leads asked for November; 50 made: half the pace, off track.
    targets = {"leads": [TargetPeriodValue(NOVEMBER, Decimal(100))]}
    text = _draft(workspace, values, previous, targets)
    opening, movers, risks = text.split("\n\n")
    assert opening == "In 1 Nov – 30 Nov 2026, spend was $1,000.00 and brought 50 leads at $20.00 per lead."
    # Both moved 25 %; leads moved 2 % (under 5 %: not a mover). A higher CPL is bad; spend is a budget.
    assert movers == (
        "Biggest movers: Cost per lead rose 25.0 % to $20.00 (from $16.00) — worth a look."
        " Spend rose 25.0 % to $1,000.00 (from $800.00)."
    )
    # The pace: 50 of the 100 asked over the whole month leads to 50 by its end.
    assert risks == "Targets at risk: Leads is off track against its target: 50, on pace for 50."


def test_draft_of_a_quiet_period_says_nothing_moved(workspace):
    values = {"spend": Decimal("0"), "leads": 0, "cpl": None}
    text = _draft(workspace, values, dict(values))
    assert text == (
        "No spend or leads were recorded in 1 Nov – 30 Nov 2026.\n\n"
        "No headline KPI moved by more than 5 % against the comparison period."
    )
