"""Live updates: the board and the inbox follow events without a reload, and say when the
stream is lost and back."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import sign_in
from browser_server import ADMIN, ADMIN_PASSWORD, PortalServer
from playwright.sync_api import Page, expect

from sm2_core.domain.job import Vehicle
from sm2_core.parsing import ParsedRequest

TOYOTA = "+14185550103"
HONDA = "+14185550104"


class TestLiveBoard:
    def test_new_jobs_appear_without_losing_filter_or_scroll(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A long filtered board scrolled to the bottom stays there while a job arrives."""
        for n in range(30):
            server.create_job(
                TOYOTA, "OIL_CHANGE", Vehicle(year=2020, make="Toyota", model=f"C{n}")
            )
        server.create_job(HONDA, "OIL_CHANGE", Vehicle(year=2020, make="Honda", model="Fit"))
        page = admin_page
        page.reload()
        page.get_by_label("Dealership").select_option(label="Toyota Sainte-Foy")
        expect(page).to_have_url(
            f"{server.url}/?status=&urgency=&dealership={_toyota(server)}&technician=&q=&vin="
        )
        expect(page.locator("#board-results tbody tr")).to_have_count(30)
        page.mouse.wheel(0, 3000)
        # Polled from here: wait_for_function evaluates a string, which the CSP refuses.
        for _ in range(50):
            scrolled = page.evaluate("window.scrollY")
            if scrolled > 500:
                break
            page.wait_for_timeout(100)
        assert scrolled > 500, "the board did not scroll"

        body = server.parser.script(
            "Sienna 2024 vidange",
            ParsedRequest(year=2024, make="Toyota", model="Sienna", service_code="OIL_CHANGE"),
        )
        server.send_sms(TOYOTA, body)
        fresh = page.locator("#board-results tbody tr.is-fresh", has_text="Sienna")
        expect(fresh).to_have_count(1)
        expect(page.locator("#board-results tbody tr")).to_have_count(31)
        expect(page.locator("#live-news")).to_contain_text("New job SM2-")
        assert abs(page.evaluate("window.scrollY") - scrolled) < 5, "the scroll position moved"
        expect(page.get_by_label("Dealership")).to_have_value(str(_toyota(server)))
        expect(page.locator("#board-results")).not_to_contain_text("Honda")
        expect(page.locator("#counts")).to_contain_text("32 All")

    def test_a_lost_event_stream_reconnects_and_says_so(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The stream ends while the browser is offline: the page says the connection is lost;
        online again, it says it is back and shows what arrived meanwhile."""
        status = admin_page.locator("#live-status")
        expect(status).to_have_attribute("data-state", "live")
        admin_page.context.set_offline(True)  # so that reconnecting fails for a while
        server.drop_event_streams()
        # A loaded machine may take a while to notice the stream ended.
        expect(status).to_have_attribute("data-state", "lost", timeout=15_000)
        expect(status).to_have_text("Connection lost — reconnecting…")

        body = server.parser.script(
            "Yaris 2019 pneus",
            ParsedRequest(year=2019, make="Toyota", model="Yaris", service_code="TIRE_CHANGE"),
        )
        server.send_sms(TOYOTA, body)  # arrives while the page is offline
        admin_page.context.set_offline(False)
        expect(status).to_have_text("Reconnected", timeout=15_000)
        expect(admin_page.locator("#board-results")).to_contain_text("Yaris")


class TestLiveInbox:
    def test_an_unknown_sender_appears_and_becomes_a_dealership(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """A text from an unknown number shows up in the inbox live; the dispatcher registers
        the sender, then types a job in from the text."""
        page = open_page()
        sign_in(page, server, ADMIN, ADMIN_PASSWORD, tech=False)
        page.get_by_role("link", name="Inbox").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
        server.send_sms("+14505550199", "Salut, pouvez-vous passer pour une batterie?")
        message = page.locator(".message", has_text="+14505550199")
        expect(message).to_contain_text("Unknown sender")

        message.get_by_text("Register +14505550199 as a dealership").click()
        message.get_by_label("Name").fill("Nissan Rive-Sud")
        message.get_by_label("Billing email").fill("ap@nissanrivesud.example")
        message.get_by_label("Zone").select_option(label="Lévis")
        message.get_by_role("button", name="Register the dealership").click()
        expect(page.get_by_role("status").filter(has_text="Dealership registered")).to_be_visible()

        message = page.locator(".message", has_text="+14505550199")
        message.get_by_text("Create a job from this text").click()
        message.get_by_label("Dealership").select_option(label="Nissan Rive-Sud")
        message.get_by_label("Service").select_option(label="Battery replacement")
        message.get_by_label("Make").fill("Nissan")
        message.get_by_label("Model").fill("Rogue")
        message.get_by_role("button", name="Create the job").click()
        expect(page.get_by_role("status").filter(has_text="Job created.")).to_be_visible()
        expect(page.locator("blockquote.sms")).to_contain_text("batterie")
        expect(page.locator(".job__head")).to_contain_text("Nissan Rogue")


def _toyota(server: PortalServer) -> object:
    return server.dealership_id(TOYOTA)
