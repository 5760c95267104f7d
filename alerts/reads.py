"""The KPI values the rules of one scope (campaign, channel or neither) need, in as few reads as possible.

KPIs built only from the additive daily components (spend, leads, CPL, clicks…, most rules) are read
once for the scope: one GROUP BY day over the span every such rule's window (and previous period)
covers, each window's inputs then summed from the days, so ten windows cost one query. The
others (distinct visitors, won deals, balances…) are read per window with only their KPIs
(`kpis_for_period`). Either way the values equal the dashboard's for the same dates and scope.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from accounts.models import Workspace
from accounts.tenancy import workspace_reads
from kpis.catalog import KPIS, Reads
from kpis.periods import Period
from kpis.reads import Scope, components
from kpis.reads.spans import add
from kpis.selectors import kpi_values, kpis_for_period

COMPONENTS_ONLY = frozenset({Reads.COMPONENTS})


def components_only(kpi: str) -> bool:
    return KPIS[kpi].reads == COMPONENTS_ONLY


def _days(period: Period) -> list[tuple]:
    return [(period.first + timedelta(days=i),) * 2 for i in range(period.days)]


def values_for(workspace: Workspace, scope: Scope, wanted: dict[Period, set[str]]) -> dict[Period, dict]:
    """{period: {kpi: value}} for every period and the KPIs asked of it, in this scope."""
    answers: dict[Period, dict] = defaultdict(dict)
    cheap = {period: {k for k in kpis if components_only(k)} for period, kpis in wanted.items()}
    cheap = {period: kpis for period, kpis in cheap.items() if kpis}
    if cheap:
        span = Period(min(p.first for p in cheap), max(p.last for p in cheap))
        with workspace_reads(workspace):
            daily = components.many(workspace, _days(span), scope)
        for period, kpis in cheap.items():
            raw: dict = {}
            offset = (period.first - span.first).days
            for day in daily[offset : offset + period.days]:
                add(raw, day)
            values = kpi_values(workspace, raw, period.first, period.last, narrowed=scope.narrowed)
            answers[period].update({k: values[k] for k in kpis})
    campaign = None
    if scope.campaign_id is not None:
        from campaigns.models import Campaign

        campaign = Campaign(pk=scope.campaign_id)
    for period, kpis in wanted.items():
        costly = {k for k in kpis if not components_only(k)}
        if costly:
            values = kpis_for_period(
                workspace=workspace,
                first_day=period.first,
                last_day=period.last,
                campaign=campaign,
                channel=scope.channel,
                metrics=costly,
            )
            answers[period].update(values)
    return answers
