"""When a business rule refuses, the person sees why, on the screen they were using."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import sign_in
from browser_server import TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, expect

from sm2_core.domain.job import Vehicle

FORD_LEVIS = "+14185550102"
MAZDA_SAINT_GEORGES = "+14185550108"
AUDI_QUEBEC = "+14185550101"


class TestTechnicianRefusals:
    def test_the_20_km_rule_is_explained_on_the_phone(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """Julie works in Lévis; accepting a job in Beauce is refused with the rule's reason."""
        levis = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2023, "Ford", "Escape"))
        beauce = server.create_job(
            MAZDA_SAINT_GEORGES, "OIL_CHANGE", Vehicle(2022, "Mazda", "CX-5")
        )
        for job in (levis, beauce):
            server.assign(job.id, "julie")
        server.accept(levis.id, "julie")

        phone = open_page(phone=True)
        sign_in(phone, server, "julie", TECH_PASSWORD, tech=True)
        cards = phone.locator(".card")
        expect(cards.first).to_contain_text("Ford Escape")  # in progress comes first
        phone.get_by_role("button", name=f"Accept {beauce.job_code}").click()
        alert = phone.get_by_role("alert")
        expect(alert).to_contain_text("Refused by the 20 km rule")
        expect(alert).to_contain_text("Lévis")
        expect(cards).to_have_count(2)
        expect(phone.locator(".card", has_text="Mazda CX-5")).to_contain_text("Scheduled")

    def test_a_complete_form_without_minutes_is_refused_by_the_browser(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """Labour minutes are required; the phone says so before anything is sent."""
        phone = open_page(phone=True)
        sign_in(phone, server, "julie", TECH_PASSWORD, tech=True)
        card = phone.locator(".card", has_text="Ford Escape")
        card.get_by_role("button", name="Complete").click()
        minutes = card.get_by_label("Labour (minutes)")
        assert minutes.evaluate("e => e.validity.valueMissing") is True
        expect(card).to_contain_text("In progress")


class TestDispatcherRefusals:
    def test_assigning_before_verifying_is_refused_in_the_page(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The Audi rule's refusal appears above the job, which stays on screen."""
        job = server.create_job(
            AUDI_QUEBEC, "KEY_PROGRAMMING", Vehicle(2024, "Audi", "A4", vin="WAUENAF45KN008791")
        )
        admin_page.goto(f"{server.url}/jobs/{job.id}")
        admin_page.get_by_role("button", name="Assign Marc-André Gagnon").click()
        alert = admin_page.get_by_role("alert")
        expect(alert).to_contain_text("Refused by the Audi rule")
        expect(alert).to_contain_text("Manual verification required (Audi rule)")
        expect(admin_page.locator(".job__head")).to_contain_text("Pending")

    def test_a_job_changed_while_editing_is_not_lost_nor_overwritten(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The live refresh waits while the dispatcher types; the stale post is then refused."""
        job = server.create_job(FORD_LEVIS, "PDI", Vehicle(2025, "Ford", "Bronco"))
        admin_page.goto(f"{server.url}/jobs/{job.id}")
        expect(admin_page.locator("#live-status")).to_have_attribute("data-state", "live")
        admin_page.get_by_text("Cancel this job").click()
        admin_page.get_by_label("Reason").fill("dealer called back")
        server.assign(job.id, "julie")  # someone else, meanwhile
        expect(
            admin_page.get_by_role("status").filter(has_text="changed while you were editing")
        ).to_be_visible()
        expect(admin_page.get_by_label("Reason")).to_have_value("dealer called back")
        admin_page.get_by_role("button", name="Cancel the job").click()
        expect(admin_page.get_by_role("alert")).to_contain_text("Someone else changed this job")
