"""Payments on the memory system: QuickBooks' word (``RecordingInvoiceStatus``) turned into the
job's invoice state, from a notification's task, the change poll and the overdue pass."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from core_helpers import ADMIN, Demo, actions

from sm2_adapters.memory import RecordingInvoiceStatus
from sm2_core.domain.enums import InvoiceState
from sm2_core.domain.job import Job
from sm2_core.domain.payments import EntityChange, InvoiceFacts, QbEntity, QbOperation
from sm2_core.errors import IntegrationError, InvalidInput, InvalidTransition
from sm2_core.tasks import RefreshFromQuickBooks

REALM = "9341452827771234"
DUE = date(2026, 12, 25)
#: An hour after the memory system's clock starts.
LATER = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


async def synced(demo: Demo) -> Job:
    """A job invoiced in (fake) QuickBooks, whose invoice QuickBooks holds unpaid."""
    job = await demo.completed_job()
    await demo.svc.billing.approve(job.id, actor=ADMIN)
    await demo.system.run_tasks()
    job = await demo.job(job.id)
    assert job.qb_invoice_id is not None
    quickbooks(demo).put(reading(job), at=demo.system.clock.now())
    return job


def quickbooks(demo: Demo) -> RecordingInvoiceStatus:
    return demo.system.invoice_status


def reading(job: Job, **kw: object) -> InvoiceFacts:
    values: dict[str, object] = {
        "qb_invoice_id": job.qb_invoice_id,
        "total": Decimal("103.42"),
        "balance": Decimal("103.42"),
        "tax": Decimal("13.47"),
        "due_date": DUE,
    }
    return InvoiceFacts(**(values | kw))  # type: ignore[arg-type]


def pay(demo: Demo, job: Job, balance: str, *, payment: str = "P1") -> None:
    """QuickBooks records a payment: the invoice's balance drops and it changes, later."""
    at = demo.system.clock.advance(minutes=1)
    quickbooks(demo).put(reading(job, balance=Decimal(balance)), at=at)
    quickbooks(demo).pay(payment, [job.qb_invoice_id or ""], at=at)


def change(job: Job, entity: QbEntity = QbEntity.INVOICE, **kw: object) -> EntityChange:
    values: dict[str, object] = {
        "realm_id": REALM,
        "entity": entity,
        "entity_id": job.qb_invoice_id,
        "operation": QbOperation.UPDATE,
    }
    return EntityChange(**(values | kw))  # type: ignore[arg-type]


def refreshes(demo: Demo) -> list[RefreshFromQuickBooks]:
    return [t for t in demo.system.tasks.pending if isinstance(t, RefreshFromQuickBooks)]


