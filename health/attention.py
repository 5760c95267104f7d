"""Stale sources as "needs attention" items (kpis.attention), registered in HealthConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from health.status import stale_streams
from kpis.attention import AttentionItem


def stale_source_items(workspaces: Sequence) -> list[AttentionItem]:
    """One item per source and resource gone quiet (three queries for any number of workspaces)."""
    by_id = {ws.pk: ws for ws in workspaces}
    items = []
    for stream in stale_streams(workspaces):
        ws = by_id[stream.workspace_id]
        items.append(
            AttentionItem(
                workspace_id=ws.pk,
                kind="stale_source",
                title=f"{ws.name}: {stream.source_name} stopped sending {stream.resource_label.lower()}",
                detail=f"Nothing for {stream.days_silent} days; it usually sends every "
                + ("day" if stream.median_gap == 1 else f"{stream.median_gap:g} days")
                + ".",
                url=reverse("health", args=[ws.slug]),
                severity="warning",
            )
        )
    return items


def stale_descriptions(workspace) -> list[str]:
    """The workspace's stale sources in words, for alert rules on data health (alerts.health_checks)."""
    return [
        f"{stream.source_name}: {stream.resource_label.lower()}, nothing for {stream.days_silent} days"
        for stream in stale_streams([workspace])
    ]
