"""Opening pages as a dispatcher at a desk or a technician on a phone."""

from __future__ import annotations

from pathlib import Path

from browser_server import PortalServer
from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
TIMEOUT_MS = 10_000


def new_context(browser: Browser, *, phone: bool = False, locale: str = "en-CA") -> BrowserContext:
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        locale=locale,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Page, server: PortalServer, username: str, password: str, *, tech: bool) -> None:
    page.goto(f"{server.url}/tech/login" if tech else f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/tech" if tech else f"{server.url}/")