class TestNotified:
    async def test_a_payment_notified_makes_the_invoice_paid(self, demo: Demo) -> None:
        """The webhook queues a task; the task reads the invoice and the job is PAID, audited
        and announced."""
        job = await synced(demo)
        pay(demo, job, "0")
        assert 1 == await demo.svc.payments.notified([change(job)])
        await demo.system.run_tasks()
        paid = await demo.job(job.id)
        assert InvoiceState.PAID is paid.invoice_state
        assert "invoice_payment" == actions(await demo.timeline(job.id))[-1]
        assert "invoice.updated" == demo.events_for(job.id)[-1]
        invoice = await demo.svc.payments.invoice(job.id)
        assert invoice is not None
        assert (Decimal("103.42"), Decimal("0.00"), Decimal("103.42"), DUE) == (
            invoice.total,
            invoice.balance,
            invoice.paid,
            invoice.due_date,
        )

    async def test_the_same_notification_twice_is_one_change(self, demo: Demo) -> None:
        """Intuit's retries: queued once while waiting, and applied once."""
        job = await synced(demo)
        pay(demo, job, "0")
        assert (1, 0) == (
            await demo.svc.payments.notified([change(job), change(job)]),
            await demo.svc.payments.notified([change(job)]),
        )
        await demo.system.run_tasks()
        await demo.svc.payments.notified([change(job)])
        await demo.system.run_tasks()
        assert 1 == actions(await demo.timeline(job.id)).count("invoice_payment")

    async def test_a_notification_already_seen_reads_nothing(self, demo: Demo) -> None:
        """A notification no newer than the recorded reading costs no QuickBooks read."""
        job = await synced(demo)
        pay(demo, job, "0")
        stamp = quickbooks(demo).books[job.qb_invoice_id].updated_at
        await demo.svc.payments.notified([change(job, last_updated=stamp)])
        await demo.system.run_tasks()
        asked = len(quickbooks(demo).asked)
        await demo.svc.payments.notified([change(job, last_updated=stamp)])
        await demo.system.run_tasks()
        assert asked == len(quickbooks(demo).asked)

    async def test_another_company_is_ignored(self, demo: Demo) -> None:
        job = await synced(demo)
        assert 0 == await demo.svc.payments.notified([change(job, realm_id="1111")])
        assert [] == refreshes(demo)

    async def test_nothing_is_queued_while_not_connected(self, demo: Demo) -> None:
        job = await synced(demo)
        quickbooks(demo).realm_id = None
        assert 0 == await demo.svc.payments.notified([change(job)])

    async def test_a_payment_refreshes_the_invoices_it_pays(self, demo: Demo) -> None:
        one, two = await synced(demo), await synced(demo)
        pay(demo, one, "0", payment="P9")
        pay(demo, two, "3.42", payment="P9")
        quickbooks(demo).pay("P9", [one.qb_invoice_id or "", two.qb_invoice_id or ""], at=LATER)
        await demo.svc.payments.notified([change(one, QbEntity.PAYMENT, entity_id="P9")])
        await demo.system.run_tasks()
        assert (InvoiceState.PAID, InvoiceState.PARTIALLY_PAID) == (
            (await demo.job(one.id)).invoice_state,
            (await demo.job(two.id)).invoice_state,
        )

    async def test_a_deleted_payment_polls_for_what_it_changed(self, demo: Demo) -> None:
        """A deleted payment names no invoice any more: the change poll finds the invoice whose
        balance went back up."""
        job = await synced(demo)
        pay(demo, job, "0")
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        await demo.svc.payments.poll()  # the cursor, as the periodic poll leaves it
        demo.system.clock.advance(minutes=1)
        del quickbooks(demo).payments["P1"]
        quickbooks(demo).put(reading(job), at=demo.system.clock.now())
        deleted = change(job, QbEntity.PAYMENT, entity_id="P1", operation=QbOperation.DELETE)
        await demo.svc.payments.notified([deleted])
        await demo.system.run_tasks()
        assert InvoiceState.SYNCED is (await demo.job(job.id)).invoice_state

    async def test_a_lasting_refusal_is_left_to_the_poll(self, demo: Demo) -> None:
        """QuickBooks refusing the read the same way each time: the task ends, nothing
        changed, and the next poll reads the invoice again."""
        job = await synced(demo)
        pay(demo, job, "0")
        refused = IntegrationError("quickbooks", "connection broken", transient=False)
        quickbooks(demo).fail_with.append(refused)
        await demo.svc.payments.notified([change(job)])
        await demo.system.run_tasks()
        assert ([], InvoiceState.SYNCED) == (
            demo.system.tasks.failed,
            (await demo.job(job.id)).invoice_state,
        )
        await demo.svc.payments.poll()
        assert InvoiceState.PAID is (await demo.job(job.id)).invoice_state

    async def test_a_transient_failure_is_retried(self, demo: Demo) -> None:
        job = await synced(demo)
        pay(demo, job, "0")
        quickbooks(demo).fail_with.append(IntegrationError("quickbooks", "503", transient=True))
        await demo.svc.payments.notified([change(job)])
        await demo.system.run_tasks()
        assert InvoiceState.PAID is (await demo.job(job.id)).invoice_state


class TestRefresh:
    async def test_partial_then_full_payment(self, demo: Demo) -> None:
        """Each payment is audited with the balance it left."""
        job = await synced(demo)
        pay(demo, job, "50.00")
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        assert InvoiceState.PARTIALLY_PAID is (await demo.job(job.id)).invoice_state
        pay(demo, job, "0", payment="P2")
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        entries = [e for e in await demo.timeline(job.id) if e.action == "invoice_payment"]
        assert [("PARTIALLY_PAID", "50.00"), ("PAID", "0.00")] == [
            (e.new_values["invoice_state"], e.new_values["balance"]) for e in entries
        ]

    async def test_a_voided_invoice(self, demo: Demo) -> None:
        job = await synced(demo)
        demo.system.clock.advance(minutes=1)
        voided = reading(job, total=Decimal(0), balance=Decimal(0), voided=True)
        quickbooks(demo).put(voided, at=demo.system.clock.now())
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        assert InvoiceState.VOIDED is (await demo.job(job.id)).invoice_state

    async def test_a_stale_reading_changes_nothing(self, demo: Demo) -> None:
        job = await synced(demo)
        pay(demo, job, "0")
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        older = reading(job, updated_at=LATER - timedelta(days=1))
        report = await demo.svc.payments.apply([older])
        assert (0, InvoiceState.PAID) == (report.recorded, (await demo.job(job.id)).invoice_state)

    async def test_an_invoice_of_no_job_is_left_alone(self, demo: Demo) -> None:
        report = await demo.svc.payments.apply([InvoiceFacts("999", Decimal(5), Decimal(0))])
        assert (("999",), 0) == (report.unknown, report.recorded)

    async def test_a_missing_record_is_made_from_quickbooks(self, demo: Demo) -> None:
        """An invoice synced before records were kept gets one, found by the job's invoice id."""
        job = await synced(demo)
        demo.system.store.tables.invoices.pop(job.id, None)
        pay(demo, job, "0")
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        invoice = await demo.svc.payments.invoice(job.id)
        assert invoice is not None
        assert ((), Decimal("89.95"), InvoiceState.PAID) == (
            invoice.lines,
            invoice.subtotal,
            (await demo.job(job.id)).invoice_state,
        )

    async def test_refreshing_a_job_not_invoiced_is_refused(self, demo: Demo) -> None:
        job = await demo.completed_job()
        with pytest.raises(InvalidTransition):
            await demo.svc.payments.refresh_job(job.id)


