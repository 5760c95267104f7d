from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clock(fixed_clock):
    """Pages read default ranges from the clock."""


@pytest.fixture
def seeded(workspace):
    """The workspace with generated data: its pages show the range picker and the KPI cards."""
    from tests.kpis_pages.conftest import seed

    seed(workspace)
    return workspace
