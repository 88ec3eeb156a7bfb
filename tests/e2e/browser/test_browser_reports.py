"""The Reports page in a browser: reached from the navigation, its charts drawn without a
script and without breaking the Content-Security-Policy, readable (labels, contrast), and its
"Download CSV" links downloading the tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from browser_pages import SCREENSHOTS
from browser_server import PortalServer
from playwright.sync_api import Page, expect
from test_browser_language_access import CONTRAST_PROBLEMS, UNLABELLED

from sm2_core.domain.job import Completion, Vehicle

TOYOTA, FORD = "+14185550103", "+14185550102"


def some_work(server: PortalServer) -> None:
    """Two jobs Marc completes (one for Toyota, one for Ford), and one left on the board."""
    for dealer, model in ((TOYOTA, "RAV4"), (FORD, "Escape")):
        job = server.create_job(dealer, "KEY_PROGRAMMING", Vehicle(2022, "Toyota", model))
        server.assign(job.id, "marc")
        server.accept(job.id, "marc")
        server.call(
            server.system.services.field.complete(
                job.id,
                Completion(notes="Keys programmed", labour_minutes=40),
                actor=server.tech_actor("marc"),
            )
        )
    server.create_job(TOYOTA, "KEY_PROGRAMMING", Vehicle(2021, "Toyota", "Corolla"))


class TestReportsPage:
    def test_from_the_navigation_to_the_figures(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        some_work(server)
        page = admin_page
        page.goto(f"{server.url}/reports")
        nav = page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")
        expect(nav).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reports")
        for name in ("Dealerships", "Turnaround", "Technicians", "Parser"):
            expect(page.get_by_role("heading", level=2, name=name)).to_be_visible()
        expect(page.get_by_role("img")).to_have_count(3)
        expect(page.get_by_role("img", name="Turnaround: median (p50) and p90")).to_be_visible()
        expect(page.get_by_role("img", name="Jobs created per day")).to_be_visible()
        marc = page.locator("#report-technicians tr", has_text="Marc-André Gagnon")
        expect(marc.locator("td").first).to_have_text("2")
        assert [] == page.evaluate(UNLABELLED), "every input has a label"
        assert [] == page.evaluate(CONTRAST_PROBLEMS), "text passes WCAG AA contrast"
        page.screenshot(path=SCREENSHOTS / "reports.png", full_page=True)

    def test_a_table_downloads_as_csv(
        self, admin_page: Page, server: PortalServer, tmp_path: Path
    ) -> None:
        page = admin_page
        page.goto(f"{server.url}/reports")
        link = page.get_by_role("link", name="Download CSV — Technicians")
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / "technicians.csv"
        download.value.save_as(saved)
        assert download.value.suggested_filename.startswith("sm2-technicians-")
        rows = list(csv.DictReader(io.StringIO(saved.read_text("utf-8"))))
        assert "Marc-André Gagnon" in {r["technician"] for r in rows}

    def test_another_period_from_the_form(self, admin_page: Page, server: PortalServer) -> None:
        page = admin_page
        page.goto(f"{server.url}/reports")
        page.locator("#report-from").fill("2025-01-01")
        page.locator("#report-to").fill("2025-01-31")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2025-01-01 to 2025-01-31")
        expect(page.get_by_role("img", name="Jobs created per day")).to_contain_text(
            "No job was created in this period."
        )
