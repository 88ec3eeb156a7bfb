"""Invoices that bill the work, through the real python-quickbooks client against the fake
Intuit: a line per service, part and labour, each on its item and with the configured tax code;
QuickBooks' taxes, total, balance and due date recorded; a Canadian company's refusal of lines
without a tax code shown as the invoice's reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from fake_intuit import FakeIntuit
from qbo_helpers import ADMIN, Billing, connect, qbo_settings
from test_qbo_exactly_once import DyingAfterIntuit, WorkerDied

from sm2_adapters.memory import MemoryStore
from sm2_adapters.memory.fakes import ManualClock
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.quickbooks import (
    MemoryTokenStore,
    QboConfig,
    QuickBooksIntegration,
    build_integration,
    quickbooks_from_settings,
)
from sm2_adapters.tasks import install_schema
from sm2_core.domain.enums import InvoiceState, Role
from sm2_core.domain.invoice import Invoice
from sm2_core.domain.job import Completion, Job, Part
from sm2_core.domain.records import Actor
from sm2_core.invoicing import LineChange

QUEBEC = "GST/QST QC - 9.975"
#: What the job below bills: oil change 89.95, a filter 12.99, 5 L of oil at 9.50, two clips
#: the catalog does not know (adjusted to 1.25 each), 45 minutes of labour at 95.00 an hour.
SUBTOTAL = (
    Decimal("89.95") + Decimal("12.99") + Decimal("47.50") + Decimal("2.50") + Decimal("71.25")
)
GST = Decimal("11.21")  # 5 % of 224.19, to the cent
QST = Decimal("22.36")  # 9.975 % of 224.19, to the cent
REPORT = Completion(
    notes="Oil, filter and two clips",
    labour_minutes=105,
    parts=(Part("oil filter", 1), Part("OIL-5W30", 5), Part("Mystery clip", 2)),
)


def integration(intuit: FakeIntuit, tmp_path: Path, tax_code: str | None) -> QuickBooksIntegration:
    settings = attrs.evolve(qbo_settings(intuit, tmp_path), qbo_tax_code=tax_code)
    config = QboConfig.from_settings(settings)
    assert config is not None
    return build_integration(config, MemoryTokenStore(), clock=ManualClock())


async def billing_with(
    intuit: FakeIntuit, tmp_path: Path, tax_code: str | None, uow: Any = None
) -> Billing:
    qbo = integration(intuit, tmp_path, tax_code)
    await connect(qbo, intuit)
    return await Billing.load(uow or MemoryStore().unit_of_work, qbo.gateway)


async def reported(billing: Billing, report: Completion = REPORT) -> Job:
    """A completed oil change at Ford Lévis with parts and labour beyond the included hour."""
    svc = billing.services
    job = await svc.intake.create_job(
        dealership_id=billing.dealers["Ford Lévis"].id,
        service_code="OIL_CHANGE",
        vehicle=(await billing.completed_job()).vehicle,
        actor=ADMIN,
    )
    julie = billing.techs["Julie"]
    tech = Actor(name="tech:julie", role=Role.TECH, technician_id=julie.id)
    await svc.dispatch.assign(job.id, julie.id, actor=ADMIN)
    await svc.field.accept(job.id, actor=tech)
    done = await svc.field.complete(job.id, report, actor=tech)
    clips = LineChange(line="part-3", reason="Clips from our stock", unit_price=Decimal("1.25"))
    await svc.billing.adjust_line(done.id, clips, actor=ADMIN, expected_version=done.version)
    return await billing.job(done.id)


def invoice_of(intuit: FakeIntuit, job: Job) -> dict[str, Any]:
    (invoice,) = [i for i in intuit.records("Invoice") if i["DocNumber"] == job.job_code]
    return invoice


def item(intuit: FakeIntuit, item_id: str) -> dict[str, Any]:
    return intuit.entities["Item"][item_id]


async def record(billing: Billing, job: Job) -> Invoice | None:
    async with billing.services.billing.uow() as uow:
        return await uow.invoices.find(job.id)


@pytest.fixture
def quebec(intuit: FakeIntuit) -> str:
    """A Canadian company with Québec's taxes: lines without a tax code are refused."""
    intuit.books.require_tax_codes = True
    return str(intuit.books.add_quebec_taxes()["Id"])


