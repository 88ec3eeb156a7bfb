"""Approved jobs become QuickBooks invoices through the real python-quickbooks client."""

from __future__ import annotations

import pytest
from fake_intuit import FakeIntuit
from fake_qbo_books import SERVER_ERROR, THROTTLED, Reply, fault
from qbo_helpers import ADMIN, LEVIS, Billing, connect

from sm2_adapters.memory import MemoryStore
from sm2_adapters.quickbooks import QuickBooksIntegration
from sm2_core.domain.enums import InvoiceState


@pytest.fixture
async def billing(qbo: QuickBooksIntegration, intuit: FakeIntuit) -> Billing:
    await connect(qbo, intuit)
    return await Billing.load(MemoryStore().unit_of_work, qbo.gateway)


class TestInvoice:
    async def test_the_invoice_bills_the_job(self, billing: Billing, intuit: FakeIntuit) -> None:
        """One invoice: the job code as DocNumber, job id and VIN in the note and the line."""
        job = await billing.approve(await billing.completed_job())
        (invoice,) = intuit.records("Invoice")
        (line,) = invoice["Line"]
        assert (InvoiceState.SYNCED, invoice["Id"]) == (job.invoice_state, job.qb_invoice_id)
        assert job.job_code == invoice["DocNumber"]
        assert str(job.id) in invoice["PrivateNote"]
        assert job.vehicle.vin in invoice["PrivateNote"]
        assert str(job.id) in line["Description"]
        assert job.vehicle.vin in line["Description"]
        assert (89.95, 1) == (line["Amount"], line["SalesItemLineDetail"]["Qty"])
        assert {"Address": "comptes@fordlevis.example"} == invoice["BillEmail"]

    async def test_request_is_pinned_and_idempotent(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """The create carries requestid = the job id and its approval, and every call
        minorversion 75."""
        job = await billing.approve(await billing.completed_job())
        (create,) = intuit.calls("/invoice")
        assert create.query["requestid"].startswith(f"{job.id}-")
        assert len(create.query["requestid"]) <= 50
        others = {s.query["requestid"] for s in intuit.calls("/customer") + intuit.calls("/item")}
        assert 2 == len(others - {str(job.id)})
        assert {"75"} == {s.query.get("minorversion") for s in intuit.calls("/v3/")}

    async def test_customer_and_item_are_created_and_remembered(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """A missing customer is created with the billing email, a missing item as a Service at
        the catalog price booked to an Income account; both refs are remembered."""
        await billing.approve(await billing.completed_job())
        (customer,) = intuit.records("Customer")
        (item,) = intuit.records("Item")
        services_account = next(
            a for a in intuit.records("Account") if a["AccountSubType"] == "ServiceFeeIncome"
        )
        assert ("Ford Lévis", {"Address": "comptes@fordlevis.example"}) == (
            customer["DisplayName"],
            customer["PrimaryEmailAddr"],
        )
        assert ("Oil change", "Service", 89.95, {"value": services_account["Id"]}) == (
            item["Name"],
            item["Type"],
            item["UnitPrice"],
            item["IncomeAccountRef"],
        )
        assert customer["Id"] == (await billing.dealer("Ford Lévis")).qb_customer_id
        assert item["Id"] == (await billing.service("OIL_CHANGE")).qb_item_id

    async def test_remembered_refs_are_used(self, billing: Billing, intuit: FakeIntuit) -> None:
        """The second job of a dealership asks for neither its customer nor its item again."""
        await billing.approve(await billing.completed_job())
        customers, items = len(intuit.queries("customer")), len(intuit.queries("item"))
        second = await billing.approve(await billing.completed_job())
        assert InvoiceState.SYNCED == second.invoice_state
        assert (customers, items, 2) == (
            len(intuit.queries("customer")),
            len(intuit.queries("item")),
            len(intuit.records("Invoice")),
        )
        assert 1 == len(intuit.records("Customer"))

    async def test_existing_customer_with_an_apostrophe(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """ "Centre de l'Auto Lévis" is found by its escaped name (sent as UTF-8), not duplicated."""
        existing = intuit.add("Customer", DisplayName=LEVIS)
        job = await billing.approve(await billing.completed_job(dealer=LEVIS))
        (invoice,) = intuit.records("Invoice")
        assert InvoiceState.SYNCED == job.invoice_state
        assert ([existing], {"value": existing["Id"]}) == (
            intuit.records("Customer"),
            invoice["CustomerRef"],
        )
        assert "DisplayName = 'Centre de l\\'Auto Lévis'" in intuit.queries("customer")[0]

    async def test_new_customer_with_an_apostrophe(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """A dealership with an apostrophe and an accent is created under its exact name."""
        await billing.approve(await billing.completed_job(dealer=LEVIS))
        (customer,) = intuit.records("Customer")
        assert (LEVIS, "info@autolevis.example") == (
            customer["DisplayName"],
            customer["PrimaryEmailAddr"]["Address"],
        )

    async def test_double_approval_makes_one_invoice(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """A double click approves once and bills once."""
        job = await billing.completed_job()
        await billing.services.billing.approve(job.id, actor=ADMIN)
        await billing.services.billing.approve(job.id, actor=ADMIN)
        await billing.run_tasks()
        assert (1, 1) == (len(intuit.records("Invoice")), len(intuit.calls("/invoice")))
        assert InvoiceState.SYNCED == (await billing.job(job.id)).invoice_state


class TestFailures:
    async def test_server_error_then_success(self, billing: Billing, intuit: FakeIntuit) -> None:
        """A 500 is retried; the retry makes the one invoice."""
        intuit.script("/invoice", SERVER_ERROR)
        job = await billing.approve(await billing.completed_job())
        assert (InvoiceState.SYNCED, 1, []) == (
            job.invoice_state,
            len(intuit.records("Invoice")),
            billing.tasks.failed,
        )
        assert 2 == len(intuit.calls("/invoice"))

    async def test_throttled_is_retried(self, billing: Billing, intuit: FakeIntuit) -> None:
        """Intuit's 429 (ThrottleExceeded, fault code 3001) is transient, not a validation fault."""
        intuit.script("/query", THROTTLED)
        job = await billing.approve(await billing.completed_job())
        assert (InvoiceState.SYNCED, 1) == (job.invoice_state, len(intuit.records("Invoice")))

    async def test_outage_fails_transiently_until_retries_run_out(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """Three 503s: the invoice is FAILED with Intuit's message, and the queue gave up."""
        intuit.script("/query", *[Reply(503, fault("Service Unavailable", "", "503"))] * 3)
        job = await billing.approve(await billing.completed_job())
        assert InvoiceState.FAILED == job.invoice_state
        assert "Service Unavailable [503]" in (job.invoice_error or "")
        assert 1 == len(billing.tasks.failed)

    async def test_validation_fault_fails_without_retry(
        self, billing: Billing, intuit: FakeIntuit
    ) -> None:
        """A ValidationFault is final: FAILED with Intuit's message and code, asked once."""
        intuit.script(
            "/invoice",
            Reply(
                400,
                fault(
                    "Business Validation Error",
                    "Transaction date is prior to the closing date",
                    "6000",
                ),
            ),
        )
        job = await billing.approve(await billing.completed_job())
        assert InvoiceState.FAILED == job.invoice_state
        assert (
            "QuickBooks: Business Validation Error: Transaction date is prior to the closing "
            "date [6000]"
        ) == job.invoice_error
        assert ([], 1) == (billing.tasks.failed, len(intuit.calls("/invoice")))

    async def test_fault_in_a_200_answer(self, billing: Billing, intuit: FakeIntuit) -> None:
        """A fault document in a 200 answer is Intuit's refusal all the same."""
        intuit.script("/query", Reply(200, fault("Invalid query", "bad field", "4001")))
        job = await billing.approve(await billing.completed_job())
        assert "Invalid query: bad field [4001]" in (job.invoice_error or "")
