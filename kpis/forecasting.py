"""Forecasting a daily KPI series: pure functions on lists of floats (no Django).

Models (README, Forecasts):

- at least `SEASONAL_MIN_DAYS` days of history, a flow (leads, won revenue…): Holt-Winters exponential
  smoothing (statsmodels' `ExponentialSmoothing`) with an additive damped trend and an additive weekly season;
- the same history, a level (MRR): Holt's linear trend, damped, no season (a balance has no weekday pattern);
- a shorter history: the average of the last `SHORT_WINDOW` days (a flow) or the last value (a level),
  and the model's name says "short history";
- no history: nothing to forecast (`None`).

The interval: `PATHS` future paths are simulated. For the exponential smoothing models, statsmodels
simulates the fitted state-space model with normal errors of the variance of its one-step residuals
(drawing the residuals themselves covered only ~72 % of held-out points on pure noise: in-sample
residuals are too small); for the short-history models each future day adds a residual of the history drawn at random
(a flow: its deviation from the average; a level: a daily change). A total over several days is the sum of
each path over those days, so its interval is the 10th–90th percentile of the path sums, not a sum of
daily percentiles. Values are floored at 0 (the forecast KPIs are never negative).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEVEL = 0.8  # the interval's coverage: 10th to 90th percentile
SEASON = 7
SEASONAL_MIN_DAYS = 4 * SEASON  # four weeks: the weekly pattern is seen four times
SHORT_WINDOW = 14
MAX_HISTORY = 365  # older days barely weigh in exponential smoothing and only slow the fit
PATHS = 1000

HOLT_WINTERS = "Holt-Winters, weekly"
HOLT = "Holt, damped trend"
SHORT_AVERAGE = f"average of the last {SHORT_WINDOW} days: short history"
SHORT_LAST = "last value: short history"


@dataclass(frozen=True)
class Forecast:
    """A forecast of the `horizon` days after the history: a mean per day and simulated paths (days × PATHS)."""

    model: str
    mean: list[float]
    paths: np.ndarray

    @property
    def horizon(self) -> int:
        return len(self.mean)

    def daily_interval(self) -> list[tuple[float, float]]:
        """The 80 % interval of each day's value."""
        if not self.horizon:
            return []
        low, high = _quantiles(self.paths, axis=1)
        return list(zip(low.tolist(), high.tolist(), strict=True))

    def total(self, first: int = 0, last: int | None = None) -> tuple[float, float, float]:
        """(mean, low, high) of the sum of days first..last (indexes, inclusive; default every day)."""
        last = self.horizon - 1 if last is None else last
        if last < first:
            return 0.0, 0.0, 0.0
        sums = self.paths[first : last + 1].sum(axis=0)
        low, high = _quantiles(sums)
        return float(sum(self.mean[first : last + 1])), float(low), float(high)

    def level(self, day: int | None = None) -> tuple[float, float, float]:
        """(mean, low, high) of a level (MRR) on one day of the horizon (default: the last)."""
        day = self.horizon - 1 if day is None else day
        low, high = _quantiles(self.paths[day])
        return float(self.mean[day]), float(low), float(high)


def _quantiles(values: np.ndarray, axis: int | None = None) -> tuple:
    tail = (1 - LEVEL) / 2
    return np.quantile(values, tail, axis=axis), np.quantile(values, 1 - tail, axis=axis)


def forecast(history: Sequence[float], horizon: int, *, level: bool = False, seed: int = 0) -> Forecast | None:
    """Forecast the `horizon` days after `history` (one value a day, oldest first).

    `level`: the series is a balance (MRR) rather than a daily flow. `seed` makes the simulated
    interval reproducible. None without history.
    """
    values = np.asarray(history[-MAX_HISTORY:], dtype=float)
    if not len(values):
        return None
    rng = np.random.default_rng(seed)
    if horizon <= 0:
        return Forecast(_model_name(len(values), level), [], np.zeros((0, PATHS)))
    if len(values) >= SEASONAL_MIN_DAYS:
        try:
            return _smoothing(values, horizon, level=level, rng=rng)
        except (ValueError, np.linalg.LinAlgError):  # a degenerate fit: the simple model below still answers
            pass
    return _short(values, horizon, level=level, rng=rng)


def _model_name(days: int, level: bool) -> str:
    if days >= SEASONAL_MIN_DAYS:
        return HOLT if level else HOLT_WINTERS
    return SHORT_LAST if level else SHORT_AVERAGE


def _smoothing(values: np.ndarray, horizon: int, *, level: bool, rng: np.random.Generator) -> Forecast:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # heavy: imported when a forecast is made

    seasonal = None if level else "add"
    model = ExponentialSmoothing(
        values,
        trend="add",
        damped_trend=True,
        seasonal=seasonal,
        seasonal_periods=SEASON if seasonal else None,
        initialization_method="estimated",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes of the optimiser: the fit is still usable
        fit = model.fit()
        mean = np.asarray(fit.forecast(horizon), dtype=float)
        paths = np.asarray(
            fit.simulate(horizon, repetitions=PATHS, error="add", random_errors=None, rng=rng),
            dtype=float,
        ).reshape(horizon, PATHS)
    if not np.all(np.isfinite(mean)) or not np.all(np.isfinite(paths)):
        raise ValueError("the fit diverged")
    return Forecast(HOLT if level else HOLT_WINTERS, np.maximum(mean, 0).tolist(), np.maximum(paths, 0))


def _short(values: np.ndarray, horizon: int, *, level: bool, rng: np.random.Generator) -> Forecast:
    if level:
        # A balance stays where it is; its daily changes so far say how far it may move.
        changes = np.diff(values) if len(values) > 1 else np.zeros(1)
        steps = rng.choice(changes, size=(horizon, PATHS))
        paths = values[-1] + np.cumsum(steps, axis=0)
        mean = [float(values[-1])] * horizon
        return Forecast(SHORT_LAST, mean, np.maximum(paths, 0))
    window = values[-SHORT_WINDOW:]
    average = float(window.mean())
    paths = average + rng.choice(window - average, size=(horizon, PATHS))
    return Forecast(SHORT_AVERAGE, [average] * horizon, np.maximum(paths, 0))
