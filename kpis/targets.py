"""KPI targets: what a workspace aims for, per KPI and period (a month, a quarter or a year).

Editors set them on the targets page; the dashboard cards and the agency
overview read them to show progress, pacing and red / amber / green health
(`progress_against`, below: one definition of progress, pace and health).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from accounts import audit
from accounts.models import AuditAction, Workspace
from accounts.tenancy import WorkspaceOwned, workspace_scope
from kpis.catalog import KPIS
from kpis.periods import Period, month_end, quarter_start


class TargetPeriodKind(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"


def target_period(kind: str, starts_on: date) -> Period:
    if kind == TargetPeriodKind.MONTH:
        return Period(starts_on, month_end(starts_on))
    if kind == TargetPeriodKind.QUARTER:
        return Period(starts_on, month_end(starts_on.replace(month=starts_on.month + 2)))
    return Period(starts_on, date(starts_on.year, 12, 31))


def period_start_for(kind: str, day: date) -> date:
    """The first day of the month, quarter or year containing `day`."""
    if kind == TargetPeriodKind.MONTH:
        return day.replace(day=1)
    if kind == TargetPeriodKind.QUARTER:
        return quarter_start(day)
    return date(day.year, 1, 1)


class Target(WorkspaceOwned):
    kpi = models.CharField(max_length=40, choices=[(name, KPIS[name].label) for name in KPIS.where(targetable=True)])
    period_kind = models.CharField(max_length=10, choices=TargetPeriodKind.choices, default=TargetPeriodKind.MONTH)
    starts_on = models.DateField(help_text="The first day of the month, quarter or year.")
    ends_on = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "kpis"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kpi", "period_kind", "starts_on"], name="kpis_target_key"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="kpis_target_period"),
        ]
        indexes = [models.Index(fields=["workspace", "kpi", "ends_on"], name="kpis_target_kpi")]
        ordering = ["kpi", "starts_on"]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} {self.period_kind} from {self.starts_on.isoformat()}: {self.value}"

    @property
    def period(self) -> Period:
        return Period(self.starts_on, self.ends_on)


# ---------------------------------------------------------------- selectors and services


def targets_for_period(*, workspace: Workspace, period: Period) -> dict[str, list[TargetPeriodValue]]:
    """The workspace's targets overlapping `period`, per KPI (one query)."""
    with workspace_scope(workspace):
        rows = Target.objects.filter(starts_on__lte=period.last, ends_on__gte=period.first).values_list(
            "kpi", "starts_on", "ends_on", "value"
        )
        result: dict[str, list[TargetPeriodValue]] = {}
        for kpi, starts_on, ends_on, value in rows:
            result.setdefault(kpi, []).append(TargetPeriodValue(Period(starts_on, ends_on), value))
        return result


def targets_of_workspaces(*, workspace_ids: list[int], first_day: date, last_day: date) -> dict[int, list[Target]]:
    """The targets overlapping first_day..last_day of several workspaces (the agency overview), in one query."""
    found: dict[int, list[Target]] = {}
    if not workspace_ids:
        return found
    # A deliberate cross-workspace read: the overview shows every client the person reaches.
    targets = Target.objects.unscoped().filter(
        workspace__in=workspace_ids, starts_on__lte=last_day, ends_on__gte=first_day
    )
    for target in targets:
        found.setdefault(target.workspace_id, []).append(target)
    return found


def target_list(*, workspace: Workspace):
    with workspace_scope(workspace):
        return list(Target.objects.order_by("-starts_on", "kpi", "period_kind"))


def target_set(*, workspace: Workspace, kpi: str, period_kind: str, starts_on: date, value: Decimal) -> Target:
    """Create or replace the target of a KPI for one period."""
    if kpi not in KPIS.where(targetable=True):
        raise ValidationError({"kpi": f"No targets for {kpi!r}."})
    starts_on = period_start_for(period_kind, starts_on)
    period = target_period(period_kind, starts_on)
    with workspace_scope(workspace), transaction.atomic():
        target, created = Target.objects.update_or_create(
            workspace=workspace,
            kpi=kpi,
            period_kind=period_kind,
            starts_on=period.first,
            defaults={"ends_on": period.last, "value": value},
        )
        audit.record(
            AuditAction.TARGET_CREATED if created else AuditAction.TARGET_UPDATED,
            workspace=workspace,
            target=("target", target.pk, f"{kpi} {period_kind} from {period.first}"),
            kpi=kpi,
            period_kind=period_kind,
            starts_on=period.first,
            value=value,
        )
        return target


def target_delete(*, workspace: Workspace, target_id: int) -> bool:
    with workspace_scope(workspace), transaction.atomic():
        target = Target.objects.filter(pk=target_id).first()
        if target is None:
            return False
        target.delete()
        audit.record(
            AuditAction.TARGET_DELETED,
            workspace=workspace,
            target=("target", target_id, f"{target.kpi} {target.period_kind} from {target.starts_on}"),
            kpi=target.kpi,
            value=target.value,
        )
        return True


# ---------------------------------------------------------------- progress, pacing and health (pure)


