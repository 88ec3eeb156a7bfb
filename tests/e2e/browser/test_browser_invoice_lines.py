"""A job's invoice on its page, in a browser: the flagged part, a line adjusted from its form,
and approval asking to confirm the flagged lines first (no script needed)."""

from __future__ import annotations

from browser_server import PortalServer
from playwright.sync_api import Page, expect

from sm2_core.domain.job import Completion, Job, Part, Vehicle

REPORT = Completion(
    notes="Two keys programmed",
    labour_minutes=75,
    parts=(Part("Smart key fob", 2), Part("Mystery clip", 3)),
)


def completed(server: PortalServer) -> Job:
    job = server.create_job("+14185550103", "KEY_PROGRAMMING", Vehicle(2022, "Toyota", "RAV4"))
    server.assign(job.id, "marc")
    server.accept(job.id, "marc")
    return server.call(
        server.system.services.field.complete(job.id, REPORT, actor=server.tech_actor("marc"))
    )


class TestInvoiceOnTheJobPage:
    def test_adjust_a_flagged_line_then_approve(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The clips are flagged at 0.00; priced from their form, the subtotal follows; with
        the flag checked the approve button needs no box, and the lines are fixed."""
        job = completed(server)
        page = admin_page
        page.goto(f"{server.url}/jobs/{job.id}")
        table = page.locator("#invoice-lines")
        clips = table.locator("tr", has_text="Mystery clip")
        expect(clips).to_contain_text("not in the parts catalog")
        expect(table.locator("#invoice-subtotal")).to_have_text("$650.75")
        expect(page.locator("#invoice-flags")).to_contain_text("1 line(s) flagged")

        clips.get_by_text("Adjust").click()
        clips.get_by_label("Unit price").fill("1.25")
        clips.get_by_label("Reason").fill("Clips from our stock")
        clips.get_by_role("button", name="Save the line").click()

        expect(page.get_by_role("status").filter(has_text="Invoice line adjusted")).to_be_visible()
        expect(page.locator("#invoice-subtotal")).to_have_text("$654.50")
        expect(page.locator("#invoice-lines tr", has_text="Mystery clip")).to_contain_text(
            "Adjusted by dispatch: Clips from our stock"
        )
        expect(page.locator("#confirm-flagged")).to_have_count(0)
        page.get_by_role("button", name="Approve and invoice").click()
        expect(page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
        saved = server.call(server.system.services.billing.preview(job.id))
        assert ("approved", "654.50") == (saved.stage.value, str(saved.subtotal))

    def test_flagged_lines_must_be_confirmed(self, admin_page: Page, server: PortalServer) -> None:
        """Unadjusted, the flagged line keeps the approval behind a required box."""
        job = completed(server)
        page = admin_page
        page.goto(f"{server.url}/jobs/{job.id}")
        box = page.get_by_label("I have checked the flagged lines")
        expect(box).to_have_attribute("required", "")
        page.get_by_role("button", name="Approve and invoice").click()
        assert not server.call(server.system.services.billing.preview(job.id)).job.is_approved
        box.check()
        page.get_by_role("button", name="Approve and invoice").click()
        expect(page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
