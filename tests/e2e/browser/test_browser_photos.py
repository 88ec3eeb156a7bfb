"""Proof of work in the browser: the technician attaches photos from the phone (a JPEG with its
location, an iPhone's HEIC) through the job's form, sees their thumbnails; the dispatcher sees
them on the job's page, each opening the photo; no script error, no CSP violation."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import sign_in
from browser_server import ADMIN, ADMIN_PASSWORD, TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, expect
from test_browser_mms import _shot

import media_samples as sample
from sm2_core.domain.job import Vehicle

TOYOTA = "+14185550103"


def test_photos_from_the_phone_reach_the_dispatcher(
    open_page: Callable[..., Page], server: PortalServer
) -> None:
    job = server.create_job(TOYOTA, "KEY_PROGRAMMING", Vehicle(2023, "Toyota", "Corolla"))
    server.assign(job.id, "marc")
    server.accept(job.id, "marc")
    phone = open_page(phone=True)
    sign_in(phone, server, "marc", TECH_PASSWORD, tech=True)
    phone.goto(f"{server.url}/tech/jobs/{job.id}")
    section = phone.locator(f"section[aria-labelledby='photos-h-{job.id}']")
    expect(section).to_contain_text("0/20")
    camera = section.locator(f"#camera-{job.id}")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    section.locator(f"#gallery-{job.id}").set_input_files(
        [
            {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": sample.photo("JPEG")},
            {
                "name": "IMG_0002.HEIC",
                "mimeType": "image/heic",
                "buffer": sample.photo("HEIF", (800, 600)),
            },
        ]
    )
    section.get_by_role("button", name="Add photo").click()
    phone.wait_for_url(f"{server.url}/tech/jobs/{job.id}?done=photos")
    section = phone.locator(f"section[aria-labelledby='photos-h-{job.id}']")
    expect(section).to_contain_text("2/20")
    thumbs = section.locator("img.media-item__thumb")
    expect(thumbs).to_have_count(2)
    for n in range(2):
        expect(thumbs.nth(n)).to_have_js_property("naturalWidth", 320)  # both decoded, HEIC too

    # A GIF is refused, named on the same page; the photos kept stay.
    section.locator(f"#gallery-{job.id}").set_input_files(
        [{"name": "funny.gif", "mimeType": "image/gif", "buffer": sample.gif()}]
    )
    section.get_by_role("button", name="Add photo").click()
    errors = phone.locator(".work-photos__errors")
    expect(errors).to_contain_text("funny.gif")
    expect(errors).to_contain_text("image/gif is not taken")
    expect(phone.locator("img.media-item__thumb")).to_have_count(2)
    _shot(phone, "tech-job-photos")

    desk = open_page()
    sign_in(desk, server, ADMIN, ADMIN_PASSWORD, tech=False)
    desk.goto(f"{server.url}/jobs/{job.id}")
    photos = desk.locator("section[aria-labelledby='photos-h']")
    expect(photos).to_contain_text("Photos of the work")
    shown = photos.locator("img.media-item__thumb")
    expect(shown).to_have_count(2)
    expect(shown.first).to_have_js_property("naturalWidth", 320)
    expect(desk.locator(".timeline")).to_contain_text("Photo of the work added")
    _shot(desk, "job-page-photos")
    href = photos.locator("a").first.get_attribute("href")
    full = desk.request.get(f"{server.url}{href}")
    assert (200, "image/jpeg") == (full.status, full.headers["content-type"])
    assert {} == sample.gps_of(full.body())
