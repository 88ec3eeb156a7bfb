"""The Messages pages: a dealership's conversation, a reply that reaches the dealer, live texts,
and a dealer's answer applied to the job it answers."""

from __future__ import annotations

from browser_server import PortalServer
from playwright.sync_api import Page, expect
from test_browser_language_access import CONTRAST_PROBLEMS, UNLABELLED

from sm2_core.domain.job import Vehicle
from sm2_core.domain.vin import check_digit
from sm2_core.errors import IntegrationError
from sm2_core.parsing import ParsedRequest

FORD = "+14185550102"
TOYOTA = "+14185550103"
HONDA = "+14185550104"
MAZDA = "+14185550108"


def audit(page: Page) -> None:
    assert [] == page.evaluate(UNLABELLED), "every input has a label"
    assert [] == page.evaluate(CONTRAST_PROBLEMS), "text passes WCAG AA contrast"


def vin(first_sixteen: str) -> str:
    """A valid VIN from the 16 characters around its check digit."""
    draft = first_sixteen[:8] + "0" + first_sixteen[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


class TestConversation:
    def test_a_reply_typed_in_the_page_reaches_the_dealer(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The dealer's text is unread in the list; opened, it is read; the reply typed in the
        box shows in the thread and goes to the dealer's phone; the dealer's next text appears
        without a reload."""
        server.send_sms(FORD, "Bonjour, vous passez demain?")
        page = admin_page
        page.get_by_role("link", name="Messages").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Messages")
        entry = page.locator(".conversation", has_text="Ford Lévis")
        expect(entry).to_contain_text("1 unread")
        expect(entry).to_contain_text("Bonjour, vous passez demain?")

        entry.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ford Lévis")
        expect(page.locator(".bubble--in").last).to_contain_text("Bonjour, vous passez demain?")

        page.get_by_label("Reply to Ford Lévis").fill("Oui, demain matin vers 9 h.")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("status").filter(has_text="Reply queued")).to_be_visible()
        mine = page.locator(".bubble--out").last
        expect(mine).to_contain_text("Oui, demain matin vers 9 h.")
        expect(mine).to_contain_text("by dispatch")
        expect(page.get_by_label("Reply to Ford Lévis")).to_have_value("")

        server.run_tasks()
        sent = server.system.sms.sent[-1]
        assert (FORD, "Oui, demain matin vers 9 h.") == (sent.to, sent.body)

        server.send_sms(FORD, "Parfait, merci!")
        expect(page.locator(".bubble--in").last).to_contain_text("Parfait, merci!")
        expect(page.locator(".bubble--out", has_text="vers 9 h")).to_contain_text("Sent")

        page.get_by_role("link", name="Messages").first.click()
        expect(page.locator(".conversation", has_text="Ford Lévis")).not_to_contain_text("unread")


class TestApplyToJob:
    def test_the_dealers_vin_goes_to_the_job_asked_about(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A request makes a job; the dispatcher asks for the VIN; the dealer's answer is
        offered for that job, VIN filled in; applied, the job has it. The job's page shows the
        conversation."""
        request = server.parser.script(
            "RAV4 2022 vidange svp",
            ParsedRequest(year=2022, make="Toyota", model="RAV4", service_code="OIL_CHANGE"),
        )
        server.send_sms(TOYOTA, request)
        page = admin_page
        page.goto(f"{server.url}/messages/%2B14185550103")
        page.get_by_label("Reply to Toyota Sainte-Foy").fill("Quel est le NIV du RAV4?")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".bubble--out").last).to_contain_text("Quel est le NIV")
        server.run_tasks()  # the question reaches the dealer before they answer it

        number = vin("2T3P1RFV" + "MW123456")
        server.send_sms(TOYOTA, server.parser.script(f"NIV {number}", ParsedRequest(vin=number)))
        answer = page.locator(".bubble--in", has_text=f"NIV {number}")
        expect(answer).to_be_visible()
        answer.get_by_text("Apply to job").click()
        (job,) = [j for j in server.jobs() if j.vehicle.model == "RAV4"]
        expect(answer.get_by_label("Job")).to_have_value(str(job.id))
        expect(answer.get_by_label("VIN")).to_have_value(number)
        expect(answer.get_by_label("Make")).to_have_value("")
        audit(page)
        answer.get_by_role("button", name="Apply to the job").click()

        expect(page.get_by_role("status").filter(has_text="reply was applied")).to_be_visible()
        expect(page.locator(".job__head")).to_contain_text(job.job_code)
        expect(page.locator(".facts").first).to_contain_text(number)
        texts = page.locator("#job-thread")
        expect(texts).to_contain_text("Quel est le NIV du RAV4?")
        expect(texts.locator(".bubble--out").first).to_contain_text("Confirmation")
        texts.get_by_role("link", name="Open the whole conversation").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Toyota Sainte-Foy")


class TestDelivery:
    def test_a_text_the_carrier_refused_says_so(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """The carrier refuses the reply for good: the bubble says it failed, with the
        carrier's error code, and the pages stay readable."""
        server.send_sms(HONDA, "Allo?")
        page = admin_page
        page.goto(f"{server.url}/messages/%2B14185550104")
        server.system.sms.fail_with.append(
            IntegrationError("twilio", "unreachable", transient=False, code="30003")
        )
        page.get_by_label("Reply to Honda Charlesbourg").fill("Bonjour!")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".bubble--out").last).to_contain_text("Queued")
        server.run_tasks()
        page.reload()
        failed = page.locator(".bubble--failed")
        expect(failed).to_contain_text("Bonjour!")
        expect(failed).to_contain_text("Failed (error 30003)")
        audit(page)
        page.goto(f"{server.url}/messages")
        audit(page)


class TestStartingAConversation:
    def test_from_a_jobs_page(self, admin_page: Page, server: PortalServer) -> None:
        """A job of a dealership we never texted: its page offers to write to them; the first
        text starts the conversation."""
        job = server.create_job(MAZDA, "OIL_CHANGE", Vehicle(year=2023, make="Mazda", model="CX-5"))
        page = admin_page
        page.goto(f"{server.url}/jobs/{job.id}")
        expect(page.locator("#job-thread")).to_contain_text("No texts with this dealership yet.")
        page.get_by_role("link", name="Write to Mazda Saint-Georges").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mazda Saint-Georges")
        expect(page.locator("#thread")).to_contain_text("No texts yet.")
        page.get_by_label("Reply to Mazda Saint-Georges").fill("Le CX-5 est prêt?")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".bubble--out")).to_contain_text("Le CX-5 est prêt?")
