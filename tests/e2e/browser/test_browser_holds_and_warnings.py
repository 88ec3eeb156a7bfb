"""Issue 14 in the portals: the 20 km rule's warnings and conflicts, and a job held after it
was assigned, as the dispatcher and the technician see them."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import sign_in
from browser_server import ADMIN_ACTOR, TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, expect
from test_browser_language_access import CONTRAST_PROBLEMS

from sm2_core.domain.job import Job, Vehicle

TOYOTA_SAINTE_FOY = "+14185550103"
MAZDA_SAINT_GEORGES = "+14185550108"
FORD_LEVIS = "+14185550102"
HELD = "On hold — waiting for the dispatcher's verification"
HELD_FR = "En suspens — en attente de la vérification du répartiteur"


def _made_an_audi(server: PortalServer, job: Job) -> Job:
    """An admin's edit after the assignment: the car is an Audi, so the job is held again."""
    current = server.call(server.system.services.dispatch.resolve(str(job.id)))
    return server.call(
        server.system.services.dispatch.update(
            job.id, actor=ADMIN_ACTOR, expected_version=current.version, vehicle={"make": "Audi"}
        )
    )


class TestTheTwentyKilometreRuleOnTheJobPage:
    def test_conflicts_are_explained_and_the_assignment_warns(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """Marc-André works in Sainte-Foy: for a diagnostic in Beauce he is suggested last,
        with why he cannot start it now; assigning him anyway shows the warning."""
        working = server.create_job(
            TOYOTA_SAINTE_FOY, "KEY_PROGRAMMING", Vehicle(2022, "Toyota", "RAV4")
        )
        server.assign(working.id, "marc")
        server.accept(working.id, "marc")
        far = server.create_job(MAZDA_SAINT_GEORGES, "DIAGNOSTIC", Vehicle(2021, "Mazda", "CX-5"))

        admin_page.goto(f"{server.url}/jobs/{far.id}")
        rows = admin_page.locator("table.suggestions tbody tr")
        expect(rows.first).not_to_contain_text("Cannot start it now")
        marc = rows.last
        expect(marc).to_contain_text("Marc-André Gagnon")
        expect(marc.locator(".conflict")).to_contain_text("Cannot start it now:")
        expect(marc.locator(".conflict")).to_contain_text("Sainte-Foy")

        marc.get_by_role("button", name="Assign Marc-André Gagnon").click()
        expect(
            admin_page.get_by_role("status").filter(has_text="Technician assigned.")
        ).to_be_visible()
        warning = admin_page.locator(".flash--warning")
        expect(warning).to_contain_text("Heads-up for this assignment")
        expect(warning).to_contain_text("Sainte-Foy")
        expect(warning).to_contain_text("20 km")
        assert [] == admin_page.evaluate(CONTRAST_PROBLEMS), "text passes WCAG AA contrast"


class TestAHeldJobOnThePhone:
    def test_a_job_held_after_assignment_shows_on_hold_without_accept(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """Made an Audi after Julie got it: her card says it is on hold and offers no Accept;
        her other job can still be accepted."""
        held = server.create_job(FORD_LEVIS, "OIL_CHANGE", Vehicle(2023, "Ford", "Escape"))
        other = server.create_job(FORD_LEVIS, "PDI", Vehicle(2024, "Ford", "Bronco"))
        for job in (held, other):
            server.assign(job.id, "julie")
        _made_an_audi(server, held)

        phone = open_page(phone=True)
        sign_in(phone, server, "julie", TECH_PASSWORD, tech=True)
        card = phone.locator(f"#job-{held.id}")
        expect(card).to_contain_text(HELD)
        expect(card.get_by_role("button", name=f"Accept {held.job_code}")).to_have_count(0)
        expect(
            phone.locator(f"#job-{other.id}").get_by_role("button", name=f"Accept {other.job_code}")
        ).to_be_visible()
        assert [] == phone.evaluate(CONTRAST_PROBLEMS), "text passes WCAG AA contrast"

    def test_in_french(self, open_page: Callable[..., Page], server: PortalServer) -> None:
        """Switched to French, the phone reads the hold in French."""
        held = server.create_job(FORD_LEVIS, "TIRE_CHANGE", Vehicle(2020, "Ford", "Edge"))
        server.assign(held.id, "julie")
        _made_an_audi(server, held)

        phone = open_page(phone=True)
        sign_in(phone, server, "julie", TECH_PASSWORD, tech=True)
        phone.get_by_role("button", name="Français").click()
        expect(phone.locator("html")).to_have_attribute("lang", "fr")
        expect(phone.locator(f"#job-{held.id}")).to_contain_text(HELD_FR)
        expect(phone.locator(f"#job-{held.id}").get_by_role("button")).to_have_count(0)
