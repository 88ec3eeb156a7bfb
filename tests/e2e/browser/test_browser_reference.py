"""Reference data from the admin portal: create, preview a rule, edit, deactivate."""

from __future__ import annotations

from browser_server import PortalServer
from playwright.sync_api import Page, expect

from sm2_core.domain.job import Vehicle
from sm2_core.domain.notices import NoticeKind


class TestRankingRules:
    def test_a_rule_is_previewed_created_and_deactivated(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The preview counts recent jobs the rule would match; saving lists it with that count."""
        for model in ("Model 3", "Model Y"):
            server.create_job("+14185550109", "SOFTWARE_UPDATE", Vehicle(2024, "Tesla", model))
        server.create_job("+14185550109", "OIL_CHANGE", Vehicle(2020, "Volkswagen", "Golf"))
        page = admin_page
        page.get_by_role("link", name="Ranking rules").click()
        form = page.locator("#reference-form")
        form.get_by_label("Description").fill("Software updates first")
        form.get_by_label("Service").select_option("SOFTWARE_UPDATE")
        form.get_by_label("Score added").fill("7")
        form.get_by_role("button", name="Preview").click()
        expect(page.locator("#rule-preview")).to_have_text(
            "This rule would have matched 2 of the last 3 jobs."
        )
        expect(form.get_by_label("Description")).to_have_value("Software updates first")

        form.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="Saved: created.")).to_be_visible()
        row = page.locator("table.reference tbody tr", has_text="Software updates first")
        expect(row).to_contain_text("2 / 3")
        row.get_by_role("button", name="Deactivate Software updates first").click()
        expect(page.get_by_role("status").filter(has_text="Deactivated.")).to_be_visible()
        expect(row).to_contain_text("inactive")

    def test_a_rule_without_criteria_is_refused_in_the_page(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The core's rule (a dealership, a service or a make) is shown next to the form."""
        admin_page.goto(server.url + "/admin/rules")
        admin_page.get_by_label("Description").fill("Everything is urgent")
        admin_page.get_by_role("button", name="Save").click()
        expect(admin_page.get_by_role("alert")).to_contain_text("Please correct the form")
        expect(admin_page.get_by_label("Description")).to_have_value("Everything is urgent")


class TestTechnicians:
    def test_a_technician_is_edited(self, admin_page: Page, server: PortalServer) -> None:
        """Skills and status change from the edit form."""
        admin_page.goto(server.url + "/admin/technicians")
        admin_page.get_by_role("link", name="Edit Sophie Côté").click()
        # The list page has the "Add" form, with its own Status field: wait for the edit form,
        # or the status may be chosen on the page being left.
        expect(admin_page.get_by_role("heading", name="Edit Sophie Côté")).to_be_visible()
        admin_page.get_by_label("Status").select_option("ON_LEAVE")
        admin_page.get_by_label("OIL_CHANGE — Oil change").check()
        admin_page.get_by_role("button", name="Save").click()
        row = admin_page.locator("table.reference tbody tr", has_text="Sophie Côté")
        expect(row).to_contain_text("On leave")
        expect(row).to_contain_text("OIL_CHANGE")


class TestServiceWords:
    def test_a_service_is_created_with_its_words_and_edited(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """One term a line in the form; the list shows the words; the edit form shows them back;
        what the parser reads is the saved service's words."""
        page = admin_page
        page.goto(server.url + "/admin/services")
        form = page.locator("#reference-form")
        form.get_by_label("Code").fill("WHEEL_ALIGNMENT")
        form.get_by_label("Name (English)").fill("Wheel alignment")
        form.get_by_label("Name (French)").fill("Alignement")
        form.get_by_label("Price").fill("99.00")
        form.get_by_label("Words that name it (English)").fill("wheel alignment\nalignment\n")
        form.get_by_label("Words that name it (French)").fill("alignement\nparallélisme")
        form.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="Saved: created.")).to_be_visible()
        row = page.locator("table.reference tbody tr", has_text="WHEEL_ALIGNMENT")
        expect(row).to_contain_text("wheel alignment, alignment, alignement, parallélisme")
        row.get_by_role("link", name="Edit").click()
        words = page.get_by_label("Words that name it (French)")
        expect(words).to_have_value("alignement\nparallélisme")
        words.fill("alignement\nparallélisme\ngéométrie")
        page.get_by_role("button", name="Save").click()
        expect(row).to_contain_text("wheel alignment, alignment, alignement, parallélisme +1")
        service = server.call(server.system.services.admin.all("services"))
        saved = next(s for s in service if s.code == "WHEEL_ALIGNMENT")
        assert ("alignement", "parallélisme", "géométrie") == saved.terms_fr

    def test_a_term_too_long_is_refused_at_its_field(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        admin_page.goto(server.url + "/admin/services")
        form = admin_page.locator("#reference-form")
        form.get_by_label("Code").fill("TOO_WORDY")
        form.get_by_label("Name (English)").fill("Wordy")
        form.get_by_label("Name (French)").fill("Verbeux")
        form.get_by_label("Price").fill("10")
        form.get_by_label("Hints (English)").fill("x" * 61)
        form.get_by_role("button", name="Save").click()
        expect(admin_page.get_by_role("alert")).to_contain_text("Please correct the form")
        expect(admin_page.locator("body")).to_contain_text("at most 60 characters")


class TestDealershipStatusTexts:
    def test_the_status_texts_a_dealership_receives_are_ticked_in_its_form(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A box per status text, all ticked for a new dealership; unticked ones are saved off
        and the list shows what is left."""
        page = admin_page
        page.goto(server.url + "/admin/dealerships")
        add = page.locator("#reference-form")
        for label in ("Technician assigned", "Work started", "Work completed"):
            expect(add.get_by_label(label)).to_be_checked()
        page.get_by_role("link", name="Edit Ford Lévis").click()
        expect(page.get_by_role("heading", name="Edit Ford Lévis")).to_be_visible()
        form = page.locator("#reference-form")
        form.get_by_label("Technician assigned").uncheck()
        form.get_by_label("Work started").uncheck()
        form.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        row = page.locator("table.reference tbody tr", has_text="Ford Lévis")
        expect(row).to_contain_text("Work completed")
        expect(row).not_to_contain_text("Work started")
        row.get_by_role("link", name="Edit").click()
        expect(page.get_by_role("heading", name="Edit Ford Lévis")).to_be_visible()
        expect(page.get_by_label("Technician assigned")).not_to_be_checked()
        expect(page.get_by_label("Work completed")).to_be_checked()
        dealers = server.call(server.system.services.admin.all("dealerships"))
        ford = next(d for d in dealers if d.name == "Ford Lévis")
        assert frozenset({NoticeKind.COMPLETED}) == ford.notify_on
