"""Browser tests: Debian's headless Chromium driven by Playwright, against the app on uvicorn.

Chromium comes from ``apt-get install chromium`` (never ``playwright install``); a machine
without it fails these tests rather than skipping them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_pages import CHROMIUM, CHROMIUM_ARGS, new_context, sign_in
from browser_server import ADMIN, ADMIN_PASSWORD, TECH_PASSWORD, PortalServer
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, which would break every asyncio test collected after this folder.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server() -> Iterator[PortalServer]:
    """A fresh seeded system per test module."""
    started = PortalServer().start()
    yield started
    started.stop()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Opens pages in new browser contexts (separate cookies), closed after the test."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def open_(*, phone: bool = False, locale: str = "en-CA") -> Page:
        context = new_context(browser, phone=phone, locale=locale)
        contexts.append(context)
        return watched(context.new_page(), problems)

    yield open_
    for context in contexts:
        context.close()
    assert [] == problems, "no script error and no Content-Security-Policy violation"


@pytest.fixture
def admin_page(browser: Browser, server: PortalServer) -> Iterator[Page]:
    context = new_context(browser)
    problems: list[str] = []
    page = watched(context.new_page(), problems)
    sign_in(page, server, ADMIN, ADMIN_PASSWORD, tech=False)
    yield page
    context.close()
    assert [] == problems, "no script error and no Content-Security-Policy violation"


def watched(page: Page, problems: list[str]) -> Page:
    """Collect script errors and CSP violations; refused requests (4xx) are expected."""

    def on_console(message: ConsoleMessage) -> None:
        expected = ("Failed to load resource", "Response Status Error Code")
        if message.type == "error" and not message.text.startswith(expected):
            problems.append(f"{message.text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


@pytest.fixture
def marc_phone(browser: Browser, server: PortalServer) -> Iterator[Page]:
    """Marc-André Gagnon's phone, signed in to the technician portal."""
    context = new_context(browser, phone=True)
    page = context.new_page()
    sign_in(page, server, "marc", TECH_PASSWORD, tech=True)
    yield page
    context.close()
