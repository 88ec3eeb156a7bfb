"""The gateway alone: idempotency, Intuit's limits, and every way a call can fail."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import attrs
import pytest
from fake_intuit import FakeIntuit
from fake_qbo_books import Reply
from qbo_helpers import connect

from sm2_adapters.memory import ManualClock
from sm2_adapters.postgres.database import make_pool
from sm2_adapters.quickbooks import (
    MemoryTokenStore,
    QboConfig,
    QuickBooksIntegration,
    build_integration,
    quickbooks_gateway_from_settings,
)
from sm2_adapters.quickbooks.limits import RealmLimits
from sm2_adapters.settings import Settings
from sm2_core.errors import IntegrationError, NotConfigured
from sm2_core.ports import InvoiceRequest

EMPTY = Reply(200, {"QueryResponse": {}, "time": "2026-11-25T10:00:00.000-08:00"})
UNAUTHORIZED = Reply(
    401,
    {
        "fault": {
            "error": [
                {"message": "AuthenticationFailed", "detail": "Token revoked", "code": "3200"}
            ]
        }
    },
)


def invoice_request(number: int = 1, **changes: object) -> InvoiceRequest:
    job_id = uuid4()
    vin = "1FTFW1E50PFA12345"
    request = InvoiceRequest(
        job_id=job_id,
        job_code=f"SM2-2026-{number:03d}",
        customer_name="Ford Lévis",
        customer_email="comptes@fordlevis.example",
        item_name="Oil change",
        amount=Decimal("89.95"),
        description=f"Oil change — 2024 Ford F-150 — VIN {vin} — SM2-2026-{number:03d}",
        private_note=f"SM2 job {job_id}; VIN {vin}",
    )
    return attrs.evolve(request, **changes)


@pytest.fixture
async def connected(qbo: QuickBooksIntegration, intuit: FakeIntuit) -> QuickBooksIntegration:
    await connect(qbo, intuit)
    return qbo


class TestIdempotency:
    async def test_concurrent_calls_for_one_job_make_one_invoice(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Two workers billing the same job at once get the same invoice (requestid)."""
        request = invoice_request()
        first, second = await asyncio.gather(
            connected.gateway.create_invoice(request), connected.gateway.create_invoice(request)
        )
        assert first == second
        assert 1 == len(intuit.records("Invoice"))

    async def test_a_retry_after_intuit_forgot_the_request_id(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Days later the job's invoice is found by DocNumber and job id, not made twice."""
        request = invoice_request()
        first = await connected.gateway.create_invoice(request)
        intuit.forget_request_ids()
        assert first == await connected.gateway.create_invoice(request)
        assert (1, 1) == (len(intuit.records("Invoice")), len(intuit.calls("/invoice")))

    async def test_another_invoice_with_the_same_number_is_not_ours(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """An invoice typed by hand with the same DocNumber does not stand in for the job's."""
        intuit.add(
            "Invoice",
            DocNumber="SM2-2026-001",
            PrivateNote="typed by hand",
            CustomerRef={"value": "1"},
            Line=[],
        )
        receipt = await connected.gateway.create_invoice(invoice_request())
        assert 2 == len(intuit.records("Invoice"))
        assert receipt.invoice_id == intuit.records("Invoice")[-1]["Id"]

    async def test_a_customer_created_meanwhile_is_used(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Duplicate Name (6240) on create: another job just made the customer; use it."""
        existing = intuit.add("Customer", DisplayName="Ford Lévis")
        intuit.script("/query", EMPTY, EMPTY)  # the invoice and customer look-ups miss it
        receipt = await connected.gateway.create_invoice(invoice_request())
        assert (existing["Id"], [existing]) == (receipt.customer_ref, intuit.records("Customer"))

    async def test_given_refs_are_used_as_they_are(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """With the customer and item refs remembered, only the invoice is asked for."""
        customer = intuit.add("Customer", DisplayName="Ford Lévis")
        item = intuit.add("Item", Name="Oil change", Type="Service")
        receipt = await connected.gateway.create_invoice(
            invoice_request(customer_ref=customer["Id"], item_ref=item["Id"])
        )
        assert (customer["Id"], item["Id"]) == (receipt.customer_ref, receipt.item_ref)
        assert ([], []) == (intuit.queries("customer"), intuit.queries("item"))


class TestFailures:
    async def test_timeout_is_transient(
        self, config: QboConfig, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """An Intuit that does not answer in time raises a transient error."""
        qbo = build_integration(attrs.evolve(config, timeout=0.3), MemoryTokenStore(), clock=clock)
        await connect(qbo, intuit)
        intuit.script("/query", Reply(200, {"QueryResponse": {}}, delay=1.0))
        with pytest.raises(IntegrationError) as caught:
            await qbo.gateway.create_invoice(invoice_request())
        assert (True, "timeout") == (caught.value.transient, caught.value.code)

    async def test_unreachable_is_transient(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Intuit down (connection refused) is worth retrying."""
        intuit.stop()
        with pytest.raises(IntegrationError) as caught:
            await connected.gateway.create_invoice(invoice_request())
        assert (True, "network") == (caught.value.transient, caught.value.code)

    async def test_access_token_revoked_early(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """A 401 before the token's time: one refresh, one more try, success."""
        intuit.expire_access_tokens()
        refreshes = len(intuit.refreshes)
        await connected.gateway.create_invoice(invoice_request())
        assert (refreshes + 1, 1) == (len(intuit.refreshes), len(intuit.records("Invoice")))

    async def test_access_refused_twice_is_final(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """Refused again after a refresh: a final error, not a loop."""
        intuit.script("/query", UNAUTHORIZED, UNAUTHORIZED)
        with pytest.raises(IntegrationError) as caught:
            await connected.gateway.create_invoice(invoice_request())
        assert (False, "401") == (caught.value.transient, caught.value.code)

    async def test_no_income_account(
        self, connected: QuickBooksIntegration, intuit: FakeIntuit
    ) -> None:
        """A company without an Income account cannot get a service item: a clear refusal."""
        intuit.entities["Account"].clear()
        with pytest.raises(IntegrationError, match="no Income account") as caught:
            await connected.gateway.create_invoice(invoice_request())
        assert not caught.value.transient

    async def test_not_connected(self, qbo: QuickBooksIntegration) -> None:
        """No tokens stored: the reason CONTRACT.md names."""
        with pytest.raises(NotConfigured, match=r"^QuickBooks not connected$"):
            await qbo.gateway.create_invoice(invoice_request())

    async def test_not_configured(self, tmp_path: Path) -> None:
        """Without the Intuit app's credentials the gateway refuses; no secret, no database."""
        data_dir = tmp_path / "data"
        pool = make_pool("postgresql://nobody@127.0.0.1:1/never")  # closed: never opened
        gateway = quickbooks_gateway_from_settings(Settings(data_dir=data_dir), pool)
        with pytest.raises(NotConfigured, match=r"^QuickBooks not connected$"):
            await gateway.create_invoice(invoice_request())
        assert not await asyncio.to_thread(data_dir.exists)


class TestLimits:
    async def test_at_most_the_allowed_requests_at_once(
        self, config: QboConfig, clock: ManualClock, intuit: FakeIntuit
    ) -> None:
        """Eight invoices at once, two allowed per company: never more than two in flight."""
        store = MemoryTokenStore()
        qbo = build_integration(
            config, store, clock=clock, limits=RealmLimits(concurrent=2, per_minute=500)
        )
        await connect(qbo, intuit)
        intuit.api_delay = 0.02
        await asyncio.gather(*(qbo.gateway.create_invoice(invoice_request(n)) for n in range(1, 9)))
        assert (8, 2) == (len(intuit.records("Invoice")), intuit.most_in_flight)
