"""HTTP hygiene, through Litestar's TestClient: CORS, security headers, request ids, body limits."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from api_apps import WEB, bare_app
from api_harness import PROBLEM
from litestar import Litestar
from litestar.testing import TestClient

from sm2_web.config import WebConfig

ADMIN_ORIGIN = "https://admin.example.com"
EVIL_ORIGIN = "https://evil.example.com"


def client(config: WebConfig) -> Iterator[TestClient[Litestar]]:
    with TestClient(bare_app(config)) as test_client:
        yield test_client


@pytest.fixture
def with_cors() -> Iterator[TestClient[Litestar]]:
    yield from client(WebConfig(jwt_secret=WEB.jwt_secret, cors_origins=(ADMIN_ORIGIN,)))


@pytest.fixture
def plain() -> Iterator[TestClient[Litestar]]:
    yield from client(WebConfig(jwt_secret=WEB.jwt_secret, max_body_bytes=2048))


def preflight(test_client: TestClient[Litestar], origin: str) -> dict[str, str]:
    response = test_client.options(
        "/api/jobs",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match, content-type",
        },
    )
    return {k.lower(): v for k, v in response.headers.items()} | {
        "status": str(response.status_code)
    }


class TestCors:
    def test_a_preflight_from_the_configured_origin_is_allowed(
        self, with_cors: TestClient[Litestar]
    ) -> None:
        """The admin origin may PATCH with Authorization and If-Match."""
        headers = preflight(with_cors, ADMIN_ORIGIN)
        assert headers["status"] in ("200", "204")
        assert ADMIN_ORIGIN == headers["access-control-allow-origin"]
        assert "PATCH" in headers["access-control-allow-methods"]
        allowed = headers["access-control-allow-headers"].lower()
        assert {"authorization", "if-match"} <= {h.strip() for h in allowed.split(",")}

    def test_a_preflight_from_another_origin_is_not_allowed(
        self, with_cors: TestClient[Litestar]
    ) -> None:
        """Another origin gets no Access-Control-Allow-Origin."""
        headers = preflight(with_cors, EVIL_ORIGIN)
        assert "access-control-allow-origin" not in headers

    def test_a_simple_request_names_only_the_allowed_origin(
        self, with_cors: TestClient[Litestar]
    ) -> None:
        """A GET from the admin origin is allowed; from another origin it is not."""
        good = with_cors.get("/api/system/health", headers={"Origin": ADMIN_ORIGIN})
        evil = with_cors.get("/api/system/health", headers={"Origin": EVIL_ORIGIN})
        assert ADMIN_ORIGIN == good.headers["access-control-allow-origin"]
        assert "access-control-allow-origin" not in evil.headers
        assert "access-control-allow-credentials" not in good.headers

    def test_no_origins_configured_means_no_cors_headers(self, plain: TestClient[Litestar]) -> None:
        """Without SM2_CORS_ORIGINS the API is same-origin only."""
        headers = preflight(plain, ADMIN_ORIGIN)
        simple = plain.get("/api/system/health", headers={"Origin": ADMIN_ORIGIN})
        assert [] == [h for h in headers if h.startswith("access-control-")]
        assert [] == [h for h in simple.headers if h.lower().startswith("access-control-")]


class TestHeaders:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/api/system/health"),
            ("GET", "/api/jobs"),
            ("GET", "/schema/openapi.json"),
            ("GET", "/api/nowhere"),
            ("DELETE", "/api/jobs"),
        ],
    )
    def test_security_headers_on_every_response(
        self, plain: TestClient[Litestar], method: str, path: str
    ) -> None:
        """nosniff, no framing, a CSP and a request id, on successes and errors alike."""
        headers = plain.request(method, path).headers
        assert "nosniff" == headers["x-content-type-options"]
        assert "DENY" == headers["x-frame-options"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "same-origin" == headers["referrer-policy"]
        assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])

    def test_request_ids_are_unique(self, plain: TestClient[Litestar]) -> None:
        """Every response carries its own request id."""
        ids = {plain.get("/api/system/health").headers["x-request-id"] for _ in range(5)}
        assert 5 == len(ids)


class TestBodyLimit:
    def test_a_body_over_the_limit_is_413(self, plain: TestClient[Litestar]) -> None:
        """A request body larger than max_body_bytes is refused with a 413 problem."""
        body = {"username": "boss", "password": "x" * 4096}
        response = plain.post("/api/auth/login", json=body)
        assert 413 == response.status_code
        assert PROBLEM == response.headers["content-type"].split(";")[0]
        assert 413 == response.json()["status"]

    def test_a_chunked_body_over_the_limit_is_413(self, plain: TestClient[Litestar]) -> None:
        """Without a Content-Length the limit still holds while the body streams in."""

        def chunks() -> Iterator[bytes]:
            yield b'{"username": "boss", "password": "'
            for _ in range(8):
                yield b"x" * 512
            yield b'"}'

        response = plain.post(
            "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert 413 == response.status_code

    def test_a_body_under_the_limit_is_read(self, plain: TestClient[Litestar]) -> None:
        """A small body is handled as usual (here: unknown user, 401)."""
        response = plain.post("/api/auth/login", json={"username": "boss", "password": "x" * 100})
        assert 401 == response.status_code
