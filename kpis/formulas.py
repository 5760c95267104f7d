"""The maths of docs/kpis.md as pure functions: no database, no Django.

Money is Decimal, counts are int, rates and durations are float; a ratio whose
denominator is 0 or None is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import TypeVar

CENT = Decimal("0.01")
SECONDS_PER_DAY = 86400

ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay")
TIME_DECAY_HALF_LIFE_DAYS = 7

K = TypeVar("K")


def to_cents(value: Decimal | None) -> Decimal | None:
    """Money as the API shows it: 2 decimals, halves rounded to even (as Python and the worked example do)."""
    if value is None:
        return None
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


def ratio(numerator: float | Decimal | int | None, denominator: float | Decimal | int | None) -> float | None:
    """numerator / denominator as a float, None when the denominator is 0 or None."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if isinstance(numerator, Decimal) or isinstance(denominator, Decimal):
        return float(Decimal(numerator) / Decimal(denominator))
    return numerator / denominator


def money_ratio(numerator: Decimal | None, denominator: float | Decimal | int | None) -> Decimal | None:
    """Money per unit (spend / leads…), exact Decimal, None when the denominator is 0 or None."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if isinstance(denominator, float):
        denominator = Decimal(repr(denominator))
    return Decimal(numerator) / Decimal(denominator)


def roi(won_revenue: Decimal, spend: Decimal) -> float | None:
    """(won_revenue − spend) / spend."""
    return ratio(won_revenue - spend, spend)


def win_rate(deals_won: int, deals_lost: int) -> float | None:
    return ratio(deals_won, deals_won + deals_lost)


def pipeline_velocity(
    open_deals: int, win_rate: float | None, avg_deal_size: Decimal | None, avg_sales_cycle_days: float | None
) -> Decimal | None:
    """open_deals × win_rate × avg_deal_size / avg_sales_cycle_days (money per day)."""
    if win_rate is None or avg_deal_size is None or not avg_sales_cycle_days:
        return None
    return Decimal(open_deals) * Decimal(repr(win_rate)) * avg_deal_size / Decimal(repr(avg_sales_cycle_days))


def retention_rate(customer_churn_rate: float | None) -> float | None:
    return None if customer_churn_rate is None else 1 - customer_churn_rate


def clv(arpa: Decimal | None, gross_margin: Decimal, customer_churn_rate: float | None, days: int) -> Decimal | None:
    """arpa × gross_margin / (customer_churn_rate × 30 / days(P))."""
    if arpa is None or customer_churn_rate is None or customer_churn_rate == 0 or days == 0:
        return None
    monthly_churn = Decimal(repr(customer_churn_rate)) * 30 / days
    return arpa * Decimal(gross_margin) / monthly_churn


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def decay(age_days: float, half_life_days: float) -> float:
    """0.5 ^ (age / half_life)."""
    return 0.5 ** (age_days / half_life_days)


def engagement_score(touches: Sequence[tuple[float, float]], half_life_days: float) -> float:
    """Σ weight × 0.5^(age / half_life) over (weight, age in days) pairs already in the window."""
    return sum(weight * decay(age, half_life_days) for weight, age in touches)


def attribution_credits(model: str, journey: Sequence[tuple[K, float]], fallback: K) -> dict[K, float]:
    """Credit per campaign for one won deal, summing to 1.

    `journey` is the deal's touches in time order as (campaign, days before
    close); an empty journey credits 1 to `fallback` (the deal's
    source_campaign, or "unattributed").
    """
    if model not in ATTRIBUTION_MODELS:
        raise ValueError(f"unknown attribution model {model!r}")
    n = len(journey)
    if n == 0:
        return {fallback: 1.0}
    if model == "first_touch":
        weights = [1.0] + [0.0] * (n - 1)
    elif model == "last_touch":
        weights = [0.0] * (n - 1) + [1.0]
    elif model == "linear":
        weights = [1.0 / n] * n
    elif model == "position_based":
        if n == 1:
            weights = [1.0]
        elif n == 2:
            weights = [0.5, 0.5]
        else:
            weights = [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]
    else:
        raw = [decay(days_before_close, TIME_DECAY_HALF_LIFE_DAYS) for _, days_before_close in journey]
        total = sum(raw)
        weights = [w / total for w in raw]
    credits: dict[K, float] = {}
    for (campaign, _), weight in zip(journey, weights, strict=True):
        if weight == 0:
            continue  # campaigns with no credit are left out of the answer
        credits[campaign] = credits.get(campaign, 0.0) + weight
    return credits


def largest_remainder(parts: dict[K, Decimal], total: Decimal, unit: Decimal = CENT) -> dict[K, Decimal]:
    """`parts` in whole `unit`s (cents) that add up to `total` exactly: the largest remainder method.

    Each part is rounded down; the units still missing go one each to the parts that lost the most in
    the rounding (ties: in the order of `parts`). Should the parts exceed the total (credits a float's
    hair over 1), the parts that lost the least give a unit back first.
    """
    floors = {key: value.quantize(unit, rounding=ROUND_FLOOR) for key, value in parts.items()}
    units = int(((total - sum(floors.values(), Decimal(0))) / unit).to_integral_value())
    by_remainder = sorted(parts, key=lambda key: parts[key] - floors[key], reverse=True)  # stable: ties in order
    if units < 0:
        by_remainder.reverse()
    step = unit if units > 0 else -unit
    for i in range(abs(units)):
        floors[by_remainder[i % len(by_remainder)]] += step
    return floors


def difference(value, earlier):
    """value − earlier, null when either is missing (a level's change: backlinks gained)."""
    if value is None or earlier is None:
        return None
    return value - earlier
