from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.tenancy import workspace_scope
from kpis.models import WorkspaceDay


@pytest.fixture
def daily_rows():
    """Write a workspace's daily rollup rows directly: {column: [value a day]} from `first`."""

    def write(workspace, first: date, **columns: list) -> None:
        days = len(next(iter(columns.values())))
        with workspace_scope(workspace):
            WorkspaceDay.objects.bulk_create(
                WorkspaceDay(
                    workspace=workspace, day=first + timedelta(days=i), **{k: v[i] for k, v in columns.items()}
                )
                for i in range(days)
            )

    return write
