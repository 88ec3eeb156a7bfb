"""Payments over HTTP in-process: Intuit's signed notification in, the job's invoice PAID in the
API (timeline included), on the job's page (total, paid, balance, due date) and on the board."""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import attrs
import pytest
from api_apps import memory_api
from api_harness import ADMIN_NAME, ADMIN_PASSWORD, Api
from test_portal_sessions import PORTAL, sign_in

from sm2_adapters.bootstrap import quickbooks_signature
from sm2_core.domain.payments import InvoiceFacts

VERIFIER = "e2e-verifier-token"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with memory_api(attrs.evolve(PORTAL, qbo_webhook_verifier=VERIFIER)) as built:
        yield built


async def invoiced(api: Api) -> dict[str, object]:
    """A job completed, approved over the API and invoiced in (the memory system's) QuickBooks."""
    job = await api.completed()
    version = (await api.get_job(job.id))["version"]
    answer = await api.client.post(
        f"/api/jobs/{job.id}/approve", headers={**api.admin, "If-Match": str(version)}
    )
    assert 200 == answer.status_code, answer.text
    await api.run()
    return await api.get_job(job.id)


async def notify(api: Api, invoice_id: str) -> None:
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": api.system.invoice_status.realm_id,
                    "dataChangeEvent": {
                        "entities": [{"name": "Invoice", "id": invoice_id, "operation": "Update"}]
                    },
                }
            ]
        }
    ).encode()
    answer = await api.client.post(
        "/webhooks/quickbooks",
        content=body,
        headers={"intuit-signature": quickbooks_signature(VERIFIER, body)},
    )
    assert (200, 1) == (answer.status_code, answer.json()["queued"]), answer.text
    await api.run()


def quickbooks_says(api: Api, invoice_id: str, balance: str) -> None:
    """The memory system's QuickBooks: the invoice now has ``balance`` left, due at Christmas."""
    facts = InvoiceFacts(
        invoice_id,
        total=Decimal("281.48"),
        balance=Decimal(balance),
        tax=Decimal("36.68"),
        due_date=date(2026, 12, 25),
    )
    api.system.invoice_status.put(facts, at=api.clock.advance(minutes=1))


class TestPaidThroughTheWebhook:
    async def test_the_api_shows_the_state_and_the_timeline(self, api: Api) -> None:
        job = await invoiced(api)
        invoice_id = str(job["qb_invoice_id"])
        quickbooks_says(api, invoice_id, "0")
        await notify(api, invoice_id)
        detail = await api.get_job(job["id"])  # type: ignore[arg-type]
        entry = detail["audit_timeline"][-1]
        assert ("PAID", "invoice_payment", "system:quickbooks") == (
            detail["invoice_state"],
            entry["action"],
            entry["actor"],
        )
        assert ({"invoice_state": "SYNCED"}, "PAID", "0.00") == (
            {k: v for k, v in entry["old_values"].items() if k == "invoice_state"},
            entry["new_values"]["invoice_state"],
            entry["new_values"]["balance"],
        )

    async def test_the_job_page_and_the_board(self, api: Api) -> None:
        """Part paid: the page shows the total, what was paid, the balance and the due date;
        the board shows "Partly paid" beside the status."""
        job = await invoiced(api)
        invoice_id = str(job["qb_invoice_id"])
        quickbooks_says(api, invoice_id, "81.48")
        await notify(api, invoice_id)
        await sign_in(api.client, ADMIN_NAME, ADMIN_PASSWORD)
        english = {"Accept-Language": "en"}
        page = html.unescape((await api.client.get(f"/jobs/{job['id']}", headers=english)).text)
        assert 'id="invoice-payment"' in page
        for shown in (
            "$281.48",
            "$200.00",
            "$81.48",
            "Partly paid",
            "Invoice updated from QuickBooks",
        ):
            assert shown in page, shown
        assert "Dec 25, 2026" in page
        board = html.unescape((await api.client.get("/", headers=english)).text)
        assert 'class="badge invoice invoice--partially_paid">Partly paid<' in board

    async def test_in_french(self, api: Api) -> None:
        job = await invoiced(api)
        invoice_id = str(job["qb_invoice_id"])
        quickbooks_says(api, invoice_id, "0")
        await notify(api, invoice_id)
        await sign_in(api.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await api.client.get(f"/jobs/{job['id']}", headers={"Accept-Language": "fr"})
        text = html.unescape(page.text)
        for shown in ("Payée", "Solde", "Échéance", "Facture mise à jour depuis QuickBooks"):
            assert shown in text, shown


class TestBoardFilter:
    async def test_the_paid_filter(self, api: Api) -> None:
        """``invoice_state=PAID`` lists the jobs QuickBooks says are paid."""
        paid = await invoiced(api)
        await invoiced(api)  # SYNCED: not listed
        quickbooks_says(api, str(paid["qb_invoice_id"]), "0")
        await notify(api, str(paid["qb_invoice_id"]))
        listed = await api.client.get(
            "/api/jobs", headers=api.admin, params={"invoice_state": "PAID"}
        )
        assert 200 == listed.status_code, listed.text
        assert [paid["job_code"]] == [j["job_code"] for j in listed.json()["items"]]
