"""Backtest of the forecasts (issue 19, README "Forecasts"): cut the workspace's history at several dates.

For each cut date (the 10th of each of the last `CUTS` complete months of the generated workspace), each
forecast KPI is forecast to the end of that month from the history before the cut, exactly as the API
would have on that day (`kpis.forecasts.forecast_kpi`), and compared with what the month turned out to
be (its total, or MRR's level on its last day, read from the same rollups):

- MAPE: the mean of |forecast − actual| ÷ actual over every (cut, KPI) with an actual above 0;
- coverage: the share of those actuals inside the forecast's 80 % interval (≈ 80 % when the interval
  is honest; lower means it is too narrow).

Figures, not gates: the generated data have no real seasonality, so these say the method works end to end
and give its order of magnitude, not how it does on a client's data.
"""

from __future__ import annotations

from datetime import date, timedelta

from bench.registry import Result, Skipped, figure

CUTS = 8
CUT_DAY = 10


def cut_dates(last_data_day: date, first_data_day: date) -> list[date]:
    """The 10th of each of the last CUTS complete months before `last_data_day`, after the first data."""
    cuts = []
    month = last_data_day.replace(day=1)
    while len(cuts) < CUTS:
        month = (month - timedelta(days=1)).replace(day=1)
        cut = month.replace(day=CUT_DAY)
        if cut - timedelta(days=7) < first_data_day:  # at least a week of history
            break
        cuts.append(cut)
    return sorted(cuts)


def backtest(workspace, today: date) -> dict:
    from kpis import forecasts

    histories = {
        kpi: forecasts.daily_history(workspace=workspace, kpi=kpi, before=today) for kpi in forecasts.FORECAST_KPIS
    }
    first = min((h.first for h in histories.values() if h.first), default=None)
    if first is None:
        raise Skipped("the workspace has no rollup rows")
    rows = []
    for cut in cut_dates(today - timedelta(days=1), first):
        for kpi, history in histories.items():
            answer = forecasts.forecast_kpi(workspace=workspace, kpi=kpi, horizon="month", today=cut)
            if answer.value is None:
                continue
            period = answer.period
            actual = (
                history.on(period.last) if kpi in forecasts.LEVELS else sum(history.between(period.first, period.last))
            )
            rows.append({"cut": cut.isoformat(), "kpi": kpi, "model": answer.model, "actual": actual,
                         "forecast": answer.value, "low": answer.low, "high": answer.high})  # fmt: skip
    scored = [row for row in rows if row["actual"] > 0]
    if not scored:
        raise Skipped("no month with activity to compare")
    by_kpi = {}
    for kpi in forecasts.FORECAST_KPIS:
        mine = [row for row in scored if row["kpi"] == kpi]
        if mine:
            by_kpi[kpi] = {
                "mape_percent": round(100 * sum(abs(r["forecast"] - r["actual"]) / r["actual"] for r in mine) / len(mine), 1),
                "coverage_percent": round(100 * sum(r["low"] <= r["actual"] <= r["high"] for r in mine) / len(mine), 1),
            }  # fmt: skip
    return {
        "mape": 100 * sum(abs(r["forecast"] - r["actual"]) / r["actual"] for r in scored) / len(scored),
        "coverage": 100 * sum(r["low"] <= r["actual"] <= r["high"] for r in scored) / len(scored),
        "cuts": sorted({row["cut"] for row in rows}),
        "by_kpi": by_kpi,
        "rows": rows,
    }


def _backtest(bench) -> dict:
    if "forecast_backtest" not in bench.state:
        from accounts.tenancy import workspace_scope
        from kpis.forecasts import local_today
        from kpis.models import WorkspaceDay
        from kpis.services import recompute_rollups

        workspace = bench.workspace
        with workspace_scope(workspace):
            built = WorkspaceDay.objects.exists()
        if not built:  # run alone (--only): the recompute figures have not built the rollups
            recompute_rollups(workspace_id=workspace.pk)
        bench.state["forecast_backtest"] = backtest(workspace, local_today(workspace))
    return bench.state["forecast_backtest"]


@figure("forecasts: month-end MAPE (backtest)", unit="%", order=70)
def forecast_mape(bench) -> Result:
    answer = _backtest(bench)
    note = f"{len(answer['cuts'])} cut dates × 5 KPIs; " + ", ".join(
        f"{kpi} {v['mape_percent']:g} %" for kpi, v in answer["by_kpi"].items()
    )
    return Result(round(answer["mape"], 1), note=note, extra=answer)


@figure("forecasts: 80 % interval coverage (backtest)", unit="%", target="≈ 80 %", order=71)
def forecast_coverage(bench) -> Result:
    answer = _backtest(bench)
    note = ", ".join(f"{kpi} {v['coverage_percent']:g} %" for kpi, v in answer["by_kpi"].items())
    return Result(round(answer["coverage"], 1), note=note, extra={"by_kpi": answer["by_kpi"]})
