"""The technician's phone: jobs that arrive and leave without a reload, a job's own page, and
the portal as an installable app that keeps the last job list readable offline."""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from browser_pages import sign_in
from browser_server import ADMIN, ADMIN_PASSWORD, TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, Route, expect

from sm2_core.domain.job import Job, Vehicle

TOYOTA = "+14185550103"
LIVE_MS = 15_000


class AdminApi:
    """A dispatcher's script: the JSON API with an admin token."""

    def __init__(self, server: PortalServer) -> None:
        self.url = server.url
        login = httpx.post(
            f"{server.url}/api/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    def set_technician(self, job_id: uuid.UUID, tech_id: uuid.UUID | None) -> None:
        job = httpx.get(f"{self.url}/api/jobs/{job_id}", headers=self.headers).json()
        response = httpx.patch(
            f"{self.url}/api/jobs/{job_id}",
            headers={**self.headers, "If-Match": str(job["version"])},
            json={"tech_id": str(tech_id) if tech_id else None},
        )
        assert 200 == response.status_code, response.text


@pytest.fixture
def dispatcher(server: PortalServer) -> AdminApi:
    return AdminApi(server)


@pytest.fixture
def phone(open_page: Callable[..., Page], server: PortalServer) -> Iterator[Page]:
    """Marc-André's phone on his jobs page, following his events (script errors fail the
    test)."""
    page = open_page(phone=True)
    sign_in(page, server, "marc", TECH_PASSWORD, tech=True)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    yield page
    page.context.set_offline(False)


# A promise awaited through evaluate(): wait_for_function evaluates a string in the page, which
# the Content-Security-Policy refuses (no 'unsafe-eval').
_CONTROLLED = """() => navigator.serviceWorker.controller !== null || new Promise(
    resolve => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true)))"""


def wait_for_the_worker(page: Page) -> None:
    """Until the portal's service worker controls the page."""
    assert page.evaluate(_CONTROLLED) is True


def a_job(server: PortalServer, model: str) -> Job:
    return server.create_job(
        TOYOTA, "KEY_PROGRAMMING", Vehicle(year=2024, make="Toyota", model=model)
    )


class TestLiveJobs:
    def test_an_assigned_job_appears_and_a_removed_one_disappears(
        self, phone: Page, server: PortalServer, dispatcher: AdminApi
    ) -> None:
        """A dispatcher's assignment shows on the phone without a reload; another
        technician's does not; taking the job back removes it, and the phone says so."""
        phone.evaluate("window.sm2NotReloaded = true")
        mine = a_job(server, "Camry")
        julies = server.create_job(
            TOYOTA, "OIL_CHANGE", Vehicle(year=2024, make="Toyota", model="Highlander")
        )
        dispatcher.set_technician(julies.id, server.tech_ids["julie"])
        dispatcher.set_technician(mine.id, server.tech_ids["marc"])

        arrived = phone.locator(f"#job-{mine.id}")
        expect(arrived).to_be_visible(timeout=LIVE_MS)
        expect(arrived).to_contain_text("Camry")
        expect(arrived.get_by_role("button", name=f"Accept {mine.job_code}")).to_be_visible()
        expect(phone.locator("#live-news")).to_have_text(f"New job {mine.job_code}")
        expect(phone.locator("#tech-jobs")).not_to_contain_text("Highlander")

        dispatcher.set_technician(mine.id, None)
        expect(arrived).to_have_count(0, timeout=LIVE_MS)
        expect(phone.locator("#live-news")).to_have_text(f"Job {mine.job_code} is no longer yours")
        assert phone.evaluate("window.sm2NotReloaded === true"), "the page was reloaded"

    def test_a_job_assigned_while_the_page_loads_still_appears(
        self, open_page: Callable[..., Page], server: PortalServer, dispatcher: AdminApi
    ) -> None:
        """The page is made, then its live stream opens: a job assigned in between is on the
        phone without a reload (the stream starts after the page's newest event)."""
        page = open_page(phone=True)
        sign_in(page, server, "marc", TECH_PASSWORD, tech=True)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        between = a_job(server, "Sienna")
        opened: list[str] = []

        def assign_first(route: Route) -> None:
            # Once: the assignment lands after the page was made, before its stream is open.
            if not opened:
                dispatcher.set_technician(between.id, server.tech_ids["marc"])
            opened.append(route.request.url)
            route.continue_()

        page.route("**/api/technician/events*", assign_first)
        page.reload()
        expect(page.locator(f"#job-{between.id}")).to_be_visible(timeout=LIVE_MS)
        assert "last_event_id=" in opened[0], opened


class TestAJobsOwnPage:
    def test_the_page_an_alert_links_to(self, phone: Page, server: PortalServer) -> None:
        """Code, vehicle, service, dealership, zone and status; accepting stays on the page."""
        job = a_job(server, "Prius")
        server.assign(job.id, "marc")
        phone.goto(f"{server.url}/tech/jobs/{job.id}")
        expect(phone.get_by_role("heading", level=1)).to_have_text(f"Job {job.job_code}")
        facts = phone.locator("#tech-job")
        for text in (
            "Toyota Prius 2024",
            "Key cutting and programming",
            "Toyota Sainte-Foy",
            "Sainte-Foy",
            "Scheduled",
        ):
            expect(facts).to_contain_text(text)
        facts.get_by_role("button", name=f"Accept {job.job_code}").click()
        expect(phone).to_have_url(f"{server.url}/tech/jobs/{job.id}?done=accepted")
        expect(facts).to_contain_text("In progress")
        expect(facts.get_by_role("button", name=f"Complete {job.job_code}")).to_be_visible()

    def test_another_technicians_job_is_not_found(self, phone: Page, server: PortalServer) -> None:
        job = server.create_job(
            TOYOTA, "OIL_CHANGE", Vehicle(year=2024, make="Toyota", model="Venza")
        )
        server.assign(job.id, "julie")
        response = phone.goto(f"{server.url}/tech/jobs/{job.id}")
        assert response is not None
        assert 404 == response.status
        expect(phone.locator("main")).not_to_contain_text("Venza")

    def test_the_page_says_when_its_job_is_taken_away(
        self, phone: Page, server: PortalServer, dispatcher: AdminApi
    ) -> None:
        job = a_job(server, "Mirai")
        server.assign(job.id, "marc")
        phone.goto(f"{server.url}/tech/jobs/{job.id}")
        expect(phone.locator("#live-status")).to_have_attribute("data-state", "live")
        dispatcher.set_technician(job.id, None)
        notice = phone.locator("#flash")
        expect(notice).to_contain_text(f"Job {job.job_code} is no longer yours", timeout=LIVE_MS)
        notice.get_by_role("link", name="Back to my jobs").click()
        expect(phone).to_have_url(f"{server.url}/tech")
        expect(phone.locator(f"#job-{job.id}")).to_have_count(0)


def png_size(data: bytes) -> str:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return f"{width}x{height}"


class TestInstallable:
    def test_the_manifest_is_linked_and_its_icons_load(
        self, phone: Page, server: PortalServer
    ) -> None:
        """A valid manifest for /tech with a 192 and a 512 icon and a maskable one."""
        href = phone.locator('link[rel="manifest"]').get_attribute("href")
        assert "/tech/manifest.webmanifest" == href
        response = phone.request.get(server.url + href)
        assert response.ok
        assert "application/manifest+json" == response.headers["content-type"]
        manifest = json.loads(response.text())
        assert ("SM2 Technicien", "SM2", "/tech", "/tech", "standalone") == (
            manifest["name"],
            manifest["short_name"],
            manifest["start_url"],
            manifest["scope"],
            manifest["display"],
        )
        shown = set()
        for icon in manifest["icons"]:
            image = phone.request.get(server.url + icon["src"])
            assert (True, "image/png") == (image.ok, image.headers["content-type"])
            assert icon["sizes"] == png_size(image.body())
            shown.add((icon["sizes"], icon["purpose"]))
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} == shown

    def test_the_service_worker_controls_the_portal(
        self, phone: Page, server: PortalServer
    ) -> None:
        scope = phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert f"{server.url}/tech" == scope
        wait_for_the_worker(phone)


