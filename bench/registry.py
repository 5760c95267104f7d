"""The figures `make bench` knows: each one a name, a measurement with its same-run baseline, a target.

A figure module registers its functions with `@figure(...)`; the function gets
the `Bench` (database, workspaces, scale) and returns a `Result`. Raising
`Skipped` says why a figure could not run (an endpoint or a service not there
yet): it is reported, never counted as a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field


class Skipped(Exception):
    """The figure cannot be measured here; the message says why."""


@dataclass
class Result:
    value: float | None
    baseline: float | None = None
    baseline_label: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


@dataclass
class Figure:
    name: str
    unit: str
    target: str
    rule: Callable[[Result], bool] | None
    measure: Callable
    order: int

    def verdict(self, result: Result) -> str:
        if self.rule is None:
            return "info"
        if result.value is None:
            return "n/a"
        return "pass" if self.rule(result) else "FAIL"


FIGURES: list[Figure] = []


def figure(name: str, *, unit: str, target: str = "—", rule: Callable[[Result], bool] | None = None, order: int = 50):
    """Register a figure; `rule(result)` decides pass/fail against `target` (None: informational)."""

    def register(measure: Callable) -> Callable:
        FIGURES[:] = [f for f in FIGURES if f.name != name]
        FIGURES.append(Figure(name=name, unit=unit, target=target, rule=rule, measure=measure, order=order))
        FIGURES.sort(key=lambda f: f.order)
        return measure

    return register


def as_dict(item: Figure, result: Result | None, status: str, error: str = "") -> dict:
    row = {"figure": item.name, "unit": item.unit, "target": item.target, "status": status}
    if result is not None:
        row.update(asdict(result))
        row["ratio"] = result.ratio
        row["verdict"] = item.verdict(result)
    if error:
        row["note"] = error
    return row