class Health(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


HEALTH_LABELS = {Health.GREEN: "On track", Health.AMBER: "At risk", Health.RED: "Off track", Health.NONE: "No target"}
# On pace from 100 %, at risk from 90 % of the pace (or up to 10 % over a cost ceiling).
AMBER_FROM = 0.9


@dataclass(frozen=True)
class TargetPeriodValue:
    """One target as the progress maths needs it: its period and its value."""

    period: Period
    value: Decimal


@dataclass
class Progress:
    name: str
    target_for_range: Decimal | None  # prorated for additive KPIs, the level for the others
    target_total: Decimal | None  # the full value of the target periods the range touches (additive only)
    attainment: float | None  # actual ÷ target for the range (inverted for "lower is better"): 1.0 = on pace
    progress: float | None  # actual ÷ target_total (additive only)
    health: Health
    notes: list[str] = field(default_factory=list)
    # Additive KPIs: where the target periods end at the range's pace (target_total × actual ÷ target_for_range),
    # and those periods. One definition for the dashboard card and the targets page.
    projected: Decimal | None = None
    target_periods: tuple[Period, ...] = ()

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS[self.health]

    @property
    def progress_percent(self) -> float:
        return max(0.0, min(100.0, (self.progress or 0.0) * 100))


def _health(attainment: float | None, *, paced: bool = False) -> Health:
    if attainment is None:
        return Health.NONE
    if paced:
        off = abs(attainment - 1)
        return Health.GREEN if off <= 1 - AMBER_FROM else Health.AMBER if off <= 2 * (1 - AMBER_FROM) else Health.RED
    if attainment >= 1:
        return Health.GREEN
    if attainment >= AMBER_FROM:
        return Health.AMBER
    return Health.RED


def _one_family(targets: list[TargetPeriodValue], period: Period) -> list[TargetPeriodValue]:
    """The targets of one period length (months, quarters or years) that cover the range best.

    A month's and a quarter's target for the same KPI overlap: adding both
    would double the ask, so one family is used (the finer on a tie).
    """
    families: dict[int, list[TargetPeriodValue]] = {}
    for target in targets:
        families.setdefault(target.period.days // 28, []).append(target)
    return max(
        families.values(),
        key=lambda family: (sum(t.period.overlap_days(period) for t in family), -family[0].period.days),
    )


def progress_against(name: str, actual, period: Period, targets: list[TargetPeriodValue]) -> Progress | None:
    """Progress of a KPI over `period` against the targets whose periods overlap it.

    Additive KPIs (spend, leads…) prorate each target by the days the range
    shares with the target's period, so a month's target read on the first ten
    days of the month asks for a third of it: attainment is then the pace.
    Days of the range that no target covers are asked the covered days' daily
    rate (said in `notes`). Budget-like KPIs (spend) are on track within 10 %
    of the pace either way. Level KPIs (CPL, ROI, rates) compare with the
    target of the period that overlaps most; "lower is better" KPIs (costs)
    are on track at or below it.
    """
    overlapping = [t for t in targets if t.period.overlap_days(period)]
    if not overlapping:
        return None
    info = KPIS[name]
    notes: list[str] = []
    if info.additive:
        family = _one_family(overlapping, period)
        covered = sum(t.period.overlap_days(period) for t in family)
        target_for_range = sum((t.value * t.period.overlap_days(period) / t.period.days for t in family), Decimal(0))
        if covered < period.days:
            target_for_range = target_for_range * period.days / covered
            notes.append(f"{period.days - covered} of the {period.days} days have no target: asked the same daily rate")
        target_total = sum((t.value for t in family), Decimal(0))
        actual_d = Decimal(str(actual)) if actual is not None else None
        attainment = float(actual_d / target_for_range) if actual_d is not None and target_for_range else None
        if not info.higher_is_better and attainment:
            attainment = 1 / attainment
        progress = float(actual_d / target_total) if actual_d is not None and target_total else None
        health = _health(attainment, paced=info.paced)
        projected = actual_d * target_total / target_for_range if actual_d is not None and target_for_range else None
        periods = tuple(sorted((t.period for t in family), key=lambda p: p.first))
        return Progress(name, target_for_range, target_total, attainment, progress, health, notes, projected, periods)
    best = max(overlapping, key=lambda t: (t.period.overlap_days(period), -t.period.days, t.period.first))
    level = best.value
    attainment: float | None = None
    if actual is not None:
        actual_d = Decimal(str(actual))
        if info.higher_is_better:
            # A target of 0 or below (an ROI of −10 %…) is met or not: there is no ratio to take.
            attainment = float(actual_d / level) if level > 0 else float(actual_d >= level)
        else:
            attainment = float(level / actual_d) if actual_d > 0 else 1.0
    return Progress(name, level, None, attainment, None, _health(attainment), notes)


def worst_health(healths) -> Health:
    present = [h for h in healths if h != Health.NONE]
    if not present:
        return Health.NONE
    order = [Health.RED, Health.AMBER, Health.GREEN]
    return min(present, key=order.index)


# ---------------------------------------------------------------- will we reach it? (pure)

LIKELY = "likely to reach it"
WITHIN_REACH = "within reach"
AT_RISK = "at risk"
UNLIKELY = "likely to miss"


def forecast_verdict(value: float, low: float, high: float, target: Decimal) -> str:
    """Whether a forecast at the target period's end reaches the target (a KPI where higher is better).

    Certain either way when the whole 80 % interval is on one side of the target; else "within reach"
    when the forecast itself reaches it, "at risk" when only the interval's upper part does.
    """
    goal = float(target)
    if low >= goal:
        return LIKELY
    if high < goal:
        return UNLIKELY
    return WITHIN_REACH if value >= goal else AT_RISK
