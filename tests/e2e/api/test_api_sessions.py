"""Sessions that end and logins that hold against abuse (issue 15, items 4, 5, 6 and 8).

Logout, a password change and a deactivation end every token of the login; a token never lives
longer than the configured TTL; failed logins are throttled per client address and per
(username, address), never per username alone; an unknown username costs a password check like
a known one; an admin cannot switch off their own login.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from api_apps import BASE_URL, WEB, memory_api, open_api
from api_harness import (
    ADMIN,
    ADMIN_NAME,
    ADMIN_PASSWORD,
    BACKENDS,
    TECH_NAME,
    TECH_PASSWORD,
    Api,
    assert_problem,
    bearer,
)

from sm2_core.domain.enums import Role
from sm2_core.errors import PolicyViolation
from sm2_web.config import WebConfig


async def login(api: Api, username: str, password: str, **headers: str) -> httpx.Response:
    return await api.client.post(
        "/api/auth/login", json={"username": username, "password": password}, headers=headers
    )


async def token_of(api: Api, username: str, password: str) -> dict[str, str]:
    response = await login(api, username, password)
    assert 200 == response.status_code, response.text
    return bearer(response.json()["access_token"])


async def logout(api: Api, headers: dict[str, str]) -> httpx.Response:
    return await api.client.post("/api/auth/logout", headers=headers)


async def jobs(api: Api, headers: dict[str, str]) -> int:
    return (await api.client.get("/api/jobs", headers=headers)).status_code


class TestLogout:
    async def test_the_token_answers_401_after_logout(self, api: Api) -> None:
        """POST /api/auth/logout ends the session: the very same token is refused after."""
        headers = await token_of(api, ADMIN_NAME, ADMIN_PASSWORD)
        assert 200 == await jobs(api, headers)
        assert 204 == (await logout(api, headers)).status_code
        assert_problem(await api.client.get("/api/jobs", headers=headers), 401)
        assert_problem(await logout(api, headers), 401)

    async def test_a_technician_logs_out_too(self, api: Api) -> None:
        """Logout is open to both portals; a technician's token stops working."""
        headers = await token_of(api, TECH_NAME, TECH_PASSWORD)
        assert 204 == (await logout(api, headers)).status_code
        assert_problem(await api.client.get("/api/technician/jobs", headers=headers), 401)

    async def test_every_token_of_the_login_ends_and_a_new_login_works(self, api: Api) -> None:
        """Logging out on one device ends the others; signing in again gives a working token."""
        phone, desk = api.admin, await token_of(api, ADMIN_NAME, ADMIN_PASSWORD)
        assert 204 == (await logout(api, desk)).status_code
        assert (401, 401) == (await jobs(api, phone), await jobs(api, desk))
        assert 200 == await jobs(api, await token_of(api, ADMIN_NAME, ADMIN_PASSWORD))

    async def test_logout_needs_a_bearer_token(self, mem_api: Api) -> None:
        """Without a token there is no session to end: 401."""
        assert_problem(await logout(mem_api, {}), 401)

    async def test_another_login_is_not_signed_out(self, api: Api) -> None:
        """A technician's logout leaves the admin's session alone."""
        assert 204 == (await logout(api, api.tech)).status_code
        assert 200 == await jobs(api, api.admin)

    async def test_a_password_reset_ends_the_login_s_sessions(self, api: Api) -> None:
        """After an admin resets a password, tokens issued with the old one are refused."""
        response = await api.client.patch(
            f"/api/users/{api.tech_user.id}",
            headers=api.admin,
            json={"password": "new-pass-word-1"},
        )
        assert 200 == response.status_code, response.text
        assert_problem(await api.client.get("/api/technician/jobs", headers=api.tech), 401)

    async def test_reactivation_does_not_revive_old_tokens(self, api: Api) -> None:
        """Switched off then on again: the tokens of before stay dead; a new login works."""
        url = f"/api/users/{api.tech_user.id}"
        for active in (False, True):
            response = await api.client.patch(url, headers=api.admin, json={"is_active": active})
            assert 200 == response.status_code, response.text
        assert_problem(await api.client.get("/api/technician/jobs", headers=api.tech), 401)
        fresh = await token_of(api, TECH_NAME, TECH_PASSWORD)
        assert 200 == (await api.client.get("/api/technician/jobs", headers=fresh)).status_code

    async def test_logout_is_audited(self, mem_api: Api) -> None:
        """The audit trail of the login records the logout."""
        assert 204 == (await logout(mem_api, mem_api.admin)).status_code
        async with mem_api.system.uow() as uow:
            entries = await uow.audit.for_subject("user", mem_api.admin_user.id)
        assert ["create", "logout"] == [e.action for e in entries]


