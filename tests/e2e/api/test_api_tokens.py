"""Access tokens: anything but a current token of ours for this portal is refused with 401."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from typing import Any
from uuid import uuid4

import jwt
import pytest
from api_apps import WEB
from api_harness import ADMIN, TECH_NAME, TECH_PASSWORD, Api, assert_problem, bearer
from litestar.routes import HTTPRoute

from sm2_web.auth import admin_actor, tech_actor

SECRET = WEB.jwt_secret


def claims(api: Api, **override: Any) -> dict[str, Any]:
    """The claims of a valid admin token, changed as asked (None drops a claim)."""
    now = int(time.time())
    values: dict[str, Any] = {
        "sub": str(api.admin_user.id),
        "role": "admin",
        "aud": "sm2-admin",
        "iat": now,
        "exp": now + 600,
        "jti": uuid4().hex,
        "gen": 0,
    }
    values.update(override)
    return {k: v for k, v in values.items() if v is not None}


def unsigned(payload: dict[str, Any]) -> str:
    """An ``alg: none`` token: a header and a payload, no signature."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


async def admin_get(api: Api, headers: dict[str, str]) -> Any:
    return await api.client.get("/api/dealerships", headers=headers)


class TestForgedTokens:
    async def test_a_well_made_token_is_accepted(self, api: Api) -> None:
        """The baseline: our own claims signed with our key open the admin API."""
        token = jwt.encode(claims(api), SECRET, algorithm="HS256")
        assert 200 == (await admin_get(api, bearer(token))).status_code

    async def test_alg_none_is_refused(self, mem_api: Api) -> None:
        """An unsigned token (alg none) is refused."""
        assert_problem(await admin_get(mem_api, bearer(unsigned(claims(mem_api)))), 401)

    async def test_another_key_is_refused(self, mem_api: Api) -> None:
        """A token signed with another key is refused."""
        token = jwt.encode(claims(mem_api), "k" * 32, algorithm="HS256")
        assert_problem(await admin_get(mem_api, bearer(token)), 401)

    @pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
    async def test_another_hmac_algorithm_is_refused(self, mem_api: Api) -> None:
        """Only HS256 is accepted, even with the right key."""
        token = jwt.encode(claims(mem_api), SECRET, algorithm="HS512")
        assert_problem(await admin_get(mem_api, bearer(token)), 401)

    async def test_the_tech_audience_is_refused(self, mem_api: Api) -> None:
        """A token for the technician portal does not open the admin API."""
        token = jwt.encode(claims(mem_api, aud="sm2-tech"), SECRET, algorithm="HS256")
        assert_problem(await admin_get(mem_api, bearer(token)), 401)

    async def test_a_tech_login_token_is_refused(self, api: Api) -> None:
        """The real token of a technician is refused on an admin route."""
        assert_problem(await admin_get(api, api.tech), 401)

    async def test_an_expired_token_is_refused(self, mem_api: Api) -> None:
        """A token whose exp has passed is refused and says so."""
        past = int(time.time()) - 60
        token = jwt.encode(claims(mem_api, iat=past - 600, exp=past), SECRET, algorithm="HS256")
        body = assert_problem(await admin_get(mem_api, bearer(token)), 401)
        assert "expired" in body["detail"]

    @pytest.mark.parametrize("missing", ["sub", "exp", "aud", "role", "iat", "jti", "gen"])
    async def test_a_token_without_a_required_claim_is_refused(
        self, mem_api: Api, missing: str
    ) -> None:
        """sub, role, aud, exp, iat, jti and gen (the session generation) are all required."""
        token = jwt.encode(claims(mem_api, **{missing: None}), SECRET, algorithm="HS256")
        assert_problem(await admin_get(mem_api, bearer(token)), 401)

    @pytest.mark.parametrize("sub", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
    async def test_an_unknown_subject_is_refused(self, mem_api: Api, sub: str) -> None:
        """A signed token for nobody we know is refused."""
        token = jwt.encode(claims(mem_api, sub=sub), SECRET, algorithm="HS256")
        assert_problem(await admin_get(mem_api, bearer(token)), 401)

    async def test_an_admin_claim_for_a_tech_user_is_refused(self, api: Api) -> None:
        """The role comes from the database, not from the token."""
        forged = claims(api, sub=str(api.tech_user.id))
        token = jwt.encode(forged, SECRET, algorithm="HS256")
        assert_problem(await admin_get(api, bearer(token)), 401)

    @pytest.mark.parametrize(
        "header",
        ["Bearer garbage", "Bearer a.b.c", "Bearer ", "Basic Ym9zczpib3Nz", "bearer", ""],
    )
    async def test_garbage_is_refused(self, mem_api: Api, header: str) -> None:
        """Anything that is not a bearer JWT is refused."""
        response = await admin_get(mem_api, {"Authorization": header} if header else {})
        body = assert_problem(response, 401)
        assert "Bearer" in response.headers["www-authenticate"]
        assert "Traceback" not in body["detail"]

    async def test_no_header_is_refused(self, api: Api) -> None:
        """No Authorization header: 401 with a Bearer challenge."""
        response = await api.client.get("/api/jobs")
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


class TestDeactivation:
    async def test_a_deactivated_admin_token_stops_working_at_once(self, api: Api) -> None:
        """The user is re-read on every request: switching it off kills its token."""
        other = await api.add_user("second-admin", "second-password-1", api.admin_user.role)
        headers = bearer(api.token(other))
        assert 200 == (await admin_get(api, headers)).status_code
        response = await api.client.patch(
            f"/api/users/{other.id}", headers=api.admin, json={"is_active": False}
        )
        assert 200 == response.status_code
        assert_problem(await admin_get(api, headers), 401)

    async def test_a_deactivated_tech_token_stops_working(self, api: Api) -> None:
        """A technician switched off can no longer read its jobs."""
        await api.services.admin.update_user(api.tech_user.id, actor=ADMIN, is_active=False)
        response = await api.client.get("/api/technician/jobs", headers=api.tech)
        assert_problem(response, 401)


class TestAppClock:
    async def test_a_token_expires_by_the_apps_clock(self, mem_api: Api) -> None:
        """A token issued by the app is refused once the app's clock has passed its exp."""
        response = await mem_api.client.post(
            "/api/auth/login", json={"username": TECH_NAME, "password": TECH_PASSWORD}
        )
        headers = bearer(response.json()["access_token"])
        mem_api.clock.advance(hours=13)
        assert_problem(await mem_api.client.get("/api/technician/jobs", headers=headers), 401)

    async def test_a_token_issued_by_a_clock_ahead_is_accepted(self, mem_api: Api) -> None:
        """The app checks its tokens against the clock that issued them."""
        mem_api.clock.advance(hours=1)
        response = await mem_api.client.post(
            "/api/auth/login", json={"username": TECH_NAME, "password": TECH_PASSWORD}
        )
        headers = bearer(response.json()["access_token"])
        assert (
            200 == (await mem_api.client.get("/api/technician/jobs", headers=headers)).status_code
        )


def routes_guarded_by(api: Api, guard: Any) -> list[tuple[str, str]]:
    """(method, path) of every route whose ``actor`` is ``guard``, path parameters filled."""
    found = []
    for route in api.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            provider = handler.resolve_dependencies().get("actor")
            if provider is None or provider.dependency is not guard:
                continue
            path = re.sub(r"\{[^}]+\}", str(uuid4()), route.path)
            methods = sorted(handler.http_methods - {"OPTIONS", "HEAD"})
            found.extend((method, path) for method in methods)
    return sorted(found)


#: Valid bodies, so that only the token can be the reason for a refusal.
BODIES = {
    "/cancel": {"reason": "dealer called"},
    "/complete": {"labour_minutes": 10},
    "/api/users": {"username": "new-user", "role": "admin", "password": "long-enough-1"},
    "/api/zones": {"name": "Zone X", "latitude": 46.0, "longitude": -71.0},
}


def body_for(method: str, path: str) -> dict[str, Any] | None:
    if method == "GET":
        return None
    return next((body for end, body in BODIES.items() if path.endswith(end)), {"version": 1})


async def call(api: Api, method: str, path: str, headers: dict[str, str]) -> int:
    async with asyncio.timeout(5):  # a stream opened by mistake must not hang the suite
        response = await api.client.request(
            method, path, headers=headers, json=body_for(method, path)
        )
    return response.status_code


class TestPortalsAreSeparate:
    async def test_every_admin_route_refuses_a_tech_token(self, mem_api: Api) -> None:
        """A technician token gets 401 or 403 on every admin route, never a success."""
        routes = routes_guarded_by(mem_api, admin_actor)
        assert len(routes) >= 30
        got = {route: await call(mem_api, *route, mem_api.tech) for route in routes}
        assert {} == {route: status for route, status in got.items() if status not in (401, 403)}

    async def test_every_tech_route_refuses_an_admin_token(self, mem_api: Api) -> None:
        """An admin token gets 401 on every technician route."""
        routes = routes_guarded_by(mem_api, tech_actor)
        assert len(routes) >= 4
        got = {route: await call(mem_api, *route, mem_api.admin) for route in routes}
        assert {} == {route: status for route, status in got.items() if status != 401}

    async def test_every_guarded_route_refuses_no_token(self, mem_api: Api) -> None:
        """No route behind a login answers a caller without a token."""
        routes = routes_guarded_by(mem_api, admin_actor) + routes_guarded_by(mem_api, tech_actor)
        got = {route: await call(mem_api, *route, {}) for route in routes}
        assert {} == {route: status for route, status in got.items() if status != 401}
