"""Alerts: freshness with 100 alert rules on the workspace, against the same figure with none.

Every recompute queues an evaluation of the workspace's rules (alerts/evaluation.py) on the
same worker; with one pool process, an evaluation that is slow delays the next push's
recompute. The rules mix KPIs, windows, scopes and conditions, and never fire (their
thresholds are out of reach), so the figure measures evaluation, not notification.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.registry import Result, Skipped, figure

RULES = 100
KPIS = ("spend", "leads", "mqls", "page_views", "sessions", "cpl", "won_revenue", "clicks", "impressions")
KPIS += ("new_visitors",)  # distinct visitors: read per window, not from the daily components
WINDOWS = ("today", "yesterday", "last_7", "last_30", "month_to_date")
CONDITIONS = ("above", "below", "change", "off_pace")


def create_rules(workspace, count: int = RULES) -> list[int]:
    """`count` rules over the catalogue's common KPIs, every window and condition, a few narrowed."""
    from accounts.tenancy import workspace_scope
    from alerts.services import rule_create
    from campaigns.models import Campaign
    from kpis.catalog import KPIS as CATALOGUE

    with workspace_scope(workspace):
        campaigns = list(Campaign.objects.order_by("id")[:2])
    ids = []
    for i in range(count):
        kpi = KPIS[i % len(KPIS)]
        condition = CONDITIONS[i % len(CONDITIONS)]
        if condition == "off_pace" and not CATALOGUE[kpi].targetable:
            condition = "change"
        scope = {}
        if condition != "off_pace" and i % 5 == 0 and campaigns:
            scope = {"campaign": campaigns[i % len(campaigns)]}
        threshold = {"above": Decimal("1e12"), "below": Decimal("-1"), "change": Decimal("1e6"), "off_pace": 1}
        rule = rule_create(
            workspace=workspace,
            name=f"bench rule {i}",
            kpi=kpi,
            condition=condition,
            threshold=threshold[condition],
            window=WINDOWS[i % len(WINDOWS)],
            **scope,
        )
        ids.append(rule.pk)
    return ids


@figure(
    "alerts: freshness p95 with 100 rules",
    unit="s",
    target="< 2 s, ≤ 1.25× without rules",
    rule=lambda r: r.value < 2 and (r.ratio is None or r.ratio <= 1.25),
    order=61,
)
def freshness_with_rules(bench) -> Result:
    from alerts.evaluation import evaluate_workspace
    from alerts.models import AlertRule
    from bench.figures.kpis import freshness_p95

    baseline = bench.state.get("freshness_1x")
    if baseline is None:
        raise Skipped("needs the figure `kpis: freshness p95` (no rules) in the same run")
    workspace = bench.workspace
    ids = create_rules(workspace)
    try:
        value = freshness_p95(bench, workspace)
        today = datetime.now(UTC).astimezone(workspace.tz).date()
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            evaluate_workspace(workspace.pk, [(today - timedelta(days=1), today)])
            timings.append(time.perf_counter() - started)
        evaluated = AlertRule.objects.unscoped().filter(pk__in=ids, last_evaluated_at__isnull=False).count()
    finally:
        AlertRule.objects.unscoped().filter(pk__in=ids).delete()
    return Result(
        value=value,
        baseline=baseline,
        baseline_label="no rules",
        note=f"{RULES} rules, {evaluated} evaluated; one evaluation of them all: median "
        f"{statistics.median(timings) * 1000:.0f} ms (in process)",
    )
