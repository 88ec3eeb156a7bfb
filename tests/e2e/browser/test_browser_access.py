"""Who gets in where: sessions, the two portals kept apart, CSRF, and errors shown as pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
from browser_pages import sign_in
from browser_server import ADMIN, ADMIN_PASSWORD, TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, expect

from sm2_core.domain.job import Vehicle

ADMIN_PATHS = ("/", "/inbox", "/admin/rules", "/admin/technicians", "/settings")


def _a_job(server: PortalServer) -> uuid.UUID:
    vehicle = Vehicle(year=2022, make="Toyota", model="Corolla")
    return server.create_job("+14185550103", "OIL_CHANGE", vehicle).id


class TestPortalsApart:
    def test_a_technician_cannot_open_admin_pages(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """With only a technician's session, every admin page sends to the dispatchers' login."""
        phone = open_page(phone=True)
        sign_in(phone, server, "marc", TECH_PASSWORD, tech=True)
        for path in (*ADMIN_PATHS, f"/jobs/{_a_job(server)}"):
            phone.goto(server.url + path)
            expect(phone).to_have_url(re.compile(r"/login\?next="))
            expect(phone.get_by_role("heading", level=1)).to_have_text("Dispatcher sign-in")
        api = phone.request.get(server.url + "/api/jobs")
        assert 401 == api.status

    def test_the_technician_portal_links_only_to_itself(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """No link, menu or switch in the technician's UI leads to the admin side."""
        phone = open_page(phone=True)
        sign_in(phone, server, "marc", TECH_PASSWORD, tech=True)
        targets = phone.eval_on_selector_all(
            "a[href], form[action]", "els => els.map(e => e.getAttribute('href') || e.action)"
        )
        for target in targets:
            path = httpx.URL(target).path if "://" in target else target
            assert path.startswith(("/tech", "/lang", "#")), target

    def test_an_admin_login_does_not_open_the_technician_portal(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """The admin cookie is not a technician's session either."""
        page = open_page()
        sign_in(page, server, ADMIN, ADMIN_PASSWORD, tech=False)
        page.goto(server.url + "/tech")
        expect(page.get_by_role("heading", level=1)).to_have_text("Technician sign-in")

    def test_a_technician_cannot_sign_in_to_the_admin_portal(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """The dispatchers' form refuses a technician's login like a wrong password."""
        page = open_page()
        page.goto(server.url + "/login")
        page.get_by_label("Username").fill("marc")
        page.get_by_label("Password").fill(TECH_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("Invalid username or password")
        expect(page).to_have_url(server.url + "/login")


class TestSessions:
    def test_cookies_are_http_only_and_strict(self, admin_page: Page, server: PortalServer) -> None:
        """The session and CSRF cookies: HttpOnly, SameSite=Strict (Secure is configured)."""
        cookies = {c["name"]: c for c in admin_page.context.cookies()}
        for name in ("sm2_admin", "sm2_csrf"):
            assert cookies[name]["httpOnly"] is True
            assert "Strict" == cookies[name]["sameSite"]
            assert cookies[name]["secure"] is False  # plain http in this test server
        assert not admin_page.evaluate("document.cookie.includes('sm2_admin')")

    def test_cookies_are_secure_when_configured(self) -> None:
        """WebConfig.secure_cookies=True marks every portal cookie Secure."""
        secure = PortalServer(secure_cookies=True).start()
        try:
            with httpx.Client(base_url=secure.url) as client:
                page = client.get("/login")
                token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
                assert token is not None
                # httpx keeps Secure cookies for https only: send this one back by hand.
                signed_in = client.post(
                    "/login",
                    data={"username": ADMIN, "password": ADMIN_PASSWORD, "_csrf": token[1]},
                    headers={"Cookie": f"sm2_csrf={token[1]}"},
                )
        finally:
            secure.stop()
        assert 303 == signed_in.status_code
        for header in [page.headers["set-cookie"], *signed_in.headers.get_list("set-cookie")]:
            assert "Secure" in header
            assert "HttpOnly" in header
            assert "samesite=strict" in header.lower()

    def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(
        self, open_page: Callable[..., Page], server: PortalServer
    ) -> None:
        """``next`` is followed inside the portal only."""
        page = open_page()
        page.goto(server.url + "/settings")
        expect(page).to_have_url(re.compile(r"/login\?next=/settings$"))
        page.get_by_label("Username").fill(ADMIN)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(server.url + "/settings")

        other = open_page()
        other.goto(server.url + "/login?next=//evil.example/steal")
        other.get_by_label("Username").fill(ADMIN)
        other.get_by_label("Password").fill(ADMIN_PASSWORD)
        other.get_by_role("button", name="Sign in").click()
        expect(other).to_have_url(server.url + "/")

    def test_sign_out_ends_the_session(self, admin_page: Page, server: PortalServer) -> None:
        """After signing out, the board asks for a login again."""
        admin_page.get_by_role("button", name="Sign out").click()
        expect(admin_page).to_have_url(server.url + "/login")
        admin_page.goto(server.url + "/")
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Dispatcher sign-in")


class TestCsrf:
    def test_a_form_post_without_the_token_is_refused(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A post carrying the session cookie but no token gets 403 and changes nothing."""
        job_id = _a_job(server)
        url = f"{server.url}/jobs/{job_id}/cancel"
        english = {"Accept-Language": "en"}
        refused = admin_page.request.post(
            url, form={"reason": "forged"}, headers=english, max_redirects=0
        )
        assert 403 == refused.status
        assert "This form has expired" in refused.text()
        forged = admin_page.request.post(
            url, form={"reason": "forged", "_csrf": "0" * 32 + "." + "0" * 64}, max_redirects=0
        )
        assert 403 == forged.status
        assert all(j.status.value == "PENDING" for j in server.jobs() if j.id == job_id)

    def test_a_page_whose_token_was_removed_shows_the_refusal(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """In the browser too: the refusal is shown in the page, which stays as it was."""
        job_id = _a_job(server)
        admin_page.goto(f"{server.url}/jobs/{job_id}")
        admin_page.evaluate(
            """() => {
                document.querySelectorAll('input[name=_csrf]').forEach(e => e.remove());
                document.body.removeAttribute('hx-headers');
            }"""
        )
        admin_page.get_by_text("Cancel this job").click()
        admin_page.get_by_label("Reason").fill("no token")
        admin_page.get_by_role("button", name="Cancel the job").click()
        expect(admin_page.get_by_role("alert")).to_contain_text("This form has expired")
        expect(admin_page.get_by_label("Reason")).to_have_value("no token")


class TestErrorPages:
    def test_an_unknown_job_is_a_page_not_a_trace(
        self, admin_page: Page, server: PortalServer
    ) -> None:
        """A missing job shows a page in the portal's look, with no stack trace."""
        response = admin_page.goto(f"{server.url}/jobs/{uuid.uuid4()}")
        assert response is not None
        assert 404 == response.status
        expect(admin_page.get_by_role("heading", level=1)).to_have_text("Not found")
        assert "Traceback" not in admin_page.content()
