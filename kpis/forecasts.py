"""Forecasts of a workspace's KPIs to the end of the month or quarter (README, Forecasts).

The daily series is read from the workspace's daily rollup rows (`WorkspaceDay`, one row a day, in SQL);
`kpis.forecasting` fits the model. A forecast starts today: the days before today are complete and form
the history, today and the days after it are forecast. A flow's total for a period is its actuals to date
(its first day to yesterday) plus the forecast of the remaining days; MRR, a balance, is forecast as its
level on the period's last day. Workspace-wide only (a campaign or channel filter has no forecast).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import Workspace
from accounts.tenancy import workspace_reads
from kpis import forecasting
from kpis.models import WorkspaceDay
from kpis.periods import Period, month_end, quarter_start

# The KPIs forecast, with the rollup column (or expression) of their daily value. "Pipeline created" is the
# number of deals created a day: the rollups keep no amount of open deals.
DAILY_COLUMNS = {
    "leads": F("leads"),
    "mqls": F("mqls"),
    "deals_created": F("deals_created"),
    "won_revenue": F("won_revenue"),
    "mrr": F("new_mrr") - F("churned_mrr"),  # a daily change: the balance is their running sum
}
FORECAST_KPIS = tuple(DAILY_COLUMNS)
LEVELS = frozenset({"mrr"})
HORIZONS = ("month", "quarter")
NO_HISTORY = "no history: nothing to forecast"


def local_today(workspace: Workspace) -> date:
    return timezone.now().astimezone(workspace.tz).date()


def horizon_period(horizon: str, today: date) -> Period:
    """The current month or quarter (the one containing `today`)."""
    if horizon == "month":
        return Period(today.replace(day=1), month_end(today))
    first = quarter_start(today)
    return Period(first, month_end(first.replace(month=first.month + 2)))


@dataclass(frozen=True)
class History:
    """The daily values of a KPI from `first` (its first day with rollup rows) to the day before a cut day."""

    first: date | None
    values: list[float]

    def between(self, first: date, last: date) -> list[float]:
        if self.first is None:
            return []
        start = max((first - self.first).days, 0)
        end = (last - self.first).days + 1
        return self.values[start:end] if end > start else []

    def on(self, day: date) -> float:
        """A level's value at the end of `day` (0 before the history)."""
        if self.first is None or day < self.first:
            return 0.0
        return self.values[min((day - self.first).days, len(self.values) - 1)]


def daily_history(*, workspace: Workspace, kpi: str, before: date) -> History:
    """The KPI a day over the `forecasting.MAX_HISTORY` days before `before`, from the workspace's first data.

    Days without a rollup row are 0. MRR is its balance at the end of each day: the changes before the
    window are summed in SQL (one aggregate), then the window's daily changes added up.
    """
    window_first = before - timedelta(days=forecasting.MAX_HISTORY)
    expression = DAILY_COLUMNS[kpi]
    with workspace_reads(workspace):
        rows = list(
            WorkspaceDay.objects.filter(day__gte=window_first, day__lt=before)
            .annotate(value=expression)
            .order_by("day")
            .values_list("day", "value")
        )
        opening = 0.0
        if kpi in LEVELS and rows:
            earlier = WorkspaceDay.objects.filter(day__lt=window_first).aggregate(total=Sum(expression))["total"]
            opening = float(earlier or 0)
    if not rows:
        return History(None, [])
    first = rows[0][0]
    values = [0.0] * (before - first).days
    for day, value in rows:
        values[(day - first).days] = float(value or 0)
    if kpi in LEVELS:
        running = opening
        for i, change in enumerate(values):
            running += change
            values[i] = running
    return History(first, values)