class TestNotificationsControl:
    """The control's answers; a real subscription needs a push service a headless browser
    lacks (push delivery is tested at the adapter, against a local push endpoint)."""

    def test_a_refused_permission_says_where_to_allow_it(self, phone: Page) -> None:
        button = phone.get_by_role("button", name="Enable notifications")
        expect(button).to_be_visible()
        button.click()
        expect(phone.locator("#push-state")).to_have_text(
            "Notifications are blocked for this site: allow them in the browser settings."
        )

    def test_a_failed_subscription_says_so(self, phone: Page, server: PortalServer) -> None:
        phone.context.grant_permissions(["notifications"], origin=server.url)
        phone.get_by_role("button", name="Enable notifications").click()
        expect(phone.locator("#push-state")).to_have_text(
            "Notifications could not be turned on. Try again later."
        )


class TestOffline:
    def test_the_last_loaded_job_list_stays_readable(
        self, phone: Page, server: PortalServer
    ) -> None:
        """Network gone: reloading /tech shows the list as last loaded, and says it is."""
        job = a_job(server, "Corolla Cross")
        server.assign(job.id, "marc")
        wait_for_the_worker(phone)
        phone.reload()  # loaded through the worker, which keeps it
        expect(phone.locator(f"#job-{job.id}")).to_be_visible()
        expect(phone.locator("#offline-note")).to_be_hidden()

        phone.context.set_offline(True)
        later = a_job(server, "GR86")  # assigned while the phone cannot hear of it
        server.assign(later.id, "marc")
        phone.reload()
        expect(phone.locator(f"#job-{job.id}")).to_contain_text("Corolla Cross")
        expect(phone.locator(f"#job-{later.id}")).to_have_count(0)
        expect(phone.locator("#offline-note")).to_be_visible()
        expect(phone.locator("#offline-note")).to_contain_text("Offline")

        phone.context.set_offline(False)
        expect(phone.locator("#offline-note")).to_be_hidden()
        # Back online, the page catches up by itself.
        expect(phone.locator(f"#job-{later.id}")).to_be_visible(timeout=LIVE_MS)

    def test_a_page_never_loaded_gets_the_offline_page(
        self, phone: Page, server: PortalServer
    ) -> None:
        wait_for_the_worker(phone)
        phone.context.set_offline(True)
        phone.goto(f"{server.url}/tech/jobs/{uuid.uuid4()}")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Offline")
        expect(phone.get_by_role("link", name="Try again")).to_be_visible()
