"""The dashboard's leads chart continues with a dashed forecast and its 80 % band, in a real browser."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_charts
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_leads_chart_shows_the_forecast(live_server, new_page, console_errors, screenshot, fixed_clock):
    from kpis.services import recompute_rollups
    from sampledata.seeding import seed_workspace
    from tests.clock import SEEDED_NOW
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Harbour Client", slug="harbour")  # UTC: today is 2 December 2026
    seed_workspace(workspace=workspace, scale="tiny", seed=5, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    viewer = AgencyMembershipFactory(agency=workspace.agency, role="member").user

    page = new_page()
    log_in(page, live_server.url, viewer.email)
    page.goto(f"{live_server.url}/w/harbour/?range=last_30&grain=day")
    wait_for_charts(page)
    figure = page.locator("figure[data-chart=spend-leads]")
    assert figure.get_attribute("data-state") == "ready"
    chart = page.evaluate(
        """(canvas) => {
            const chart = Chart.getChart(canvas);
            return {
                labels: chart.data.labels.length,
                datasets: chart.data.datasets.map((d) => ({
                    label: d.label, dash: d.borderDash || null, fill: d.fill === undefined ? null : d.fill,
                    points: d.data.filter((v) => v !== null).length,
                })),
            };
        }""",
        figure.locator("canvas").element_handle(),
    )
    # 3 Nov – 2 Dec, then 3–31 December forecast.
    assert chart["labels"] == 30 + 29
    by_label = {d["label"]: d for d in chart["datasets"]}
    forecast = next(d for label, d in by_label.items() if label.startswith("Leads forecast ("))
    assert forecast["dash"] == [6, 4]
    assert forecast["points"] == 1 + 30  # yesterday's actual, then today to 31 December
    assert by_label["Leads forecast, 80 % high"]["fill"] == "-1"  # the band: filled down to the low line
    assert by_label["Leads forecast, 80 % low"]["points"] == 31
    # The data table lists the forecast columns, marked as such, on the added rows too.
    headers = figure.locator(".chart-data thead th").all_text_contents()
    assert "Leads forecast, 80 % low" in headers and any(h.startswith("Leads forecast (") for h in headers)
    assert figure.locator(".chart-data tbody tr").count() == 59
    screenshot(page, "40-forecast-chart")
    assert not console_errors
