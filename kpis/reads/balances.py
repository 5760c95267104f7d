"""Open deals and MRR at the end of a period: running sums of their daily changes in the rollups."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, Sum

from kpis.reads.components import rollup_rows
from kpis.reads.scope import Scope
from kpis.reads.spans import Period, money_sum

_CHANGES = {"open_deals": Sum(F("deals_created") - F("deals_closed_out")), "mrr": Sum(F("new_mrr") - F("churned_mrr"))}


def one(workspace, first_day, last_day, scope: Scope) -> dict:
    totals = rollup_rows(scope).filter(day__lte=last_day).aggregate(**_CHANGES)
    return {"open_deals": totals["open_deals"] or 0, "mrr": money_sum(totals["mrr"])}


def many(workspace, periods: Sequence[Period], scope: Scope) -> list[dict]:
    """The running sums read once, up to the last period's end, and taken at each period's last day."""
    rows = rollup_rows(scope).filter(day__lte=periods[-1][1]).values("day").annotate(**_CHANGES).order_by("day")
    answers, open_deals, mrr = [], 0, 0
    rows = iter(rows)
    pending = next(rows, None)
    for _, last in periods:
        while pending is not None and pending["day"] <= last:
            open_deals += pending["open_deals"] or 0
            mrr += pending["mrr"] or 0
            pending = next(rows, None)
        answers.append({"open_deals": open_deals, "mrr": money_sum(mrr)})
    return answers