@dataclass(frozen=True)
class KpiForecast:
    """A KPI forecast to the end of `period` made on `today` (money as Decimal, counts as float)."""

    kpi: str
    horizon: str
    period: Period
    today: date
    model: str
    history_days: int
    actual_to_date: float  # first day to yesterday: a flow's sum, a level's value yesterday
    value: float | None
    low: float | None
    high: float | None
    daily: list[tuple[date, float, float, float]]  # (day, forecast, low, high) from today to the period's end

    @property
    def level(self) -> float:
        return forecasting.LEVEL


def _fit(history: History, horizon: int, level: bool) -> forecasting.Forecast | None:
    return _cached_fit(tuple(history.values[-forecasting.MAX_HISTORY :]), horizon, level)


# A Holt-Winters fit takes a few hundred milliseconds; the dashboard's charts, the Targets page and the API
# ask for the same one again until new data change the history (the key), so each process keeps the last
# few (a quarter's paths are about 0.7 MB).
@functools.lru_cache(maxsize=32)
def _cached_fit(values: tuple[float, ...], horizon: int, level: bool) -> forecasting.Forecast | None:
    return forecasting.forecast(values, horizon, level=level)


def forecast_kpi(*, workspace: Workspace, kpi: str, horizon: str, today: date) -> KpiForecast:
    """The KPI's forecast to the end of the month or quarter containing `today`."""
    period = horizon_period(horizon, today)
    history = daily_history(workspace=workspace, kpi=kpi, before=today)
    days = (period.last - today).days + 1
    level = kpi in LEVELS
    yesterday = today - timedelta(days=1)
    actual = history.on(yesterday) if level else sum(history.between(period.first, yesterday))
    fit = _fit(history, days, level)
    if fit is None:
        return KpiForecast(kpi, horizon, period, today, NO_HISTORY, 0, actual, None, None, None, [])
    mean, low, high = fit.level() if level else fit.total()
    if not level:
        mean, low, high = actual + mean, actual + low, actual + high
    daily = [(today + timedelta(days=i), fit.mean[i], lo, hi) for i, (lo, hi) in enumerate(fit.daily_interval())]
    return KpiForecast(kpi, horizon, period, today, fit.model, len(history.values), actual, mean, low, high, daily)


def period_forecasts(
    *, workspace: Workspace, kpi: str, today: date, periods: Sequence[tuple[date, date]]
) -> tuple[str, list[tuple[float, float, float] | None]]:
    """(model, forecast of each period): a chart's periods ending today or later get (value, low, high).

    A flow's period that started before today adds its actuals before today; a level's is its value on
    the period's last day. Periods that ended before today get None.
    """
    history = daily_history(workspace=workspace, kpi=kpi, before=today)
    last_day = max((last for _, last in periods), default=today)
    level = kpi in LEVELS
    fit = _fit(history, (last_day - today).days + 1, level) if last_day >= today else None
    if fit is None:
        return (NO_HISTORY if not history.values else ""), [None for _ in periods]
    answers: list[tuple[float, float, float] | None] = []
    for first, last in periods:
        if last < today:
            answers.append(None)
        elif level:
            answers.append(fit.level((last - today).days))
        else:
            known = sum(history.between(first, today - timedelta(days=1)))
            mean, low, high = fit.total((max(first, today) - today).days, (last - today).days)
            answers.append((known + mean, known + low, known + high))
    return fit.model, answers


def expected_interval(*, workspace: Workspace, kpi: str, day: date) -> tuple[float, float, str] | None:
    """The 80 % interval expected for the KPI on `day` from its history before that day, and the model.

    For an "anomaly" condition: a day's value outside (low, high) is unusual. A flow's interval is of that
    day's value, MRR's of its balance at the end of that day. None when there is no history before `day`.
    """
    if kpi not in DAILY_COLUMNS:
        raise ValueError(f"no forecast for {kpi!r}")
    history = daily_history(workspace=workspace, kpi=kpi, before=day)
    fit = _fit(history, 1, kpi in LEVELS)
    if fit is None:
        return None
    low, high = fit.daily_interval()[0]
    return low, high, fit.model


def as_money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(Decimal("0.01"))
