"""The portal's sessions, CSRF and the Users page, driven over HTTP in-process (issue 15, items
4 and 7, and the Users page): no browser needed for what a forged request or a stale cookie does.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from api_apps import WEB, client_for, memory_api
from api_harness import ADMIN_NAME, ADMIN_PASSWORD, TECH_NAME, TECH_PASSWORD, Api, bearer

from sm2_core.domain.enums import Role
from sm2_web.config import WebConfig

PUBLIC_URL = "https://dispatch.example.com"
#: Plain-http cookies (the test client speaks http) and an https public URL, as behind a proxy.
PORTAL = WebConfig(
    jwt_secret=WEB.jwt_secret, twilio_verify=False, secure_cookies=False, public_url=PUBLIC_URL
)


@pytest.fixture
async def portal() -> AsyncIterator[Api]:
    async with memory_api(PORTAL) as built:
        yield built


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found[1]


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str, *, tech: bool = False
) -> str:
    """Signs ``client`` in through the login form; returns a CSRF token of the signed-in page."""
    path = "/tech/login" if tech else "/login"
    page = await client.get(path)
    form = {"username": username, "password": password, "_csrf": csrf_of(page)}
    response = await client.post(path, data=form)
    assert 303 == response.status_code, response.text
    home = await client.get("/tech" if tech else "/")
    assert 200 == home.status_code, home.text
    return csrf_of(home)


class TestPortalLogout:
    async def test_the_old_cookie_no_longer_opens_a_page(self, portal: Api) -> None:
        """Signing out ends the session: the cookie's token, kept and sent again, is refused,
        on the pages and as a bearer token on the API."""
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        session = portal.client.cookies["sm2_admin"]
        assert 200 == (await portal.client.get("/api/jobs", headers=bearer(session))).status_code
        out = await portal.client.post("/logout", data={"_csrf": token})
        assert (303, "/login") == (out.status_code, out.headers["location"])
        async with client_for(portal.app) as thief:
            thief.cookies.set("sm2_admin", session)
            page = await thief.get("/")
            api = await thief.get("/api/jobs", headers=bearer(session))
        assert (303, 401) == (page.status_code, api.status_code)
        assert page.headers["location"].startswith("/login")

    async def test_the_technician_portal_logout_too(self, portal: Api) -> None:
        token = await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        session = portal.client.cookies["sm2_tech"]
        assert 303 == (await portal.client.post("/tech/logout", data={"_csrf": token})).status_code
        jobs = await portal.client.get("/api/technician/jobs", headers=bearer(session))
        assert 401 == jobs.status_code


class TestCsrfBoundToTheSession:
    async def test_a_token_issued_to_another_visitor_is_refused(self, portal: Api) -> None:
        """A validly signed token from anyone else's visit (planted in the victim's cookie and
        in a forged form) does not work with the victim's session."""
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        async with client_for(portal.app) as attacker:
            foreign = csrf_of(await attacker.get("/login"))
        portal.client.cookies.set("sm2_csrf", foreign)
        job = await portal.job()
        forged = await portal.client.post(
            f"/jobs/{job.id}/cancel", data={"reason": "forged", "_csrf": foreign}
        )
        assert 403 == forged.status_code
        assert "PENDING" == (await portal.get_job(job.id))["status"]

    async def test_a_token_from_another_session_of_the_same_user_is_refused(
        self, portal: Api
    ) -> None:
        """Even the same login's token from another session is worth nothing here."""
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        async with client_for(portal.app) as other:
            theirs = await sign_in(other, ADMIN_NAME, ADMIN_PASSWORD)
        portal.client.cookies.set("sm2_csrf", theirs)
        refused = await portal.client.post("/logout", data={"_csrf": theirs})
        assert 403 == refused.status_code

    async def test_the_page_s_own_token_works(self, portal: Api) -> None:
        """The baseline: the token the signed-in page carries is accepted."""
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        job = await portal.job()
        done = await portal.client.post(
            f"/jobs/{job.id}/cancel", data={"reason": "dealer called", "_csrf": token}
        )
        assert 303 == done.status_code, done.text


class TestOrigin:
    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Origin": "http://dispatch.example.com"},
            {"Referer": "https://evil.example/page"},
        ],
    )
    async def test_a_post_from_another_origin_is_refused(
        self, portal: Api, headers: dict[str, str]
    ) -> None:
        """Origin (or Referer when there is no Origin) must be SM2_PUBLIC_URL's, token or not."""
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        job = await portal.job()
        refused = await portal.client.post(
            f"/jobs/{job.id}/cancel", data={"reason": "x", "_csrf": token}, headers=headers
        )
        assert 403 == refused.status_code
        assert "PENDING" == (await portal.get_job(job.id))["status"]

    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": PUBLIC_URL},
            {"Origin": PUBLIC_URL + ":443"},
            {"Referer": PUBLIC_URL + "/jobs"},
        ],
    )
    async def test_a_post_from_our_own_origin_is_accepted(
        self, portal: Api, headers: dict[str, str]
    ) -> None:
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        job = await portal.job()
        done = await portal.client.post(
            f"/jobs/{job.id}/cancel", data={"reason": "x", "_csrf": token}, headers=headers
        )
        assert 303 == done.status_code, done.text


