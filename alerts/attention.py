"""Firing rules in the "needs attention" list (kpis.attention)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from alerts.models import AlertRule, RuleState
from kpis.attention import AttentionItem


def firing_rules(workspaces: Sequence) -> list[AttentionItem]:
    """One item per firing rule of these workspaces (one query)."""
    by_id = {w.pk: w for w in workspaces}
    # A deliberate cross-workspace read: the person reaches every one of `workspaces`.
    rules = AlertRule.objects.unscoped().filter(workspace_id__in=by_id, active=True, state=RuleState.FIRING)
    return [
        AttentionItem(
            workspace_id=rule.workspace_id,
            kind="alert",
            title=f"{by_id[rule.workspace_id].name}: {rule.name}",
            detail=f"{rule.kpi_label} is {rule.last_value or '—'}",
            url=reverse("alerts-rule", args=[by_id[rule.workspace_id].slug, rule.pk]),
            severity="critical" if rule.severity == "critical" else "warning",
        )
        for rule in rules.order_by("workspace_id", "name")
    ]
