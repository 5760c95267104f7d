"""White label in a real browser (issue 18.1): the agency brands itself, its client sees only that brand.

The agency owner sets a name, a logo and colours on the brand page (a low-contrast colour is
refused with its ratio), then the client's dashboard and printable report show the agency's name,
logo and colours and nothing of the product's. On the agency's own host name (a *.localhost
name, which Chromium resolves to this machine) the login page carries the brand and another
agency's workspace is a 404. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
import subprocess

import pytest
from PIL import Image, ImageDraw, ImageFont

from sharing.services import share_link_create
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_dashboards import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "reports.northwind.localhost"
PRIMARY, ACCENT = "#0f6e56", "#a61e4d"


def logo_file(tmp_path):
    """A 600×144 PNG logo: a green mark and the agency's name."""
    image = Image.new("RGBA", (600, 144), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 136, 136), fill=(15, 110, 86, 255))
    draw.rectangle((52, 40, 92, 104), fill=(255, 255, 255, 255))
    draw.text((156, 36), "NORTHWIND", fill=(29, 36, 51, 255), font=ImageFont.load_default(size=60))
    path = tmp_path / "northwind.png"
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def agency_with_client(fixed_clock, settings, monkeypatch):
    from onboarding import sample
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    agency = AgencyFactory(name="Northwind", slug="northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    workspace = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    monkeypatch.setattr(sample, "SAMPLE_SCALE", "tiny")
    sample.sample_data_request(workspace=workspace)  # loaded at once: tasks run in-process
    other = WorkspaceFactory(name="Globex", slug="globex")  # another agency's client
    AgencyMembershipFactory(agency=other.agency, user=owner, role="owner")
    return agency, workspace, owner


def test_a_white_labelled_client_sees_only_the_agency_brand(
    live_server, new_page, console_errors, screenshot, agency_with_client, tmp_path
):
    agency, workspace, owner = agency_with_client
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.email)

    # The brand page: a yellow primary colour is refused with its contrast ratio.
    page.goto(f"{base}/agency/northwind/brand/")
    page.fill("input[name=brand_name]", "Northwind Growth")
    page.fill("input[name=brand_primary_colour]", "#ffcc00")
    with page.expect_navigation():  # to its load event: the answer is whole
        page.click("button:has-text('Save brand')")
    error = page.locator(".errorlist").first
    assert "1.51:1 with white text" in error.inner_text()
    screenshot(page, "40-white-label-contrast-refused")

    page.fill("input[name=brand_primary_colour]", PRIMARY)
    page.fill("input[name=brand_accent_colour]", ACCENT)
    page.fill("input[name=email_sender_name]", "Northwind reports")
    page.fill("input[name=email_reply_to]", "hello@northwind.example")
    page.set_input_files("input[name=logo]", str(logo_file(tmp_path)))
    with page.expect_navigation():
        page.click("button:has-text('Save brand')")
    assert page.get_by_text("Brand saved.").is_visible()
    preview = page.locator("img.brand-preview")
    assert preview.evaluate("img => img.naturalWidth") == 600  # re-encoded within 640×320, served

    # The client's dashboard: the agency's name, logo and colours; the product's name nowhere.
    page.goto(f"{base}/w/contoso/")
    page.locator("figure[data-chart-url][data-state=ready]").first.wait_for(timeout=60_000)
    assert page.title().endswith("· Northwind Growth")
    header = page.locator("header.topbar")
    assert header.locator(".brand-name").inner_text() == "Northwind Growth"
    assert header.locator("img.brand-logo").evaluate("img => img.complete && img.naturalWidth") > 0
    assert "Pulse KPI" not in page.content()
    button_bg = page.locator("a.button, button").filter(has_text="Apply").first
    colours = page.evaluate(
        "() => [getComputedStyle(document.documentElement).getPropertyValue('--brand').trim(),"
        " getComputedStyle(document.querySelector('.topbar .brand-name')).color]"
    )
    assert colours == [PRIMARY, "rgb(166, 30, 77)"]
    # The charts' first series take the primary colour.
    first_series = page.evaluate(
        "() => Chart.getChart(document.querySelector('figure[data-state=ready] canvas')).data.datasets[0].borderColor"
    )
    assert first_series == PRIMARY
    if button_bg.count():
        assert button_bg.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(15, 110, 86)"
    screenshot(page, "41-white-label-dashboard")

    page.goto(f"{base}/w/contoso/report/")
    assert "by Northwind Growth." in page.locator(".report-meta").last.inner_text()
    assert "Pulse KPI" not in page.content()
    screenshot(page, "42-white-label-report")

    # The scheduled report's PDF and a share link carry the brand too, and nothing of the product's.
    pdf = page.request.get(f"{base}/w/contoso/reports/preview.pdf").body()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "44-white-label-report.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(SCREENSHOTS / "44-white-label-report.pdf"), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "Northwind Growth" in text and "Pulse KPI" not in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
         str(SCREENSHOTS / "44-white-label-report.pdf"), str(SCREENSHOTS / "44-white-label-pdf-page-1")],
        check=True,
    )  # fmt: skip
    _link, token = share_link_create(workspace=workspace, name="Board", target="dashboard", range_kind="last_30")
    shared = new_page()
    shared.goto(f"{base}/s/{token}/")
    assert "Northwind Growth" in shared.content() and "Pulse KPI" not in shared.content()
    screenshot(shared, "45-white-label-share-link")

    # The agency's own host: the login page carries the brand; another agency's client is a 404.
    agency.refresh_from_db()
    agency.custom_host = HOST
    agency.save()
    own = f"http://{HOST}:{live_server.url.rsplit(':', 1)[1]}"
    visitor = new_page()
    visitor.goto(f"{own}/login/")
    assert visitor.title() == "Log in · Northwind Growth"
    assert "Pulse KPI" not in visitor.content() and visitor.get_by_text("Sign up").count() == 0
    screenshot(visitor, "43-white-label-own-host-login")
    visitor.fill("input[name=username]", owner.email)
    visitor.fill("input[name=password]", PASSWORD)
    visitor.click("button[type=submit]")
    visitor.wait_for_url(f"{own}/")
    assert "Contoso" in visitor.content() and "Globex" not in visitor.content()
    response = visitor.goto(f"{own}/w/globex/")
    assert response.status == 404
    assert visitor.goto(f"{base}/w/globex/").status == 200  # on the product's host it is there
    # Only the answers the test asked for: the refused form (400) and the other agency's client (404).
    expected = ("status of 400 (Bad Request)", "status of 404 (Not Found)")
    assert not [e for e in console_errors if not e.endswith(expected)], console_errors
