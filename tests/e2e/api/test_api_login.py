"""POST /api/auth/login: tokens for good credentials, one answer for bad ones, throttling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import jwt
import pytest
from api_apps import WEB, memory_api, open_api
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

from sm2_web.config import WebConfig


async def login(api: Api, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = await api.client.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    return response.status_code, response.json()


class TestLoginSucceeds:
    async def test_returns_a_bearer_token_with_its_expiry(self, api: Api) -> None:
        """Good credentials give access_token, token_type bearer and expires_at."""
        status, body = await login(api, ADMIN_NAME, ADMIN_PASSWORD)
        assert 200 == status
        assert "bearer" == body["token_type"]
        assert isinstance(body["access_token"], str)
        expires = datetime.fromisoformat(str(body["expires_at"]))
        assert api.clock.now() < expires

    async def test_admin_token_carries_the_admin_claims(self, api: Api) -> None:
        """The token is HS256 with sub, role admin, aud sm2-admin and exp."""
        _, body = await login(api, ADMIN_NAME, ADMIN_PASSWORD)
        token = str(body["access_token"])
        assert "HS256" == jwt.get_unverified_header(token)["alg"]
        claims = jwt.decode(token, WEB.jwt_secret, algorithms=["HS256"], audience="sm2-admin")
        assert str(api.admin_user.id) == claims["sub"]
        assert "admin" == claims["role"]
        assert int(datetime.fromisoformat(str(body["expires_at"])).timestamp()) == claims["exp"]

    async def test_admin_token_opens_the_admin_api(self, api: Api) -> None:
        """The token from a login is accepted by an admin endpoint."""
        _, body = await login(api, ADMIN_NAME, ADMIN_PASSWORD)
        response = await api.client.get("/api/jobs", headers=bearer(str(body["access_token"])))
        assert 200 == response.status_code

    async def test_tech_token_has_the_tech_audience(self, api: Api) -> None:
        """A technician's login gives a token for the technician portal."""
        _, body = await login(api, TECH_NAME, TECH_PASSWORD)
        token = str(body["access_token"])
        claims = jwt.decode(token, WEB.jwt_secret, algorithms=["HS256"], audience="sm2-tech")
        assert "tech" == claims["role"]
        response = await api.client.get("/api/technician/jobs", headers=bearer(token))
        assert 200 == response.status_code

    async def test_username_is_case_insensitive(self, api: Api) -> None:
        """BOSS logs in as boss."""
        status, _ = await login(api, ADMIN_NAME.upper(), ADMIN_PASSWORD)
        assert 200 == status


class TestLoginRefused:
    async def test_wrong_password_is_401(self, api: Api) -> None:
        """A wrong password is a 401 problem."""
        response = await api.client.post(
            "/api/auth/login", json={"username": ADMIN_NAME, "password": "not-the-password"}
        )
        assert_problem(response, 401)

    async def test_unknown_user_gets_the_same_answer(self, api: Api) -> None:
        """An unknown username and a wrong password are told apart by nothing."""
        wrong = await api.client.post(
            "/api/auth/login", json={"username": ADMIN_NAME, "password": "not-the-password"}
        )
        unknown = await api.client.post(
            "/api/auth/login", json={"username": "nobody", "password": "not-the-password"}
        )
        assert assert_problem(wrong, 401) == assert_problem(unknown, 401)

    async def test_deactivated_user_cannot_log_in(self, api: Api) -> None:
        """A login switched off refuses its right password."""
        await api.services.admin.update_user(api.tech_user.id, actor=ADMIN, is_active=False)
        status, _ = await login(api, TECH_NAME, TECH_PASSWORD)
        assert 401 == status

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"username": "boss"},
            {"username": "", "password": "x"},
            {"username": 1, "password": 2},
        ],
    )
    async def test_malformed_body_is_422(self, mem_api: Api, body: dict[str, object]) -> None:
        """A body without a username and a password is invalid input."""
        response = await mem_api.client.post("/api/auth/login", json=body)
        assert_problem(response, 422)


STRICT = WebConfig(jwt_secret=WEB.jwt_secret, twilio_verify=False, login_attempts=5)


class TestLoginThrottle:
    @pytest.fixture(params=BACKENDS)
    async def strict(self, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
        """The app with the limit of 5 failed logins per username."""
        async with open_api(request.param, request, tmp_path, STRICT) as built:
            yield built

    async def test_sixth_attempt_is_429_even_with_the_right_password(self, strict: Api) -> None:
        """After 5 failures for one username it is refused with 429 for a while."""
        for _ in range(5):
            status, _ = await login(strict, ADMIN_NAME, "wrong-password")
            assert 401 == status
        response = await strict.client.post(
            "/api/auth/login", json={"username": ADMIN_NAME, "password": ADMIN_PASSWORD}
        )
        assert_problem(response, 429)

    async def test_another_username_still_logs_in(self, strict: Api) -> None:
        """Throttling one username leaves the others alone."""
        for _ in range(6):
            await login(strict, ADMIN_NAME, "wrong-password")
        status, _ = await login(strict, TECH_NAME, TECH_PASSWORD)
        assert 200 == status

    async def test_successes_do_not_count(self, strict: Api) -> None:
        """Only failures count towards the limit."""
        for _ in range(7):
            status, _ = await login(strict, ADMIN_NAME, ADMIN_PASSWORD)
            assert 200 == status

    async def test_the_limit_lifts_after_the_window(self) -> None:
        """Once login_window has passed the username may try again (memory clock)."""
        async with memory_api(STRICT) as api:
            for _ in range(5):
                await login(api, ADMIN_NAME, "wrong-password")
            api.clock.advance(minutes=16)
            status, _ = await login(api, ADMIN_NAME, ADMIN_PASSWORD)
        assert 200 == status
