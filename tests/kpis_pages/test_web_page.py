"""The Web page: the range's web KPIs and its top pages, sortable, paged and exported, or an empty state."""

from __future__ import annotations

import csv
import io
import re

import pytest

from kpis.services import recompute_rollups
from tests.kpis.test_top_pages import DOCS, HOME, PRICING, at, sessions, view  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

URL = "/w/acme/web/"
RANGE = {"range": "custom", "from": "2026-01-10", "to": "2026-01-11"}


def page_urls(html: str) -> list[str]:
    return re.findall(r'<td class="page-url" title="([^"]*)">', html)


def test_top_pages_in_views_order_with_their_figures(member_client, sessions):  # noqa: F811
    html = member_client.get(URL, RANGE).content.decode()
    assert page_urls(html) == [PRICING, HOME, DOCS]
    row = re.search(r'title="' + re.escape(PRICING) + r'">/pricing</td>(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["3", "1", "1", "33.3 %"]
    # The web KPIs of the range head the page: three sessions.
    assert 'data-kpi="sessions" data-value="3"' in html
    assert 'aria-sort="descending"' in html and "Top pages" in html


def test_one_site_s_pages_show_their_paths_and_several_sites_their_hosts(member_client, workspace, sessions):  # noqa: F811
    html = member_client.get(URL, RANGE).content.decode()
    assert "Pages of <strong>https://example.com</strong>" in html and 'class="origin"' not in html
    view(workspace, "E", at(11, 10), "https://shop.example.com/cart")
    recompute_rollups(workspace_id=workspace.pk)
    html = member_client.get(URL, RANGE).content.decode()
    assert "Pages of" not in html
    assert '<span class="origin">https://shop.example.com</span>/cart' in html


def test_sorting_by_a_column_flips_on_a_second_click(member_client, sessions):  # noqa: F811
    html = member_client.get(URL, {**RANGE, "sort": "-exit_rate"}).content.decode()
    assert page_urls(html) == [DOCS, PRICING, HOME]
    assert "sort=exit_rate" in html  # the active column's link sorts the other way
    html = member_client.get(URL, {**RANGE, "sort": "url"}).content.decode()
    assert page_urls(html) == [HOME, DOCS, PRICING]
    html = member_client.get(URL, {**RANGE, "sort": "bogus"}).content.decode()
    assert page_urls(html) == [PRICING, HOME, DOCS]


def test_csv_export_of_every_page_in_the_table_s_order(member_client, sessions):  # noqa: F811
    response = member_client.get(URL, {**RANGE, "sort": "-exits", "export": "pages"})
    assert response["Content-Type"].startswith("text/csv")
    assert "acme_top-pages_2026-01-10_2026-01-11.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["url", "page_views", "entries", "exits", "exit_rate"]
    assert rows[1:] == [
        [DOCS, "2", "0", "2", "1.0"],
        [PRICING, "3", "1", "1", str(1 / 3)],
        [HOME, "2", "2", "0", "0.0"],
    ]


def test_a_period_without_page_views_says_so(member_client, sessions):  # noqa: F811
    html = member_client.get(URL, {"range": "custom", "from": "2025-03-01", "to": "2025-03-31"}).content.decode()
    assert "No page views in this period." in html and page_urls(html) == []
    assert "export=pages" not in html


def test_the_page_is_linked_from_the_navigation_and_the_dashboard_s_web_panel(member_client, sessions):  # noqa: F811
    html = member_client.get("/w/acme/", RANGE).content.decode()
    assert html.count('href="/w/acme/web/') >= 2
    assert "Top pages, entries and exits" in html


def test_another_tenant_gets_a_404(other_client, sessions):  # noqa: F811
    assert other_client.get(URL, RANGE).status_code == 404
    assert other_client.get(URL, {**RANGE, "export": "pages"}).status_code == 404
