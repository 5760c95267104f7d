"""Evaluating a workspace's alert rules after a recompute: windows, conditions, the state machine.

Cheap by design (it runs after every recompute): only the rules whose window
(and, for a change, the previous period) intersects the recomputed dates are
read; the rules of one scope (campaign, channel or neither) share their reads
(`alerts/reads.py`: one query for every window of the KPIs built from the daily
components); targets are read once per window. The rules are locked while
evaluated, so two evaluations of one workspace never both fire a rule.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from alerts import health_checks, reads
from alerts.models import DATA_HEALTH, AlertEvent, AlertRule, Condition, EventKind, RuleState, Window
from kpis import forecasts
from kpis.catalog import KPIS, Kind
from kpis.periods import Period, month_start
from kpis.reads import Scope
from kpis.targets import progress_against, targets_for_period

logger = logging.getLogger(__name__)

Ranges = Sequence[tuple[date, date]] | None


def window_period(window: str, today: date) -> Period:
    """The local dates of a window on `today` (the workspace's local date)."""
    if window == Window.TODAY:
        return Period(today, today)
    if window == Window.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return Period(yesterday, yesterday)
    if window == Window.LAST_30:
        return Period(today - timedelta(days=29), today)
    if window == Window.MONTH_TO_DATE:
        return Period(month_start(today), today)
    return Period(today - timedelta(days=6), today)


def dates_read(rule: AlertRule, period: Period) -> Period:
    """Every date the rule's value depends on: its window, and the previous period for a change."""
    if rule.condition == Condition.CHANGE:
        return Period(period.previous().first, period.last)
    return period


def touches(period: Period, ranges: Ranges) -> bool:
    if ranges is None:
        return True
    return any(first <= period.last and last >= period.first for first, last in ranges)


@dataclass(frozen=True)
class Outcome:
    """A rule's verdict: firing or not (None: no value to judge, the state stays), and the values behind it."""

    firing: bool | None
    value: object
    comparison: object
    detail: str


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def in_rule_units(kpi: str, value) -> Decimal | None:
    """The value as a rule's threshold reads it: a rate in percent (5 for 5 %), every other kind as it is."""
    number = _number(value)
    if number is not None and KPIS[kpi].kind == Kind.RATE:
        return number * 100
    return number


def check(rule: AlertRule, value, previous=None, progress=None, expected=None) -> Outcome:
    """Whether the rule's condition holds for `value` (and the previous period's value, the pace, or the
    forecast's `expected` (low, high, model) interval)."""
    threshold = rule.threshold
    current = in_rule_units(rule.kpi, value)
    if rule.condition == Condition.ANOMALY:
        return _anomaly(rule, value, current, expected)
    if rule.condition in (Condition.ABOVE, Condition.BELOW):
        if current is None:
            return Outcome(None, value, "", "No value for the window.")
        firing = current > threshold if rule.condition == Condition.ABOVE else current < threshold
        word = "above" if rule.condition == Condition.ABOVE else "below"
        detail = f"{current.normalize():f} is {'' if firing else 'not '}{word} {threshold.normalize():f}"
        return Outcome(firing, value, "", detail)
    if rule.condition == Condition.CHANGE:
        before = in_rule_units(rule.kpi, previous)
        if current is None or not before:
            return Outcome(None, value, previous, "No previous value to compare with.")
        change = (current - before) / abs(before) * 100
        firing = abs(change) > threshold
        detail = f"{change:+.1f} % against the previous period (limit ±{threshold.normalize():f} %)"
        return Outcome(firing, value, previous, detail)
    if rule.condition == Condition.OFF_PACE:
        if progress is None or progress.attainment is None:
            return Outcome(None, value, "", "No target for the window.")
        attainment = Decimal(str(progress.attainment)) * 100
        least = threshold
        # A budget (paced) is off pace when too far from it either way; any other KPI when under it.
        firing = abs(attainment - 100) > 100 - least if KPIS[rule.kpi].paced else attainment < least
        detail = f"{attainment:.0f} % of the target's pace (least {least.normalize():f} %)"
        return Outcome(firing, value, progress.target_for_range, detail)
    raise ValueError(f"unknown condition {rule.condition!r}")


def check_stale(stale: list[str] | None) -> Outcome:
    """A data-health rule: firing while any source is stale (None: no data-health check installed)."""
    if stale is None:
        return Outcome(None, "", "", "No data-health check is installed.")
    if not stale:
        return Outcome(False, 0, "", "Every source sends as usual.")
    return Outcome(True, len(stale), "", "Stopped sending: " + "; ".join(stale))


def _anomaly(rule: AlertRule, value, current: Decimal | None, expected) -> Outcome:
    """Outside the 80 % interval the forecast expected for the day, widened by the threshold (% of its width)."""
    if expected is None or current is None:
        return Outcome(None, value, "", "No history to forecast the day from.")
    low, high = (Decimal(str(round(bound, 4))) for bound in expected[:2])
    model = expected[2]
    margin = (high - low) * rule.threshold / 100
    firing = current < low - margin or current > high + margin
    shown = f"{low.normalize():f}–{high.normalize():f}"
    detail = f"{current.normalize():f} is {'outside' if firing else 'within'} the expected {shown} ({model})"
    return Outcome(firing, value, shown, detail)


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# ---------------------------------------------------------------- the state machine


def advance(rule: AlertRule, outcome: Outcome, period: Period, now: datetime) -> AlertEvent | None:
    """Apply an outcome to the rule (saved); the event to notify, if any."""
    rule.last_evaluated_at = now
    rule.last_value = _text(outcome.value)
    kind = None
    if outcome.firing and rule.state == RuleState.OK:
        kind = EventKind.FIRED
        rule.state, rule.last_fired_at = RuleState.FIRING, now
    elif outcome.firing and rule.state == RuleState.FIRING and _renotify_due(rule, now):
        kind = EventKind.STILL_FIRING
    elif outcome.firing is False and rule.state == RuleState.FIRING:
        kind = EventKind.RESOLVED
        rule.state = RuleState.OK
    event = None
    if kind is not None:
        rule.last_notified_at = now
        event = AlertEvent.objects.create(
            rule=rule,
            kind=kind,
            at=now,
            value=_text(outcome.value),
            comparison=_text(outcome.comparison),
            threshold=rule.threshold_text,
            first_day=period.first,
            last_day=period.last,
            detail=outcome.detail[:300],
        )
    rule.save(update_fields=["state", "last_value", "last_evaluated_at", "last_fired_at", "last_notified_at"])
    return event


def _renotify_due(rule: AlertRule, now: datetime) -> bool:
    if not rule.renotify_minutes or rule.last_notified_at is None:
        return False
    return now >= rule.last_notified_at + timedelta(minutes=rule.renotify_minutes)


# ---------------------------------------------------------------- a workspace's rules


def _scope(rule: AlertRule) -> Scope:
    return Scope(campaign_id=rule.campaign_id, channel=rule.channel or None)


def _wanted(rules: list[AlertRule], today: date) -> dict[Period, set[str]]:
    """The periods the rules of one scope read, with the KPIs each is asked for."""
    wanted: dict[Period, set[str]] = defaultdict(set)
    for rule in rules:
        period = window_period(rule.window, today)
        wanted[period].add(rule.kpi)
        if rule.condition == Condition.CHANGE:
            wanted[period.previous()].add(rule.kpi)
    return wanted


def evaluate_workspace(workspace_id: int, ranges: Ranges = None) -> list[int]:
    """Evaluate the workspace's active rules whose dates intersect `ranges` (None: every rule); the new events' ids."""
    workspace = Workspace.objects.filter(pk=workspace_id, deleting_since=None).first()
    if workspace is None:
        return []
    now = timezone.now()
    today = now.astimezone(workspace.tz).date()
    events: list[int] = []
    with workspace_scope(workspace), transaction.atomic():
        rules = list(AlertRule.objects.filter(active=True).select_for_update())
        due = [r for r in rules if touches(dates_read(r, window_period(r.window, today)), ranges)]
        by_scope: dict[Scope, list[AlertRule]] = defaultdict(list)
        health_rules = [rule for rule in due if rule.kpi == DATA_HEALTH]
        if health_rules:
            outcome = check_stale(health_checks.stale_sources(workspace))
            for rule in health_rules:
                event = advance(rule, outcome, window_period(rule.window, today), now)
                if event is not None:
                    events.append(event.pk)
        for rule in due:
            if rule.kpi != DATA_HEALTH:
                by_scope[_scope(rule)].append(rule)
        targets: dict[Period, dict] = {}
        for scope, group in by_scope.items():
            values = reads.values_for(workspace, scope, _wanted(group, today))
            for rule in group:
                period = window_period(rule.window, today)
                current = values[period].get(rule.kpi)
                previous = values[period.previous()].get(rule.kpi) if rule.condition == Condition.CHANGE else None
                progress = None
                if rule.condition == Condition.OFF_PACE:
                    if period not in targets:
                        targets[period] = targets_for_period(workspace=workspace, period=period)
                    kpi_targets = targets[period].get(rule.kpi, [])
                    progress = progress_against(rule.kpi, current, period, kpi_targets) if kpi_targets else None
                expected = None
                if rule.condition == Condition.ANOMALY:
                    expected = forecasts.expected_interval(workspace=workspace, kpi=rule.kpi, day=period.last)
                event = advance(rule, check(rule, current, previous, progress, expected), period, now)
                if event is not None:
                    events.append(event.pk)
        if events:
            from alerts.tasks import notify_event_task

            for event_id in events:
                transaction.on_commit(lambda event_id=event_id: notify_event_task.delay(event_id))
    return events


def on_rollups_recomputed(sender, *, workspace_id: int, ranges: Iterable | None, **kwargs) -> None:
    """The signal's receiver: queue the evaluation once the recompute's transaction (if any) has committed."""
    from alerts.tasks import evaluate_workspace_task

    if not AlertRule.objects.unscoped().filter(workspace_id=workspace_id, active=True).exists():
        return  # most workspaces have no rule: no task for them
    payload = None if ranges is None else [[first.isoformat(), last.isoformat()] for first, last in ranges]
    transaction.on_commit(lambda: evaluate_workspace_task.delay(workspace_id, payload))