class TestLines:
    async def test_every_line_is_billed_on_its_item_with_the_tax_code(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """Service, two catalog parts, the unknown part and labour: five lines, each with its
        item, quantity, unit price and the tax code the setting names."""
        billing = await billing_with(intuit, tmp_path, QUEBEC)
        job = await billing.approve(await reported(billing))
        invoice = invoice_of(intuit, job)
        lines = invoice["Line"]
        assert InvoiceState.SYNCED == job.invoice_state
        assert [
            ("Oil change", 1, 89.95, 89.95),
            ("Oil filter", 1, 12.99, 12.99),
            ("Engine oil 5W-30 (1 L)", 5, 9.5, 47.5),
            ("Parts", 2, 1.25, 2.5),
            ("Labour", 0.75, 95.0, 71.25),
        ] == [
            (
                item(intuit, d["ItemRef"]["value"])["Name"],
                d["Qty"],
                d["UnitPrice"],
                line["Amount"],
            )
            for line in lines
            for d in [line["SalesItemLineDetail"]]
        ]
        assert [{"value": quebec}] * 5 == [
            line["SalesItemLineDetail"]["TaxCodeRef"] for line in lines
        ]
        assert "TaxExcluded" == invoice["GlobalTaxCalculation"]
        assert "Mystery clip" == lines[3]["Description"]
        assert str(job.id) in lines[0]["Description"]

    async def test_parts_and_labour_items_are_what_an_accountant_reads(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """A catalog part is a Non-inventory item with its SKU booked to product sales; the
        unknown part goes to one "Parts" item; labour is one "Labour" Service item."""
        billing = await billing_with(intuit, tmp_path, QUEBEC)
        await billing.approve(await reported(billing))
        items = {i["Name"]: i for i in intuit.records("Item")}
        accounts = {a["Id"]: a["AccountSubType"] for a in intuit.records("Account")}
        assert {
            "Oil change": ("Service", "", "ServiceFeeIncome"),
            "Oil filter": ("NonInventory", "OF-2231", "SalesOfProductIncome"),
            "Engine oil 5W-30 (1 L)": ("NonInventory", "OIL-5W30", "SalesOfProductIncome"),
            "Parts": ("NonInventory", "", "SalesOfProductIncome"),
            "Labour": ("Service", "", "ServiceFeeIncome"),
        } == {
            name: (i["Type"], i.get("Sku", ""), accounts[i["IncomeAccountRef"]["value"]])
            for name, i in items.items()
        }

    async def test_the_second_invoice_reuses_the_items(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """Items are found by name: a second job with the same parts creates no item."""
        billing = await billing_with(intuit, tmp_path, QUEBEC)
        await billing.approve(await reported(billing))
        created = len(intuit.calls("/item"))
        second = await billing.approve(await reported(billing))
        assert (InvoiceState.SYNCED, created) == (second.invoice_state, len(intuit.calls("/item")))

    async def test_quickbooks_totals_are_recorded(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """GST and QST on the subtotal, the total, the balance, the due date 30 days on and
        QuickBooks' last change: on the invoice's record, with the lines billed."""
        billing = await billing_with(intuit, tmp_path, QUEBEC)
        job = await billing.approve(await reported(billing))
        invoice = invoice_of(intuit, job)
        saved = await record(billing, job)
        assert saved is not None
        total = SUBTOTAL + GST + QST
        assert (float(GST + QST), float(total)) == (
            invoice["TxnTaxDetail"]["TotalTax"],
            invoice["TotalAmt"],
        )
        due = date.fromisoformat(invoice["TxnDate"]) + timedelta(days=30)
        assert (invoice["Id"], SUBTOTAL, total, total, due) == (
            saved.qb_invoice_id,
            saved.subtotal,
            saved.total,
            saved.balance,
            saved.due_date,
        )
        assert saved.qb_updated_at is not None
        assert saved.qb_updated_at.isoformat() == invoice["MetaData"]["LastUpdatedTime"]
        assert job.invoice_lines == saved.lines

    async def test_the_preview_estimated_what_quickbooks_charged(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """Before approval, the preview's taxes and total are the ones QuickBooks then computes
        for a Québec tax code."""
        billing = await billing_with(intuit, tmp_path, QUEBEC)
        done = await reported(billing)
        before = await billing.services.billing.preview(done.id)
        invoice = invoice_of(intuit, await billing.approve(done))
        assert (float(GST + QST), float(before.total)) == (
            float(sum(t.amount for t in before.taxes)),
            invoice["TotalAmt"],
        )
        assert invoice["TxnTaxDetail"]["TotalTax"] == float(GST + QST)

    async def test_a_tax_code_by_its_id(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """SM2_QBO_TAX_CODE may be the code's id: no look-up, the same lines."""
        billing = await billing_with(intuit, tmp_path, quebec)
        job = await billing.approve(await reported(billing))
        assert InvoiceState.SYNCED == job.invoice_state
        assert [] == intuit.queries("taxcode")
        lines = invoice_of(intuit, job)["Line"]
        assert {quebec} == {line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in lines}


class TestTaxCodeRefusals:
    async def test_a_canadian_company_refuses_lines_without_a_tax_code(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """No SM2_QBO_TAX_CODE: QuickBooks' refusal is the FAILED invoice's reason, with the
        setting to fix; it is not retried and nothing is invoiced."""
        billing = await billing_with(intuit, tmp_path, None)
        job = await billing.approve(await reported(billing))
        assert InvoiceState.FAILED == job.invoice_state
        assert job.invoice_error is not None
        assert "Make sure all your transactions have a GST/HST rate" in job.invoice_error
        assert "SM2_QBO_TAX_CODE" in job.invoice_error
        assert job.invoice_error.endswith("[6000]")
        assert ([], [], 1) == (
            intuit.records("Invoice"),
            billing.tasks.failed,
            len(intuit.calls("/invoice")),
        )
        assert None is await record(billing, job)

    async def test_an_unknown_tax_code_name_fails_before_the_invoice(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """A name QuickBooks does not have: FAILED saying so, and no invoice is attempted."""
        billing = await billing_with(intuit, tmp_path, "HST ON - 13")
        job = await billing.approve(await reported(billing))
        assert InvoiceState.FAILED == job.invoice_state
        assert "no tax code named 'HST ON - 13'" in (job.invoice_error or "")
        assert [] == intuit.calls("/invoice")

    async def test_the_retry_after_fixing_the_setting_invoices(
        self, intuit: FakeIntuit, tmp_path: Path, quebec: str
    ) -> None:
        """Refused without a tax code, retried with one: one invoice, taxed."""
        store = MemoryStore()
        first = await billing_with(intuit, tmp_path, None, store.unit_of_work)
        job = await first.approve(await reported(first))
        fixed = await billing_with(intuit, tmp_path, QUEBEC, store.unit_of_work)
        fixed.clock.advance(minutes=10)  # the admin set the tax code, then retried
        await fixed.services.billing.retry(job.id, actor=ADMIN)
        await fixed.run_tasks()
        synced = await fixed.job(job.id)
        assert (InvoiceState.SYNCED, 1) == (synced.invoice_state, len(intuit.records("Invoice")))
        assert float(SUBTOTAL + GST + QST) == invoice_of(intuit, synced)["TotalAmt"]


class TestExactlyOnce:
    async def test_a_crash_after_quickbooks_records_the_first_invoice(
        self,
        intuit: FakeIntuit,
        tmp_path: Path,
        quebec: str,
        pg_uow: PostgresUnitOfWorkFactory,
        pg_url: str,
    ) -> None:
        """On PostgreSQL: QuickBooks made the invoice, our commit died; the retry finds that
        invoice and records its totals once, with the lines approved."""
        install_schema(pg_url)  # the alerts of the assignment are queued with it
        settings = attrs.evolve(qbo_settings(intuit, tmp_path), qbo_tax_code=QUEBEC)
        qbo = quickbooks_from_settings(settings, pg_uow.pool)
        await connect(qbo, intuit)
        crash = DyingAfterIntuit(pg_uow, qbo.gateway)
        billing = await Billing.load(crash, crash)
        job = await reported(billing)
        await billing.services.billing.approve(job.id, actor=ADMIN)
        with pytest.raises(WorkerDied):
            await billing.services.billing.sync_invoice(job.id)
        assert None is await record(billing, job)
        intuit.forget_request_ids()
        synced = await billing.services.billing.sync_invoice(job.id)
        saved = await record(billing, synced)
        (invoice,) = intuit.records("Invoice")
        assert saved is not None
        assert (invoice["Id"], SUBTOTAL + GST + QST, synced.invoice_lines) == (
            saved.qb_invoice_id,
            saved.total,
            saved.lines,
        )
        assert 1 == len(intuit.calls("/invoice"))
