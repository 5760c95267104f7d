"""The overview's sparkline says what it shows: a caption for everyone, a name for screen readers."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from tests.data_factories import LeadFactory

RANGE = "range=custom&from=2026-01-01&to=2026-01-08"  # 8 days: one point a day


@pytest.fixture
def leads_on_three_days(workspace):
    from kpis.services import recompute_rollups

    for day, count in ((1, 3), (4, 1), (8, 5)):
        LeadFactory.create_batch(count, workspace=workspace, created_at=datetime(2026, 1, day, 12, tzinfo=UTC))
    recompute_rollups(workspace_id=workspace.pk)
    return workspace


def card(client) -> str:
    page = html.unescape(client.get(f"/?{RANGE}").content.decode())
    start = page.index('data-workspace="acme"')
    return page[start : page.index("</article>", start)]


def test_the_sparkline_has_a_caption_and_a_name_with_its_first_last_low_and_high(leads_on_three_days, member_client):
    acme = card(member_client)
    # 3 leads on 1 Jan, 5 on 8 Jan, none on 2, 3, 5, 6 and 7 Jan: low 0, high 5.
    assert "<figcaption" in acme and "Leads per day, 1 Jan – 8 Jan 2026: 3 → 5" in acme
    assert 'aria-label="Leads per day, 1 Jan – 8 Jan 2026: 3 to 5 (low 0, high 5)"' in acme
    assert acme.count('class="spark-end"') == 2  # the first and last points are marked


def test_no_leads_draws_no_sparkline(workspace, member_client):
    acme = card(member_client)
    assert "<svg" not in acme and "No leads yet" in acme
