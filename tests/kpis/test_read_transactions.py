"""KPI reads run their queries in one transaction, not one per statement (PostgreSQL).

Under row-level security a statement outside a transaction pays BEGIN, the
workspace setting and COMMIT of its own; a KPI read has a dozen. These tests
run in autocommit (transaction=True), as a request does, so that a read left
outside `workspace_reads` shows up as a query outside any transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from kpis.selectors import attribution_for_period, kpis_for_period, kpis_for_periods
from tests.data_factories import CampaignFactory, SpendEntryFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the per-statement transactions of row-level security exist only on PostgreSQL",
    ),
]


class Transactions:
    """Records, for each query, whether it ran inside a transaction."""

    def __init__(self) -> None:
        self.inside: list[bool] = []

    def __call__(self, execute, sql, params, many, context):
        self.inside.append(connection.in_atomic_block)
        return execute(sql, params, many, context)


@contextmanager
def watching(seen: Transactions):
    # Outermost: on PostgreSQL the backend's own wrapper opens a transaction around a lone statement.
    connection.execute_wrappers.insert(0, seen)
    try:
        yield
    finally:
        connection.execute_wrappers.remove(seen)


def _reads(call) -> list[bool]:
    seen = Transactions()
    with watching(seen):
        call()
    return seen.inside


@pytest.fixture
def spent(workspace):
    SpendEntryFactory(workspace=workspace, campaign=CampaignFactory(workspace=workspace), date=date(2026, 3, 2))
    return workspace


def test_a_kpi_read_runs_in_one_transaction(spent):
    inside = _reads(lambda: kpis_for_period(workspace=spent, first_day=date(2026, 3, 1), last_day=date(2026, 3, 31)))
    assert len(inside) > 5
    assert all(inside)


def test_a_series_and_attribution_read_run_in_one_transaction(spent):
    periods = [(date(2026, 3, 1), date(2026, 3, 15)), (date(2026, 3, 16), date(2026, 3, 31))]
    assert all(_reads(lambda: kpis_for_periods(workspace=spent, periods=periods)))
    assert all(
        _reads(
            lambda: attribution_for_period(
                workspace=spent, first_day=date(2026, 3, 1), last_day=date(2026, 3, 31), model="linear"
            )
        )
    )


def test_a_workspace_page_reads_in_one_transaction(spent, member_client):
    seen = Transactions()
    with watching(seen):
        response = member_client.get(reverse("workspace-home", kwargs={"workspace_slug": spent.slug}))
    assert response.status_code == 200
    # The session and the workspace lookup come before the view's scope; the view's own reads follow it.
    assert seen.inside.count(True) > 10
    assert all(seen.inside[seen.inside.index(True) :])
