from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kpis.selectors import kpis_for_period
from kpis.services import recompute_rollups

NEW_YORK = ZoneInfo("America/New_York")


def ny(*args) -> datetime:
    """A wall-clock time in New York."""
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
def ny_workspace(workspace):
    workspace.time_zone = "America/New_York"
    workspace.save()
    return workspace


@pytest.fixture
def kpis():
    """Recompute the rollups, then read the KPIs of a period (dates as 'YYYY-MM-DD')."""

    def read(workspace, first: str, last: str, **scope):
        recompute_rollups(workspace_id=workspace.pk)
        return kpis_for_period(
            workspace=workspace, first_day=date.fromisoformat(first), last_day=date.fromisoformat(last), **scope
        )

    return read
