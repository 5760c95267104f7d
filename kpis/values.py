"""KPI values from summed inputs: the catalogue's `compute` lines applied in order. Pure: no database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from kpis import formulas
from kpis.catalog import KPIS, Inputs


def assemble(
    raw: Mapping[str, Any], *, first_day: date, last_day: date, narrowed: bool, gross_margin: Decimal
) -> dict[str, object]:
    """Every KPI of the catalogue from the components and counts in `raw`.

    Inputs of query groups that were not read count as 0: the KPIs built on them come out as garbage,
    and the callers keep only the KPIs whose groups they read. Workspace-wide KPIs are null when
    narrowed. Money is rounded to cents last, so that a KPI built on another (ARPA → CLV) reads it
    unrounded.
    """
    inputs = Inputs(raw, gross_margin=gross_margin, days=(last_day - first_day).days + 1)
    for name, entry in KPIS.items():
        inputs.values[name] = None if narrowed and entry.workspace_wide else entry.compute(inputs)
    values = inputs.values
    for name, entry in KPIS.items():
        if entry.kind.is_money:
            values[name] = formulas.to_cents(values[name])
    return values
