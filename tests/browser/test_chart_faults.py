"""The charts' last faults, in a real browser at 1366 and 390 px (issue 21, point 6): attribution names that
fit beside their bars, sparklines that say what they show, and days without a ratio's data drawn as gaps.
Screenshots under artifacts/screenshots/40-…"""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, open_sections, wait_for_charts
from tests.browser.test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANGE = "range=custom&from=2026-11-03&to=2026-12-01"
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LONG_NAME = "Q4 enterprise retargeting across LinkedIn and display partners"


@pytest.fixture
def client_workspace():
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign
    from kpis import selectors
    from kpis.services import recompute_rollups
    from sampledata.seeding import seed_workspace
    from tests.clock import SEEDED_NOW
    from tests.factories import AgencyMembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(name="Harbour Client", slug="harbour")
    seed_workspace(workspace=workspace, scale="tiny", seed=5, until=SEEDED_NOW)
    recompute_rollups(workspace_id=workspace.pk)
    # The campaign with the most attributed revenue gets a long name: the one a phone used to cut off.
    rows = selectors.attribution_for_period(
        workspace=workspace,
        first_day=SEEDED_NOW.date().replace(day=1, month=11),
        last_day=SEEDED_NOW.date(),
        model="linear",
    )
    top = max((r for r in rows if r["campaign"] != selectors.UNATTRIBUTED), key=lambda r: r["revenue"])
    with workspace_scope(workspace):
        Campaign.objects.filter(external_id=top["campaign"]).update(name=LONG_NAME)
    return workspace, AgencyMembershipFactory(agency=workspace.agency, role="member").user


def chart_of(page, name: str) -> dict:
    """What Chart.js drew for the chart `name`: its category tick labels, axis and canvas sizes, datasets."""
    return page.evaluate(
        """(name) => {
          const chart = Chart.getChart(document.querySelector(`figure[data-chart=${name}] canvas`));
          const y = chart.scales.y;
          return {width: chart.width, left: y.left, axisWidth: y.width, area: chart.chartArea.right - chart.chartArea.left,
                  ticks: y.ticks.map((t, i) => y.getLabelForValue(i)), shown: y._labelItems.map(item => item.label),
                  datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data, spanGaps: d.spanGaps, tension: d.tension}))};
        }""",
        name,
    )


@pytest.mark.parametrize("size", WIDTHS)
def test_attribution_names_fit_beside_their_bars(
    live_server, new_page, console_errors, screenshot, client_workspace, size
):
    _, user = client_workspace
    page = new_page(viewport=WIDTHS[size])
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/harbour/attribution/?{RANGE}")
    wait_for_charts(page)
    drawn = chart_of(page, "attribution")
    assert LONG_NAME in drawn["ticks"]  # the chart's own label is the full name (tooltip title, table)
    # Every name drawn is at most two lines of at most a third of the canvas, and the axis starts on it.
    assert drawn["left"] >= 0 and drawn["axisWidth"] <= drawn["width"] * 0.45
    assert drawn["area"] >= drawn["width"] * 0.5  # the bars keep at least half the width
    long_label = next(label for label, full in zip(drawn["shown"], drawn["ticks"]) if full == LONG_NAME)
    lines = long_label if isinstance(long_label, list) else [long_label]
    assert len(lines) <= 2
    if size == "phone":
        assert lines[-1].endswith("…")  # shortened on a phone
    else:
        assert " ".join(lines) == LONG_NAME  # wrapped in full on a desktop
    page.click("figure[data-chart=attribution] details.chart-data summary")
    # The table's header cells are upper-cased by CSS: their text, not their rendering, is the full name.
    assert LONG_NAME in page.locator("figure[data-chart=attribution] .chart-data tbody th").all_text_contents()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"] + 1
    screenshot(page, f"40-attribution-{size}")
    page.locator("figure[data-chart=attribution]").screenshot(
        path=str(SCREENSHOTS / f"40-attribution-{size}-chart.png")
    )
    assert not console_errors


@pytest.mark.parametrize("size", WIDTHS)
def test_sparklines_say_what_they_show(live_server, new_page, console_errors, screenshot, client_workspace, size):
    _, user = client_workspace
    page = new_page(viewport=WIDTHS[size])
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/?{RANGE}")
    spark = page.locator("article[data-workspace=harbour] figure.spark")
    caption = spark.locator("figcaption")
    assert caption.is_visible()
    # 29 days in 8 equal windows: 4 days each (32 days, so from 31 Oct), the last ending on 1 Dec.
    assert caption.inner_text().startswith("Leads per 4 days, 31 Oct – 1 Dec 2026: ")
    assert "→" in caption.inner_text()
    name = spark.locator("svg").get_attribute("aria-label")
    assert name.startswith("Leads per 4 days, 31 Oct – 1 Dec 2026: ") and "(low " in name and ", high " in name
    assert spark.locator("circle.spark-end").count() == 2
    box = caption.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[size]["width"]
    screenshot(page, f"41-sparkline-{size}")
    page.locator("article[data-workspace=harbour]").screenshot(path=str(SCREENSHOTS / f"41-sparkline-{size}-card.png"))
    assert not console_errors


@pytest.mark.parametrize("size", WIDTHS)
def test_days_without_a_ratio_are_gaps(live_server, new_page, console_errors, screenshot, client_workspace, size):
    _, user = client_workspace
    page = new_page(viewport=WIDTHS[size])
    log_in(page, live_server.url, user.email)
    # Daily over the month: the tiny workspace has days without a new customer, where CAC is undefined.
    page.goto(f"{live_server.url}/w/harbour/?{RANGE}&grain=day")
    wait_for_charts(page)
    drawn = {d["label"]: d for d in chart_of(page, "cost-trend")["datasets"]}
    cac = drawn["Customer acquisition cost"]
    assert None in cac["data"] and 0 not in cac["data"]  # a gap is null, never 0
    assert cac["spanGaps"] is False and cac["tension"] == 0
    spend = {d["label"]: d for d in chart_of(page, "spend-leads")["datasets"]}
    assert None not in spend["Leads"]["data"]  # a count always has a value, 0 on a day without leads
    open_sections(page)  # the cost charts' section starts collapsed
    figure = page.locator("figure[data-chart=cost-trend]")
    figure.locator("details.chart-data summary").click()
    table = figure.locator(".chart-data table").inner_text()
    assert "—" in table
    assert (
        "Customer acquisition cost is spend ÷ new customers: no value in a period with 0 new customers"
        in figure.locator(".chart-gaps").all_inner_texts()[1]
    )
    screenshot(page, f"42-gaps-{size}")
    figure.screenshot(path=str(SCREENSHOTS / f"42-gaps-{size}-chart.png"))
    assert not console_errors
