"""Random draws the generator shares between its tables."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (cumulative rounding: exact sum)."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    parts, running, given = [], 0.0, 0
    for weight in weights:
        running += weight
        upto = round(total * running / whole)
        parts.append(upto - given)
        given = upto
    return parts
