from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kpis.services import recompute_rollups
from sampledata.seeding import seed_workspace


@pytest.fixture(autouse=True)
def _seeded_clock(fixed_clock):
    """Every page test reads generated data or default ranges: both follow the clock."""


def seed(workspace, scale="tiny", seed_value=1):
    """Generated marketing data up to now, with the rollups computed."""
    counts = seed_workspace(workspace=workspace, scale=scale, seed=seed_value)
    recompute_rollups(workspace_id=workspace.pk)
    return counts


@pytest.fixture
def seeded(workspace):
    seed(workspace)
    return workspace


@pytest.fixture
def last_30(workspace) -> tuple[date, date]:
    today = timezone.now().astimezone(workspace.tz).date()
    return today - timedelta(days=29), today


DATA_VALUE = re.compile(r'data-kpi="(?P<name>\w+)" data-value="(?P<value>[^"]*)"')


def page_values(html: str) -> dict[str, str]:
    """The raw value behind every KPI on a page (the first occurrence of each)."""
    values: dict[str, str] = {}
    for match in DATA_VALUE.finditer(html):
        values.setdefault(match["name"], match["value"])
    return values


def same_number(page_value: str, api_value) -> bool:
    """A page's raw value and the API's rendering of the same KPI are the same number."""
    if api_value is None:
        return page_value == ""
    if page_value == "":
        return False
    if isinstance(api_value, str):
        return Decimal(page_value) == Decimal(api_value)
    return float(page_value) == pytest.approx(float(api_value), rel=1e-12, abs=1e-12)
