"""Issue 16 in the portals: the photos a dealership texted, on the dispatcher's job page and in
the inbox, loaded by the browser with its session cookie (no CSP violation, no script error)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
from browser_server import TWILIO_TOKEN, PortalServer
from playwright.sync_api import Page, expect
from twilio.request_validator import RequestValidator

import media_samples as sample
from sm2_core.parsing import ParsedRequest

TOYOTA = "+14185550103"
UNKNOWN = "+14185559876"
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/{sid}/Media/ME{n}"
BODY = "Changement d'huile RAV4 2022 stock T-55, voir la photo du tableau de bord"


def mms(server: PortalServer, sender: str, body: str, *items: tuple[bytes | None, str]) -> None:
    """A signed MMS (items the carrier keeps: bytes, claimed type), then the worker's turn."""
    sid = "MM" + uuid.uuid4().hex
    params = {
        "MessageSid": sid,
        "From": sender,
        "To": "+14185550000",
        "Body": body,
        "NumMedia": str(len(items)),
    }
    for n, (data, claimed) in enumerate(items):
        url = MEDIA.format(sid=sid, n=n)
        params[f"MediaUrl{n}"], params[f"MediaContentType{n}"] = url, claimed
        if data is not None:
            server.system.media.add(url, data, claimed)
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        server.config.public_url + "/webhooks/twilio/sms", params
    )
    response = httpx.post(
        f"{server.url}/webhooks/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    response.raise_for_status()
    server.run_tasks()


def _shot(page: Page, name: str) -> None:
    """Kept for a person to look at when SM2_SCREENSHOTS names a folder."""
    folder = os.environ.get("SM2_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


class TestTextedPhotos:
    def test_the_job_page_shows_the_photo_and_what_became_of_the_rest(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A photo (shown, loaded), a web page (refused, with why), an item Twilio lost."""
        server.parser.script(
            BODY,
            ParsedRequest(
                year=2022, make="Toyota", model="RAV4", stock_no="T-55", service_code="OIL_CHANGE"
            ),
        )
        mms(
            server,
            TOYOTA,
            BODY,
            (sample.png(64, 48), "image/png"),
            (sample.html(), "image/jpeg"),
            (None, "image/heic"),
        )
        (job,) = [j for j in server.jobs() if j.vehicle.stock_no == "T-55"]
        admin_page.goto(f"{server.url}/jobs/{job.id}")
        section = admin_page.locator("section[aria-labelledby='media-h']")
        expect(section).to_contain_text("Photos from the text")
        thumb = section.locator("img.media-item__thumb")
        expect(thumb).to_have_count(1)
        expect(thumb).to_have_js_property("naturalWidth", 64)
        expect(section.locator(".media-item--refused")).to_contain_text("Refused")
        expect(section.locator(".media-item--refused")).to_contain_text("PDF only")
        expect(section.locator(".media-item--failed")).to_contain_text("Fetch failed")
        _shot(admin_page, "job-page-mms")

    def test_the_inbox_links_a_texted_pdf(self, admin_page: Page, server: PortalServer) -> None:
        mms(server, UNKNOWN, "Facture ci-jointe", (sample.pdf(), "application/pdf"))
        admin_page.goto(f"{server.url}/inbox")
        link = admin_page.locator(".media-item__file", has_text="Open file 1")
        expect(link).to_have_count(1)
        href = link.get_attribute("href")
        assert (href or "").startswith("/api/attachments/")
        _shot(admin_page, "inbox-mms")
