"""The forecasting model on synthetic series whose truth is known (kpis.forecasting: no database)."""

from __future__ import annotations

import numpy as np
import pytest

from kpis import forecasting
from kpis.forecasting import forecast

WEEKLY = [5.0, 10.0, 8.0, 3.0, 0.0, -12.0, -14.0]  # sums to 0: the trend alone sets the level


def trend_and_season(days: int, *, seed: int, noise: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """y = 100 + 2t + weekly pattern + N(0, noise): the series and its noiseless truth."""
    t = np.arange(days)
    truth = 100 + 2 * t + np.array([WEEKLY[i % 7] for i in t])
    return truth + np.random.default_rng(seed).normal(0, noise, days), truth


def test_holt_winters_follows_trend_and_weekly_season_within_3_percent():
    series, truth = trend_and_season(12 * 7 + 14, seed=7)
    result = forecast(series[:84].tolist(), 14)
    assert result.model == "Holt-Winters, weekly"
    error = np.abs(np.array(result.mean) - truth[84:]) / truth[84:]
    assert error.max() < 0.03
    # The weekly pattern is forecast, not averaged away: Tuesday (10) above Sunday (−14) by ≈ 24.
    tuesday, sunday = 84 + 1 - 84, 84 + 6 - 84
    assert result.mean[tuesday] - result.mean[sunday] == pytest.approx(24 + 2 * (1 - 6), abs=4)


def test_the_total_of_the_next_14_days_is_within_2_percent_and_its_interval_covers_it():
    series, truth = trend_and_season(84 + 14, seed=3)
    mean, low, high = forecast(series[:84].tolist(), 14).total()
    assert mean == pytest.approx(truth[84:].sum(), rel=0.02)
    assert low < truth[84:].sum() < high


def test_the_80_percent_interval_covers_about_80_percent_of_held_out_noise():
    covered = []
    for seed in range(40):
        noise = 50 + np.random.default_rng(seed).normal(0, 5, 8 * 7 + 14)
        result = forecast(noise[:56].tolist(), 14, seed=seed)
        for (low, high), value in zip(result.daily_interval(), noise[56:], strict=True):
            covered.append(low <= value <= high)
    assert 0.72 <= np.mean(covered) <= 0.88  # 560 points: ±8 points is about 4 standard errors of 1.7 %


def test_a_short_history_falls_back_to_the_average_of_the_last_14_days():
    history = [1.0] * 6 + [10.0, 20.0] * 7  # 20 days: under four weeks
    result = forecast(history, 3)
    assert result.model == "average of the last 14 days: short history"
    assert result.mean == [15.0, 15.0, 15.0]
    low, high = result.daily_interval()[0]
    assert (low, high) == (10.0, 20.0)  # every day is 15 ± 5: its deviations are the only ones drawn
    # Three draws of ±5 sum to 30, 40, 50 or 60 with chances 1/8, 3/8, 3/8, 1/8: 30 and 60 hold the tails' 10 %.
    assert result.total() == (45.0, 30.0, 60.0)


def test_a_level_is_forecast_as_a_level_not_a_sum():
    # MRR growing by 10 a day for ten weeks: its level 7 days on is ≈ 770, not 7 daily values added up.
    history = [100.0 + 10 * day for day in range(70)]
    result = forecast(history, 7, level=True)
    assert result.model == "Holt, damped trend"
    value, low, high = result.level()
    assert value == pytest.approx(790 + 70, rel=0.02)
    assert low <= value <= high


def test_a_short_level_history_carries_the_last_value_with_its_daily_changes():
    result = forecast([100.0, 110.0, 120.0], 2, level=True)
    assert result.model == "last value: short history"
    assert result.level() == (120.0, 140.0, 140.0)  # both changes were +10: two more days add 20


def test_no_history_no_forecast_and_a_flat_series_stays_flat():
    assert forecast([], 5) is None
    flat = forecast([4.0] * 40, 3)
    assert flat.model == "Holt-Winters, weekly"
    assert flat.mean == pytest.approx([4.0, 4.0, 4.0])
    assert flat.total() == pytest.approx((12.0, 12.0, 12.0))


def test_values_are_never_negative():
    history = [0.0] * 30 + [1.0, 0.0] * 5
    result = forecast(history, 10)
    assert min(result.mean) >= 0 and result.paths.min() >= 0


def test_the_history_is_cut_to_a_year():
    result = forecast([float(day % 7) for day in range(forecasting.MAX_HISTORY + 200)], 7)
    assert result.model == forecasting.HOLT_WINTERS
    assert result.mean == pytest.approx([float(day % 7) for day in range(565, 572)], abs=0.5)