class TestOverdue:
    async def test_due_date_passed_in_the_company_time_zone(self, demo: Demo) -> None:
        """Due on the 25th: not overdue at 22:00 in Toronto (already the 26th in UTC), overdue
        once the 26th begins there."""
        job = await synced(demo)
        quickbooks(demo).put(reading(job, due_date=date(2026, 11, 25)), at=LATER)
        await demo.svc.payments.refresh([job.qb_invoice_id or ""])
        clock = demo.system.clock
        clock.advance(
            seconds=(datetime(2026, 11, 26, 3, 0, tzinfo=UTC) - clock.now()).total_seconds()
        )
        assert [] == await demo.svc.payments.mark_overdue()
        clock.advance(hours=3)
        marked = await demo.svc.payments.mark_overdue()
        assert [job.id] == [j.id for j in marked]
        assert InvoiceState.OVERDUE is (await demo.job(job.id)).invoice_state
        assert "invoice_overdue" == actions(await demo.timeline(job.id))[-1]
        assert [] == await demo.svc.payments.mark_overdue()

    async def test_paid_and_voided_invoices_never_fall_overdue(self, demo: Demo) -> None:
        paid, voided = await synced(demo), await synced(demo)
        quickbooks(demo).put(reading(paid, balance=Decimal(0), due_date=date(2026, 1, 1)), at=LATER)
        zero = reading(voided, total=Decimal(0), balance=Decimal(0), voided=True)
        quickbooks(demo).put(zero, at=LATER)
        await demo.svc.payments.refresh([paid.qb_invoice_id or "", voided.qb_invoice_id or ""])
        assert [] == await demo.svc.payments.mark_overdue()


class TestPoll:
    async def test_the_first_poll_reads_every_open_invoice(self, demo: Demo) -> None:
        job = await synced(demo)
        pay(demo, job, "0")
        report = await demo.svc.payments.poll_when_due()
        assert report is not None
        assert (True, [job.id]) == (report.caught_up, [j.id for j in report.refreshed.changed])
        assert ("invoices", (job.qb_invoice_id,)) in quickbooks(demo).asked

    async def test_a_missed_payment_is_found_by_the_next_poll(self, demo: Demo) -> None:
        """No notification at all: the periodic poll asks QuickBooks what changed since its
        cursor, once the interval has passed."""
        job = await synced(demo)
        await demo.svc.payments.poll_when_due()
        pay(demo, job, "0")
        demo.system.clock.advance(minutes=5)
        assert await demo.svc.payments.poll_when_due() is None  # not due yet
        demo.system.clock.advance(minutes=11)
        report = await demo.svc.payments.poll_when_due()
        assert report is not None
        assert not report.caught_up
        assert InvoiceState.PAID is (await demo.job(job.id)).invoice_state

    async def test_a_failed_poll_keeps_its_cursor(self, demo: Demo) -> None:
        await synced(demo)
        await demo.svc.payments.poll()
        async with demo.system.uow() as uow:
            before = await uow.change_polls.get(REALM)
        demo.system.clock.advance(minutes=20)
        quickbooks(demo).fail_with.append(IntegrationError("quickbooks", "down", transient=True))
        with pytest.raises(IntegrationError):
            await demo.svc.payments.poll_when_due()
        async with demo.system.uow() as uow:
            after = await uow.change_polls.get(REALM)
        assert before is not None
        assert after is not None
        assert (before.changed_since, "quickbooks: down", before.last_success_at) == (
            after.changed_since,
            after.last_error,
            after.last_success_at,
        )

    async def test_a_capped_answer_catches_up(self, demo: Demo) -> None:
        job = await synced(demo)
        await demo.svc.payments.poll()
        quickbooks(demo).cap = 0
        pay(demo, job, "0")
        report = await demo.svc.payments.poll()
        assert report is not None
        assert report.caught_up
        assert InvoiceState.PAID is (await demo.job(job.id)).invoice_state

    async def test_since_more_than_30_days_ago_is_refused(self, demo: Demo) -> None:
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.payments.poll(since=LATER - timedelta(days=31))
        assert "since" in refused.value.fields

    async def test_no_company_no_poll(self, demo: Demo) -> None:
        quickbooks(demo).realm_id = None
        assert await demo.svc.payments.poll_when_due() is None
