"""Pages with daily aggregate stats: approximate values read "at most"; the SEO panel shows the levels."""

from __future__ import annotations

import re
from datetime import date

import pytest

from kpis.services import recompute_rollups
from tests.data_factories import CampaignFactory, SeoStatFactory, WebStatFactory

pytestmark = pytest.mark.django_db

JAN = "from=2026-01-01&to=2026-01-31"


def card(html: str, name: str) -> str:
    match = re.search(rf'<article class="kpi-card[^"]*" data-kpi="{name}".*?</article>', html, re.S)
    assert match, name
    return match.group(0)


def test_visitor_kpis_read_at_most_while_web_stats_contribute(workspace, member_client):
    CampaignFactory(workspace=workspace, external_id="news")
    WebStatFactory(workspace=workspace, campaign=None, date=date(2026, 1, 12), sessions=50, users=1234, new_users=34)
    SeoStatFactory(workspace=workspace, date=date(2026, 1, 10), backlinks=900, referring_domains=80)
    recompute_rollups(workspace_id=workspace.pk)
    html = member_client.get(f"/w/acme/?{JAN}").content.decode()
    visitors = card(html, "unique_visitors")
    assert '<span class="visually-hidden">at most </span>' in visitors and "1,234" in visitors
    assert "at most" not in card(html, "sessions")
    assert "900" in card(html, "backlinks") and "at most" not in card(html, "backlinks")
    assert ">SEO<" in html
    report = member_client.get(f"/w/acme/report/?{JAN}").content.decode()
    assert re.search(r'data-kpi="unique_visitors".*?at most', report, re.S)
    # Narrowed to a campaign, the web stat without campaign drops out: exact, no marker.
    narrowed = member_client.get(f"/w/acme/?{JAN}&campaign=news").content.decode()
    assert "at most" not in card(narrowed, "unique_visitors")
