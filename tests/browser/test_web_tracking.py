"""The tracking snippet on a real site of another origin, end to end (issue 17).

A tiny static site is served on http://127.0.0.2:<port> (another origin than the
app's live server) with the snippet the site key page gives. Two browsers visit
it: the first lands from a paid search ad (UTM values naming a campaign), reads
two more pages, downloads a file, sends the contact form and takes a
single-page step (pushState) and back; the second opens one page and leaves. The KPI API, with the workspace's API key, then shows
what a person counting by hand expects.
"""

from __future__ import annotations

import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not "HeadlessChrome": a crawler's agent, dropped by the collector (checked below). Two desktops.
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
)
SITE_HOST = "127.0.0.2"


def _page(title: str, body: str, snippet: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"<title>{title}</title>{snippet}</head>"
        f'<body><nav><a href="/">Home</a> <a href="/about.html">About</a> <a href="/contact.html">Contact</a></nav>'
        f"<h1>{title}</h1>{body}</body></html>"
    )


def _write_site(root, snippet: str) -> None:
    pages = {
        "index.html": ("Acme", '<p>Welcome. <a href="https://elsewhere.example/">A partner</a></p>'),
        "about.html": ("About", '<p><a id="guide" href="/files/guide.pdf" download>The guide (PDF)</a></p>'),
        "contact.html": (
            "Contact",
            '<form data-pulse-form action="/thanks.html" method="get"><label for="email">Email</label>'
            '<input type="email" id="email" name="email"><button type="submit">Send</button></form>',
        ),
        "thanks.html": ("Thanks", "<p>We will be in touch.</p>"),
    }
    for name, (title, body) in pages.items():
        (root / name).write_text(_page(title, body, snippet))
    (root / "files").mkdir()
    (root / "files" / "guide.pdf").write_bytes(b"%PDF-1.4\n% a tiny guide\n")


