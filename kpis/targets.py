"""KPI targets: what a workspace aims for, per KPI and period (a month, a quarter or a year).

Editors set them on the targets page; the dashboard cards and the agency
overview read them to show progress, pacing and red / amber / green health
(`kpis.presentation.progress_against`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from accounts.models import Workspace
from accounts.tenancy import WorkspaceOwned, workspace_scope
from kpis.catalog import KPIS, Kind
from kpis.presentation import Period, TargetPeriodValue, format_day, month_end, quarter_start


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
        return f"{self.get_kpi_display()} {self.period_label}: {self.value}"

    @property
    def period(self) -> Period:
        return Period(self.starts_on, self.ends_on)

    @property
    def period_label(self) -> str:
        """The target's month, quarter or year in the workspace's locale: "Dec 2026", "Q4 2026" ("Dez. 2026")."""
        return format_day(self.starts_on, self.period_kind)  # each period kind is one of format_day's styles

    @property
    def value_for_display(self) -> Decimal:
        """Rates are stored as fractions (0.08) and edited as percentages (8)."""
        return self.value * 100 if KPIS[self.kpi].kind == Kind.RATE else self.value


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
        target, _created = Target.objects.update_or_create(
            workspace=workspace,
            kpi=kpi,
            period_kind=period_kind,
            starts_on=period.first,
            defaults={"ends_on": period.last, "value": value},
        )
        return target


def target_delete(*, workspace: Workspace, target_id: int) -> bool:
    with workspace_scope(workspace):
        deleted, _ = Target.objects.filter(pk=target_id).delete()
        return bool(deleted)
