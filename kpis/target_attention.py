"""Targets off pace, as "needs attention" items (kpis.attention): registered by kpis' AppConfig.ready()."""

from __future__ import annotations

from collections import defaultdict
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
    some read their KPIs (one read per distinct first day of their targets).
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
        # Each target's KPI is read from its own first day (a month's target counts nothing of the quarter
        # before it): one read per distinct first day, all the KPIs starting then at once.
        starts: dict[date, set[str]] = defaultdict(set)
        for target in running:
            starts[target.starts_on].add(target.kpi)
        with workspace_scope(ws):
            values_since = {
                first: selectors.kpis_for_period(workspace=ws, first_day=first, last_day=today, metrics=sorted(kpis))
                for first, kpis in starts.items()
            }
        for target in running:
            values = values_since[target.starts_on]
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
