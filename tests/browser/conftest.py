"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium. Without
it these tests skip with a plain reason, except under CI (the CI env var), where a
missing browser is a failure: CI must never skip them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make between page actions are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        return  # the `browser` fixture fails loudly instead
    skip = pytest.mark.skip(reason="Chromium not installed: browser tests skipped")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"CI is set but {CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class ConsoleErrors(list):
    """Console errors and uncaught exceptions of a page, for a final `assert not errors`."""

    def watch(self, page):
        page.on("console", lambda message: self.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.append(str(error)))
        return page


@pytest.fixture
def console_errors():
    return ConsoleErrors()


@pytest.fixture
def new_page(browser, console_errors):
    """A fresh browser context (own cookies) per call, watched for console errors."""
    contexts = []

    def make(**context_options):
        context = browser.new_context(**{"viewport": {"width": 1366, "height": 900}, **context_options})
        contexts.append(context)
        return console_errors.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


# `make screenshots` sets this: the README's pictures are taken by the tests, of what they check.
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def readme_screenshot():
    """Saves the visible part of a page under docs/screenshots/ when SAVE_README_SCREENSHOTS=1, else nothing."""

    def take(page, name: str) -> None:
        if os.environ.get("SAVE_README_SCREENSHOTS") == "1":
            README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(README_SCREENSHOTS / f"{name}.png"))

    return take


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def wait_for_charts(page, timeout: float = 60_000) -> None:
    """Until every chart on the page has loaded its data and drawn (or reported an error)."""
    pending = page.locator("figure[data-chart-url]:not([data-state=ready]):not([data-state=error])")
    pending.first.wait_for(state="detached", timeout=timeout)


def open_sections(page) -> None:
    """Open every collapsed section of a dashboard (most start closed: kpis/dashboard_layouts.py)."""
    page.evaluate("document.querySelectorAll('details.dash-section').forEach(section => { section.open = true; })")