@pytest.fixture
def static_site(tmp_path):
    """Serves tmp_path/site on 127.0.0.2 (its pages written by the test); yields (root, base URL)."""
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer((SITE_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://{SITE_HOST}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tracked_workspace(fixed_clock):
    from accounts.services import api_key_create
    from accounts.tenancy import workspace_scope
    from campaigns.models import Campaign
    from tests.factories import AgencyFactory, AgencyMembershipFactory, UserFactory, WorkspaceFactory

    agency = AgencyFactory(name="Northwind")
    owner = UserFactory(email="owner@northwind.example")
    AgencyMembershipFactory(agency=agency, user=owner, role="owner")
    workspace = WorkspaceFactory(agency=agency, name="Contoso", slug="contoso")
    with workspace_scope(workspace):
        Campaign.objects.create(external_id="spring-sale", name="Spring sale", channel="paid_search")
    return workspace, owner, api_key_create(workspace=workspace, name="kpis")[1]


def _wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_a_tracked_site_on_another_origin_feeds_the_kpis(
    live_server, new_page, console_errors, screenshot, tracked_workspace, static_site
):
    from django.db import OperationalError
    from django.utils import timezone

    from accounts.tenancy import workspace_scope
    from campaigns.models import Touchpoint
    from tests.browser.test_dashboards import log_in
    from tracking.models import SiteKey, TrackedSession

    workspace, owner, api_key = tracked_workspace
    root, site = static_site
    base = live_server.url

    # The admin creates a site key for the site's origin and copies its snippet.
    admin = new_page()
    log_in(admin, base, owner.email)
    admin.goto(f"{base}/w/contoso/integrations/")
    admin.get_by_role("link", name="Manage site keys").click()
    admin.fill("input[name=name]", "Acme site")
    admin.fill("textarea[name=allowed_origins]", site)
    admin.click("button:has-text('Create site key')")
    admin.wait_for_url(f"{base}/w/contoso/web/sites/")
    snippet = admin.locator("pre code[id^=snippet-]").first.inner_text()
    screenshot(admin, "40-web-tracking-site-keys")
    with workspace_scope(workspace):
        token = SiteKey.objects.get().token
    assert snippet == f'<script defer src="{base}/t.js" data-site="{token}"></script>'
    _write_site(root, snippet)

    headers = {"Authorization": f"Bearer {api_key}"}

    def kinds() -> list[str]:
        """The touchpoints' kinds in the order written (nothing yet while SQLite's test database, shared
        in memory with the live server's threads, has the table locked for a write)."""
        try:
            with workspace_scope(workspace):
                return list(Touchpoint.objects.values_list("kind", flat=True).order_by("id"))
        except OperationalError:
            return []

    def read(count: int) -> None:
        """Until `count` events are in: a person reads a page for longer than its beacon takes to arrive."""
        assert _wait_for(lambda: len(kinds()) >= count), kinds()

    # A visitor from a paid search ad: landing page, About, the PDF, Contact, the form, Thanks.
    first = new_page(user_agent=AGENTS[0])
    first.goto(f"{site}/?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale")
    read(1)
    first.get_by_role("link", name="About").click()
    first.wait_for_url(f"{site}/about.html")
    read(2)
    with first.expect_download():
        first.click("#guide")
    read(3)
    first.get_by_role("link", name="Contact").click()
    first.wait_for_url(f"{site}/contact.html")
    read(4)
    first.fill("#email", "ana@client.example")
    first.click("button:has-text('Send')")
    first.wait_for_url(f"{site}/thanks.html?email=ana%40client.example")
    read(6)
    # A single-page step: pushState is a page view, and so is going back (popstate).
    first.evaluate("history.pushState({}, '', '/thanks/next-steps')")
    read(7)
    first.go_back()
    read(8)

    # Another browser opens one page and leaves (a bounce); a crawler is not counted.
    second = new_page(user_agent=AGENTS[1])
    second.goto(f"{site}/about.html")
    crawler = new_page()  # Playwright's own agent says HeadlessChrome
    crawler.goto(f"{site}/contact.html")

    read(9)
    time.sleep(1)  # the crawler's event, had it been counted, would be in by now
    first_visit = ["page_view"] * 2 + ["content_download", "page_view", "form_submit"] + ["page_view"] * 3
    assert kinds() == [*first_visit, "page_view"]
    with workspace_scope(workspace):
        sessions = {s.landing_path: s for s in TrackedSession.objects.all()}
    assert sessions["/"].channel == "paid_search" and sessions["/"].campaign.external_id == "spring-sale"
    assert sessions["/about.html"].channel == "direct" and sessions["/about.html"].campaign is None

    day = timezone.now().astimezone(workspace.tz).date().isoformat()

    def kpis(query: str = ""):
        return admin.request.get(f"{base}/api/v1/kpis/?from={day}&to={day}{query}", headers=headers).json()["metrics"]

    metrics = _wait_for(lambda: (m := kpis()) and m["sessions"] == 2 and m)
    assert metrics["sessions"] == 2
    assert metrics["unique_visitors"] == 2
    assert metrics["page_views"] == 7
    assert float(metrics["bounce_rate_web"]) == 0.5  # one of two sessions had a single page
    assert float(metrics["pages_per_session"]) == 3.5
    assert metrics["content_downloads"] == 1
    # The campaign of the landing URL: its session, its six page views and the download.
    spring = kpis("&campaign=spring-sale")
    assert (spring["sessions"], spring["page_views"], spring["content_downloads"]) == (1, 6, 1)
    assert float(spring["bounce_rate_web"]) == 0.0

    # Top pages: the first visit ended on Thanks (back from the pushState step), the second on About.
    pages = admin.request.get(f"{base}/api/v1/kpis/pages/?from={day}&to={day}", headers=headers).json()["rows"]
    table = {
        urlsplit(row["url"]).path: (row["page_views"], row["entries"], row["exits"], row["exit_rate"]) for row in pages
    }
    rates = {path: (views, entries, exits, float(rate)) for path, (views, entries, exits, rate) in table.items()}
    assert rates == {
        "/about.html": (2, 1, 1, 0.5),
        "/thanks.html": (2, 0, 1, 0.5),
        "/": (1, 1, 0, 0.0),
        "/contact.html": (1, 0, 0, 0.0),
        "/thanks/next-steps": (1, 0, 0, 0.0),
    }
    assert [urlsplit(row["url"]).path for row in pages][:2] == ["/about.html", "/thanks.html"]

    admin.goto(f"{base}/w/contoso/web/traffic/?range=last_7")
    assert admin.get_by_role("cell", name="Paid search").is_visible()
    screenshot(admin, "41-web-tracking-traffic")
    assert not console_errors, console_errors
