"""Targets off pace, as "needs attention" items (kpis.attention): registered by kpis' AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import workspace_scope
from kpis import selectors
from kpis.attention import AttentionItem
from kpis.catalog import KPIS
from kpis.periods import Period
from kpis.targets import HEALTH_LABELS, Health, TargetPeriodValue, progress_against, targets_of_workspaces


def off_pace_items(workspaces: Sequence) -> list[AttentionItem]:
    """A target whose period runs today and whose progress to date is at risk or off track.

    One query finds every workspace's running targets; only workspaces that have
    some read their KPIs (one read each, all their targeted KPIs at once).
    """
    now = timezone.now()
    todays: dict[int, date] = {ws.pk: now.astimezone(ws.tz).date() for ws in workspaces}
    if not todays:
        return []
    targets = targets_of_workspaces(
        workspace_ids=list(todays), first_day=min(todays.values()), last_day=max(todays.values())
    )
    items: list[AttentionItem] = []
    for ws in workspaces:
        today = todays[ws.pk]
        running = [t for t in targets.get(ws.pk, []) if t.starts_on <= today <= t.ends_on]
        if not running:
            continue
        first = min(t.starts_on for t in running)
        with workspace_scope(ws):
            values = selectors.kpis_for_period(
                workspace=ws, first_day=first, last_day=today, metrics=sorted({t.kpi for t in running})
            )
        for target in running:
            to_date = Period(target.starts_on, today)
            progress = progress_against(
                target.kpi, values.get(target.kpi), to_date, [TargetPeriodValue(target.period, target.value)]
            )
            if progress is None or progress.health not in (Health.RED, Health.AMBER):
                continue
            label = KPIS[target.kpi].label
            items.append(
                AttentionItem(
                    workspace_id=ws.pk,
                    kind="target_off_pace",
                    title=f"{ws.name}: {label} target {HEALTH_LABELS[progress.health].lower()}",
                    detail=f"{label} since {target.starts_on:%d %b %Y} is at "
                    f"{progress.attainment * 100:.0f} % of the pace to the {target.get_period_kind_display().lower()}'s target"
                    if progress.attainment is not None
                    else f"No {label.lower()} yet this {target.get_period_kind_display().lower()}.",
                    url=reverse("kpis-targets", args=[ws.slug]),
                    severity="warning" if progress.health == Health.RED else "info",
                )
            )
    return items