class TestStrictTransportSecurity:
    async def test_sent_when_the_public_url_is_https(self, portal: Api) -> None:
        """Every answer, pages and API alike, asks browsers to keep to https."""
        for path in ("/login", "/api/system/health"):
            response = await portal.client.get(path)
            assert "max-age=31536000" == response.headers["strict-transport-security"]

    async def test_not_sent_over_plain_http(self, mem_api: Api) -> None:
        """A plain-http set-up (the default public URL) must stay reachable: no HSTS."""
        assert "strict-transport-security" not in (await mem_api.client.get("/login")).headers


class TestUsersPage:
    async def test_lists_logins_and_is_in_the_navigation(self, portal: Api) -> None:
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get("/admin/users", headers={"Accept-Language": "en"})
        assert 200 == page.status_code, page.text
        assert 'href="/admin/users" aria-current="page"' in page.text
        for name in (ADMIN_NAME, TECH_NAME):
            assert f'<th scope="row">{name}' in page.text

    async def test_creates_a_technician_login_linked_to_its_technician(self, portal: Api) -> None:
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        form = {
            "username": "julie",
            "password": "julie-password-1",
            "role": "tech",
            "technician_id": str(portal.techs["Julie Tremblay"]),
            "_csrf": token,
        }
        created = await portal.client.post("/admin/users", data=form)
        assert (303, "/admin/users?done=created") == (
            created.status_code,
            created.headers["location"],
        )
        users = {u.username: u for u in await portal.services.admin.users()}
        assert (Role.TECH, portal.techs["Julie Tremblay"]) == (
            users["julie"].role,
            users["julie"].technician_id,
        )
        async with client_for(portal.app) as phone:
            await sign_in(phone, "julie", "julie-password-1", tech=True)

    async def test_a_technician_login_needs_its_technician(self, portal: Api) -> None:
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        form = {"username": "ghost", "password": "ghost-password-1", "role": "tech"}
        refused = await portal.client.post("/admin/users", data={**form, "_csrf": token})
        assert 422 == refused.status_code
        assert "ghost" not in {u.username for u in await portal.services.admin.users()}

    async def test_deactivating_ends_the_login_s_sessions_and_is_audited(self, portal: Api) -> None:
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        url = f"/admin/users/{portal.tech_user.id}/active"
        off = await portal.client.post(url, data={"active": "0", "_csrf": token})
        assert (303, "/admin/users?done=deactivated") == (off.status_code, off.headers["location"])
        assert (
            401
            == (await portal.client.get("/api/technician/jobs", headers=portal.tech)).status_code
        )
        on = await portal.client.post(url, data={"active": "1", "_csrf": token})
        assert 303 == on.status_code
        async with portal.system.uow() as uow:
            entries = await uow.audit.for_subject("user", portal.tech_user.id)
        assert [
            ("create", None),
            ("update", {"is_active": "False", "sessions": "ended"}),
            ("update", {"is_active": "True", "sessions": "ended"}),
        ] == [(e.action, e.new_values if e.actor == ADMIN_NAME else None) for e in entries]

    async def test_a_password_reset_ends_the_sessions_and_sets_the_new_password(
        self, portal: Api
    ) -> None:
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        url = f"/admin/users/{portal.tech_user.id}/password"
        reset = await portal.client.post(url, data={"password": "brand-new-pass-1", "_csrf": token})
        assert 303 == reset.status_code, reset.text
        assert (
            401
            == (await portal.client.get("/api/technician/jobs", headers=portal.tech)).status_code
        )
        async with client_for(portal.app) as phone:
            await sign_in(phone, TECH_NAME, "brand-new-pass-1", tech=True)

    async def test_an_admin_cannot_deactivate_themself_from_the_page(self, portal: Api) -> None:
        """The refusal is a 409 page naming the rule; the login stays active."""
        token = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        refused = await portal.client.post(
            f"/admin/users/{portal.admin_user.id}/active",
            data={"active": "0", "_csrf": token},
            headers={"Accept-Language": "en"},
        )
        assert 409 == refused.status_code
        assert "you cannot deactivate your own login" in refused.text
        assert (await portal.services.admin.get_user(portal.admin_user.id)).is_active

    async def test_a_technician_cannot_open_it(self, portal: Api) -> None:
        """A technician's session is sent to the dispatchers' login."""
        async with client_for(portal.app) as phone:
            await sign_in(phone, TECH_NAME, TECH_PASSWORD, tech=True)
            page = await phone.get("/admin/users")
        assert (303, "/login?next=/admin/users") == (page.status_code, page.headers["location"])