class TestTokenLifetime:
    def _signed(self, api: Api, lifetime: int) -> dict[str, str]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(api.admin_user.id),
            "role": "admin",
            "aud": "sm2-admin",
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid4().hex,
            "gen": 0,
        }
        return bearer(jwt.encode(claims, WEB.jwt_secret, algorithm="HS256"))

    async def test_a_token_longer_lived_than_the_ttl_is_refused_even_signed(
        self, mem_api: Api
    ) -> None:
        """exp - iat beyond WebConfig.token_ttl: refused, whoever signed it."""
        ttl = int(WEB.token_ttl.total_seconds())
        assert 200 == await jobs(mem_api, self._signed(mem_api, ttl))
        assert_problem(
            await mem_api.client.get("/api/jobs", headers=self._signed(mem_api, ttl + 1)), 401
        )
        year = 365 * 24 * 3600
        assert 401 == await jobs(mem_api, self._signed(mem_api, year))

    async def test_a_token_of_an_older_generation_is_refused(self, mem_api: Api) -> None:
        """The generation in the token must be the login's current one."""
        await logout(mem_api, mem_api.admin)
        assert 401 == await jobs(mem_api, self._signed(mem_api, 600))  # still says gen 0


#: Trusts the test transport's peer (127.0.0.1) as a proxy, so X-Forwarded-For names clients.
BEHIND_PROXY = WebConfig(
    jwt_secret=WEB.jwt_secret,
    twilio_verify=False,
    secure_cookies=False,
    login_attempts=5,
    login_address_attempts=20,
    trusted_proxies=("127.0.0.1",),
)
DIRECT = WebConfig(jwt_secret=WEB.jwt_secret, twilio_verify=False, login_attempts=5)


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found[1]


