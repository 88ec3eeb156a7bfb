"""The connection endpoints: connect (302 to Intuit, one-time state), callback, status,
disconnect; admin only except the callback, which the state authenticates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_intuit import FakeIntuit
from litestar import Litestar
from litestar.testing import AsyncTestClient
from qbo_helpers import ADMIN, Billing

from sm2_adapters.clock import SystemClock
from sm2_adapters.memory import MemoryEventBus, MemoryRateLimiter, MemoryStore
from sm2_adapters.quickbooks import QuickBooksIntegration
from sm2_core.domain.enums import InvoiceState, Role
from sm2_web.app import create_app
from sm2_web.config import WebConfig
from sm2_web.routes.quickbooks import QUICKBOOKS_HANDLERS

BASE = "/api/integrations/quickbooks"
PASSWORD = "correct horse battery staple"


class Healthy:
    async def check(self) -> dict[str, Any]:
        return {"database": {"ok": True}}


def web_app(billing: Billing, qbo: QuickBooksIntegration | None) -> Litestar:
    clock = SystemClock()
    return create_app(
        billing.services,
        config=WebConfig(jwt_secret="j" * 48, secure_cookies=False),
        clock=clock,
        limiter=MemoryRateLimiter(clock),
        events_feed=MemoryEventBus(),
        health_probe=Healthy(),
        quickbooks=qbo,
        extra_handlers=QUICKBOOKS_HANDLERS,
    )


@pytest.fixture
async def billing(qbo: QuickBooksIntegration) -> Billing:
    billing = await Billing.load(MemoryStore().unit_of_work, qbo.gateway)
    for name, role in (("alice", Role.ADMIN), ("tom", Role.TECH)):
        await billing.services.admin.create_user(
            username=name,
            role=role,
            password=PASSWORD,
            actor=ADMIN,
            technician_id=billing.techs["Julie"].id if role is Role.TECH else None,
        )
    return billing


@pytest.fixture
async def client(
    billing: Billing, qbo: QuickBooksIntegration
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=web_app(billing, qbo)) as client:
        yield client


async def bearer(client: AsyncTestClient[Litestar], username: str = "alice") -> dict[str, str]:
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def start(client: AsyncTestClient[Litestar]) -> dict[str, str]:
    answer = await client.get(
        f"{BASE}/connect", headers=await bearer(client), follow_redirects=False
    )
    assert 302 == answer.status_code
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


class TestConnect:
    async def test_connect_redirects_to_intuit(
        self, client: AsyncTestClient[Litestar], intuit: FakeIntuit
    ) -> None:
        """302 to Intuit's authorize endpoint (from the discovery document) with a state."""
        answer = await client.get(
            f"{BASE}/connect", headers=await bearer(client), follow_redirects=False
        )
        location = urlsplit(answer.headers["location"])
        query = parse_qs(location.query)
        assert (302, f"{intuit.url}/connect/oauth2") == (
            answer.status_code,
            f"{location.scheme}://{location.netloc}{location.path}",
        )
        assert (["code"], ["com.intuit.quickbooks.accounting"]) == (
            query["response_type"],
            query["scope"],
        )
        assert ["http://127.0.0.1:8000/api/integrations/quickbooks/callback"] == query[
            "redirect_uri"
        ]
        assert len(query["state"][0]) >= 32
        assert "no-store" == answer.headers["cache-control"]

    async def test_callback_connects(
        self, client: AsyncTestClient[Litestar], intuit: FakeIntuit
    ) -> None:
        """The callback spends the state, exchanges the code and shows the connection."""
        state = (await start(client))["state"]
        answer = await client.get(
            f"{BASE}/callback",
            params={"code": intuit.issue_code(), "state": state, "realmId": intuit.realm_id},
        )
        assert (200, True) == (answer.status_code, intuit.realm_id in answer.text)
        status = (await client.get(BASE, headers=await bearer(client))).json()
        assert ("CONNECTED", True, intuit.realm_id) == (
            status["status"],
            status["connected"],
            status["realm_id"],
        )
        assert not any("token" in str(v) and len(str(v)) > 30 for v in status.values())

    async def test_a_state_works_once(
        self, client: AsyncTestClient[Litestar], intuit: FakeIntuit
    ) -> None:
        """Replaying a callback (or inventing a state) is refused."""
        state = (await start(client))["state"]
        params = {"code": intuit.issue_code(), "state": state, "realmId": intuit.realm_id}
        assert 200 == (await client.get(f"{BASE}/callback", params=params)).status_code
        params["code"] = intuit.issue_code()
        replay = await client.get(f"{BASE}/callback", params=params)
        forged = await client.get(f"{BASE}/callback", params={**params, "state": "made-up"})
        missing = await client.get(f"{BASE}/callback", params={"code": params["code"]})
        assert [403, 403, 403] == [replay.status_code, forged.status_code, missing.status_code]
        assert "application/problem+json" == replay.headers["content-type"]

    async def test_declined_consent(
        self, client: AsyncTestClient[Litestar], intuit: FakeIntuit
    ) -> None:
        """The admin said no at Intuit: nothing is connected and the state is spent."""
        state = (await start(client))["state"]
        answer = await client.get(
            f"{BASE}/callback", params={"error": "access_denied", "state": state}
        )
        assert (403, "access_denied") == (answer.status_code, answer.json()["detail"][-14:-1])
        assert (
            "DISCONNECTED"
            == (await client.get(BASE, headers=await bearer(client))).json()["status"]
        )

    async def test_a_bad_realm_id_is_refused(
        self, client: AsyncTestClient[Litestar], intuit: FakeIntuit
    ) -> None:
        """The realm goes into API paths: only Intuit's shape is taken."""
        state = (await start(client))["state"]
        answer = await client.get(
            f"{BASE}/callback",
            params={"code": intuit.issue_code(), "state": state, "realmId": "../../x"},
        )
        assert 422 == answer.status_code


