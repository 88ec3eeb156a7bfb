"""A service's expected duration and a dealership's address, edited from the admin portal."""

from __future__ import annotations

from browser_server import PortalServer
from playwright.sync_api import Page, expect

ADDRESS = "2600 boulevard Laurier, Québec, QC G1V 4T3"


class TestScheduleFields:
    def test_a_service_s_duration_and_a_dealership_s_address_are_edited(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The lists show both; the edit forms show them back; a duration out of range is
        refused at its field and nothing is saved."""
        page = admin_page
        page.goto(server.url + "/admin/services")
        row = page.locator("table.reference tbody tr", has_text="OIL_CHANGE")
        expect(row).to_contain_text("30 min")
        expect(page.locator("#reference-form").get_by_label("Expected duration")).to_have_value(
            "60"
        )
        row.get_by_role("link", name="Edit").click()
        duration = page.locator("#reference-form").get_by_label("Expected duration")
        expect(duration).to_have_value("30")
        duration.fill("900")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("alert")).to_contain_text("Please correct the form")
        expect(page.locator("body")).to_contain_text("not 5 to 720")
        duration = page.locator("#reference-form").get_by_label("Expected duration")
        duration.fill("45")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        expect(page.locator("table.reference tbody tr", has_text="OIL_CHANGE")).to_contain_text(
            "45 min"
        )

        page.goto(server.url + "/admin/dealerships")
        row = page.locator("table.reference tbody tr", has_text="Toyota Sainte-Foy")
        expect(row).to_contain_text("2555 chemin Sainte-Foy")
        page.get_by_role("link", name="Edit Toyota Sainte-Foy").click()
        expect(page.get_by_role("heading", name="Edit Toyota Sainte-Foy")).to_be_visible()
        address = page.locator("#reference-form").get_by_label("Address")
        expect(address).to_have_value("2555 chemin Sainte-Foy, Québec, QC G1V 1T8")
        address.fill(ADDRESS)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        expect(row).to_contain_text(ADDRESS)

        services = server.call(server.system.services.admin.all("services"))
        dealers = server.call(server.system.services.admin.all("dealerships"))
        assert (45, ADDRESS) == (
            next(s for s in services if s.code == "OIL_CHANGE").duration_minutes,
            next(d for d in dealers if d.name == "Toyota Sainte-Foy").address,
        )