def client_at(api: Api, address: str) -> httpx.AsyncClient:
    """A client whose socket peer is ``address``."""
    transport = httpx.ASGITransport(app=api.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


class TestLoginThrottleByAddress:
    @pytest.fixture(params=BACKENDS)
    async def proxied(self, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
        async with open_api(request.param, request, tmp_path, BEHIND_PROXY) as built:
            yield built

    async def test_failures_from_one_address_do_not_lock_the_admin_out_elsewhere(
        self, proxied: Api
    ) -> None:
        """Five failures for admin from one address: that address is throttled for admin, the
        right password from another address still signs in."""
        attacker, office = {"X-Forwarded-For": "203.0.113.5"}, {"X-Forwarded-For": "198.51.100.7"}
        for _ in range(5):
            assert (
                401 == (await login(proxied, ADMIN_NAME, "wrong-password", **attacker)).status_code
            )
        assert_problem(await login(proxied, ADMIN_NAME, ADMIN_PASSWORD, **attacker), 429)
        assert 200 == (await login(proxied, ADMIN_NAME, ADMIN_PASSWORD, **office)).status_code

    async def test_forty_usernames_from_one_address_get_throttled(self, proxied: Api) -> None:
        """Guessing across many usernames from one address is throttled as a whole."""
        attacker = {"X-Forwarded-For": "203.0.113.9"}
        statuses = [
            (await login(proxied, f"user-{n}", "wrong-password", **attacker)).status_code
            for n in range(40)
        ]
        assert [401] * 20 + [429] * 20 == statuses
        assert_problem(await login(proxied, ADMIN_NAME, ADMIN_PASSWORD, **attacker), 429)
        other = {"X-Forwarded-For": "198.51.100.8"}
        assert 200 == (await login(proxied, ADMIN_NAME, ADMIN_PASSWORD, **other)).status_code

    async def test_the_hop_the_proxy_added_is_the_client(self, proxied: Api) -> None:
        """A client cannot pick its address: hops it wrote itself sit left of the proxy's."""
        for n in range(5):
            forged = {"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.5"}
            await login(proxied, ADMIN_NAME, "wrong-password", **forged)
        forged = {"X-Forwarded-For": "192.0.2.99, 203.0.113.5"}
        assert_problem(await login(proxied, ADMIN_NAME, ADMIN_PASSWORD, **forged), 429)

    async def test_the_portal_login_is_throttled_by_address_too(self, proxied: Api) -> None:
        """The dispatchers' sign-in form counts the same way as the API."""
        attacker, office = {"X-Forwarded-For": "203.0.113.5"}, {"X-Forwarded-For": "198.51.100.7"}

        async def sign_in(password: str, headers: dict[str, str]) -> int:
            page = await proxied.client.get("/login", headers=headers)
            form = {"username": ADMIN_NAME, "password": password, "_csrf": csrf_of(page)}
            response = await proxied.client.post("/login", data=form, headers=headers)
            return response.status_code

        assert [401] * 5 == [await sign_in("wrong-password", attacker) for _ in range(5)]
        assert (429, 303) == (
            await sign_in(ADMIN_PASSWORD, attacker),
            await sign_in(ADMIN_PASSWORD, office),
        )


class TestClientAddressWithoutProxies:
    async def test_the_socket_peer_is_the_client(self) -> None:
        """No trusted proxy: each peer has its own count; X-Forwarded-For changes nothing."""
        async with memory_api(DIRECT) as api:
            async with client_at(api, "192.0.2.10") as attacker:
                for n in range(5):
                    await attacker.post(
                        "/api/auth/login",
                        json={"username": ADMIN_NAME, "password": "wrong-password"},
                        headers={"X-Forwarded-For": f"198.51.100.{n}"},
                    )
                refused = await attacker.post(
                    "/api/auth/login",
                    json={"username": ADMIN_NAME, "password": ADMIN_PASSWORD},
                    headers={"X-Forwarded-For": "198.51.100.200"},
                )
            async with client_at(api, "192.0.2.20") as office:
                allowed = await office.post(
                    "/api/auth/login", json={"username": ADMIN_NAME, "password": ADMIN_PASSWORD}
                )
        assert (429, 200) == (refused.status_code, allowed.status_code)


class TestNoUsernameEnumerationByTiming:
    @pytest.mark.postgres
    async def test_an_unknown_user_takes_as_long_as_a_wrong_password(self, pg_api: Api) -> None:
        """With argon2, an unknown username is checked against a decoy hash: no ~100x gap.
        Each is tried four times, taking turns, and the fastest of each compared: a moment of
        load on the shared machine (the other test process) slows one try, not all four of
        one kind. Four, so the known login stays within its attempts before a lockout."""

        async def took(username: str) -> float:
            started = time.perf_counter()
            assert 401 == (await login(pg_api, username, "wrong-password")).status_code
            return time.perf_counter() - started

        times: dict[str, list[float]] = {ADMIN_NAME: [], "nobody-at-all": []}
        for _ in range(4):
            for username, tries in times.items():
                tries.append(await took(username))
        known, unknown = min(times[ADMIN_NAME]), min(times["nobody-at-all"])
        assert unknown > known * 0.3, (known, unknown)


class TestAdminsKeepAccess:
    async def test_an_admin_cannot_deactivate_their_own_login(self, api: Api) -> None:
        """PATCH is_active=false on one's own login: 409 naming the rule; nothing changes."""
        url = f"/api/users/{api.admin_user.id}"
        body = assert_problem(
            await api.client.patch(url, headers=api.admin, json={"is_active": False}), 409
        )
        assert "Own login rule" == body["rule"]
        assert 200 == await jobs(api, api.admin)

    async def test_another_admin_may_be_deactivated(self, api: Api) -> None:
        """With the caller still active, switching off another admin is allowed."""
        other = await api.add_user("second-admin", "second-password-1", api.admin_user.role)
        response = await api.client.patch(
            f"/api/users/{other.id}", headers=api.admin, json={"is_active": False}
        )
        assert (200, False) == (response.status_code, response.json()["is_active"])

    async def test_the_last_active_admin_stays_active(self, mem_api: Api) -> None:
        """Even a caller with no login of its own (the CLI) cannot switch off the last admin."""
        with pytest.raises(PolicyViolation, match="last active admin"):
            await mem_api.services.admin.update_user(
                mem_api.admin_user.id, actor=ADMIN, is_active=False
            )

    @pytest.mark.postgres
    async def test_two_admins_switching_each_other_off_at_once_leave_one(self, pg_api: Api) -> None:
        """The last-admin check takes the admins' rows in turn: never zero admins left."""
        second = await pg_api.add_user("second-admin", "second-password-1", Role.ADMIN)
        first = pg_api.admin_user
        answers = await asyncio.gather(
            pg_api.client.patch(
                f"/api/users/{second.id}", headers=pg_api.admin, json={"is_active": False}
            ),
            pg_api.client.patch(
                f"/api/users/{first.id}",
                headers=bearer(pg_api.token(second)),
                json={"is_active": False},
            ),
        )
        assert 200 in [answer.status_code for answer in answers]
        admins = [u for u in await pg_api.services.admin.users() if u.role is Role.ADMIN]
        assert 1 == len(admins)
