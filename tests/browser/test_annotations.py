"""Annotations in a real browser: an editor adds two on the page; the dashboard's charts mark them
and list them under the chart; hovering the marked period shows the note in the tooltip."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_charts
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANGE = "range=custom&from=2026-11-03&to=2026-12-01&grain=day"


def test_annotations_show_on_the_charts(live_server, new_page, console_errors, screenshot):
    from kpis.services import recompute_rollups
    from sampledata.seeding import seed_workspace
    from tests.clock import SEEDED_NOW
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Harbour Client", slug="harbour")
    seed_workspace(workspace=workspace, scale="tiny", seed=5, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    editor = AgencyMembershipFactory(agency=workspace.agency, role="member").user

    page = new_page()
    log_in(page, live_server.url, editor.email)
    page.goto(f"{live_server.url}/w/harbour/annotations/")
    for starts_on, ends_on, text in (
        ("2026-11-10", "", "Site outage"),
        ("2026-11-20", "2026-11-24", "Black Friday push"),
    ):
        page.fill("input[name=starts_on]", starts_on)
        page.fill("input[name=ends_on]", ends_on)
        page.fill("input[name=text]", text)
        page.click("button:has-text('Add annotation')")
        page.wait_for_url(f"{live_server.url}/w/harbour/annotations/")
    assert page.locator("tr[data-annotation]").count() == 2
    screenshot(page, "20-annotations")

    page.goto(f"{live_server.url}/w/harbour/?{RANGE}")
    wait_for_charts(page)
    figure = page.locator("figure[data-chart=spend-leads]")
    assert figure.get_attribute("data-state") == "ready"
    notes = figure.locator(".chart-notes li")
    assert notes.all_text_contents() == ["10 Nov 2026: Site outage", "20 Nov – 24 Nov 2026: Black Friday push"]
    # Every chart of the dashboard lists them, time series or not.
    charts = page.locator("figure[data-chart]")
    for i in range(charts.count()):
        assert charts.nth(i).locator(".chart-notes li").count() == 2, charts.nth(i).get_attribute("data-chart")

    # The marker's pixels: the note's colour at the 10 November line of the daily chart (8th day, index 7).
    canvas = figure.locator("canvas")

    def marked(index: int) -> bool:
        """Whether the column of pixels at the category's centre has the note's colour (#c2255c) in it."""
        return page.evaluate(
            """([canvas, index]) => {
                const chart = Chart.getChart(canvas), ratio = devicePixelRatio;
                const x = Math.round(chart.scales.x.getPixelForValue(index) * ratio);
                const top = Math.round((chart.chartArea.top + 16) * ratio);
                const pixels = canvas.getContext("2d").getImageData(x - 1, top, 3, Math.round(60 * ratio)).data;
                for (let i = 0; i < pixels.length; i += 4) {
                    const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
                    if (a > 200 && Math.abs(r - 0xc2) < 30 && Math.abs(g - 0x25) < 30 && Math.abs(b - 0x5c) < 30) {
                        return true;
                    }
                }
                return false;
            }""",
            [canvas.element_handle(), index],
        )

    assert marked(7) and marked(17)  # 10 November and the start of 20..24 November
    assert not marked(3)  # 6 November: no note
    # Hovering the 21st November shows the range's note in the tooltip.
    box = page.evaluate(
        """(canvas) => { const c = Chart.getChart(canvas); return [c.scales.x.getPixelForValue(18), c.chartArea.top + 60]; }""",
        canvas.element_handle(),
    )
    canvas.hover(position={"x": box[0], "y": box[1]})
    footer = page.evaluate(
        """(canvas) => Chart.getChart(canvas).tooltip.footer""",
        canvas.element_handle(),
    )
    assert footer == ["2. 20 Nov – 24 Nov 2026: Black Friday push"], footer
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(_shot_path()))
    assert not console_errors, console_errors


def _shot_path():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / "21-chart-with-annotations.png"