class TestAccess:
    async def test_admin_only(self, client: AsyncTestClient[Litestar]) -> None:
        """No token, or a technician's: refused."""
        tech = await bearer(client, "tom")
        assert [401, 401, 401] == [
            (await client.get(BASE)).status_code,
            (await client.get(f"{BASE}/connect", headers=tech, follow_redirects=False)).status_code,
            (await client.post(f"{BASE}/disconnect", headers=tech)).status_code,
        ]

    async def test_documented(self, client: AsyncTestClient[Litestar]) -> None:
        """The four endpoints are in the OpenAPI document."""
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
        assert {BASE, f"{BASE}/connect", f"{BASE}/callback", f"{BASE}/disconnect"} <= set(paths)

    async def test_without_the_integration(self, billing: Billing) -> None:
        """An app built without it answers 503, clearly."""
        async with AsyncTestClient(app=web_app(billing, None)) as client:
            answer = await client.get(BASE, headers=await bearer(client))
        assert (503, "Not configured") == (answer.status_code, answer.json()["title"])


class TestDisconnect:
    async def test_disconnect_revokes_and_forgets(
        self,
        client: AsyncTestClient[Litestar],
        billing: Billing,
        intuit: FakeIntuit,
        qbo: QuickBooksIntegration,
    ) -> None:
        """Intuit revokes the refresh token; here nothing is left; invoicing stops clearly."""
        state = (await start(client))["state"]
        params = {"code": intuit.issue_code(), "state": state, "realmId": intuit.realm_id}
        await client.get(f"{BASE}/callback", params=params)
        connection = await qbo.store.load()
        assert connection is not None
        answer = await client.post(f"{BASE}/disconnect", headers=await bearer(client))
        assert (200, True, "DISCONNECTED") == (
            answer.status_code,
            answer.json()["revoked"],
            answer.json()["status"],
        )
        assert ([connection.refresh_token], None) == (intuit.revoked, await qbo.store.load())
        job = await billing.approve(await billing.completed_job())
        assert (InvoiceState.FAILED, "QuickBooks not connected") == (
            job.invoice_state,
            job.invoice_error,
        )
