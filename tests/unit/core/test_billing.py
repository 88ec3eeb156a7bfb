"""Billing on the memory system: approved, completed work is invoiced exactly once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from core_helpers import ADMIN, Demo

from sm2_core.domain.enums import InvoiceState, JobStatus, PolicyRule
from sm2_core.errors import (
    IntegrationError,
    InvalidTransition,
    NotConfigured,
    PermissionDenied,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.tasks import SyncInvoice, TaskPayload

OUTAGE = IntegrationError("QuickBooks", "503 Service Unavailable", transient=True)
REFUSED = IntegrationError("QuickBooks", "Invalid customer", transient=False, code="6000")


class TestApprove:
    async def test_approval_queues_the_invoice(self, demo: Demo) -> None:
        """Approving records who approved and queues one invoice task."""
        job = await demo.completed_job()
        approved = await demo.svc.billing.approve(job.id, actor=ADMIN)
        assert ("admin:alice", InvoiceState.PENDING_APPROVAL) == (
            approved.approved_by,
            approved.invoice_state,
        )
        assert [SyncInvoice(job.id)] == invoicing(demo.system.tasks.pending)

    async def test_invoice_is_synced_with_what_was_billed(self, demo: Demo) -> None:
        """The invoice bills the dealership for the service at its price, naming the job."""
        job = await demo.completed_job()
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        synced = await demo.job(job.id)
        request = demo.system.accounting.invoices[job.id]
        assert (InvoiceState.SYNCED, "1000") == (synced.invoice_state, synced.qb_invoice_id)
        assert ("Ford Lévis", "Oil change", Decimal("89.95")) == (
            request.customer_name,
            request.item_name,
            request.amount,
        )
        assert job.job_code in request.description
        assert "invoice.synced" == demo.events_for(job.id)[-1]

    async def test_double_approve_makes_one_invoice(self, demo: Demo) -> None:
        """A double click approves once, queues once and bills once."""
        job = await demo.completed_job()
        first = await demo.svc.billing.approve(job.id, actor=ADMIN)
        second = await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        assert first == second
        assert (1, 1) == (demo.system.accounting.calls, len(demo.system.accounting.invoices))

    async def test_approving_an_invoiced_job_changes_nothing(self, demo: Demo) -> None:
        """Approving after the invoice is synced neither re-bills nor re-audits."""
        job = await demo.completed_job()
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        synced = await demo.job(job.id)
        assert synced == await demo.svc.billing.approve(job.id, actor=ADMIN)
        assert ([], 1) == (invoicing(demo.system.tasks.pending), demo.system.accounting.calls)

    async def test_unfinished_work_cannot_be_approved(self, demo: Demo) -> None:
        """Work in progress is not approved, and nothing is queued."""
        job = await demo.in_progress_job()
        with pytest.raises(InvalidTransition):
            await demo.svc.billing.approve(job.id, actor=ADMIN)
        assert [] == invoicing(demo.system.tasks.pending)

    async def test_technician_cannot_approve(self, demo: Demo) -> None:
        """The technician who did the work cannot approve it."""
        job = await demo.completed_job()
        with pytest.raises(PermissionDenied):
            await demo.svc.billing.approve(job.id, actor=demo.as_tech("Julie"))

    async def test_stale_copy_is_refused(self, demo: Demo) -> None:
        """Approving from an old copy of the job is StaleVersion."""
        job = await demo.completed_job()
        with pytest.raises(StaleVersion):
            await demo.svc.billing.approve(job.id, actor=ADMIN, expected_version=job.version - 1)


class TestSafetyLock:
    async def test_unapproved_job_is_never_sent_to_accounting(self, demo: Demo) -> None:
        """Even if the invoice task runs, a completed but unapproved job is not billed."""
        job = await demo.completed_job()
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.billing.sync_invoice(job.id)
        assert (PolicyRule.SAFETY_LOCK, 0) == (caught.value.rule, demo.system.accounting.calls)

    async def test_job_in_progress_is_never_sent_to_accounting(self, demo: Demo) -> None:
        """Work not completed is locked whatever asks for its invoice."""
        job = await demo.in_progress_job()
        with pytest.raises(PolicyViolation):
            await demo.svc.billing.sync_invoice(job.id)
        assert {} == demo.system.accounting.invoices

    async def test_running_the_task_twice_bills_once(self, demo: Demo) -> None:
        """The invoice task is idempotent: a synced job is left alone."""
        job = await demo.completed_job()
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        version = (await demo.job(job.id)).version
        again = await demo.svc.billing.sync_invoice(job.id)
        assert (version, 1) == (again.version, demo.system.accounting.calls)


class TestFailures:
    async def test_transient_failure_is_retried_then_succeeds(self, demo: Demo) -> None:
        """A QuickBooks outage fails the first attempt; the queue retries and it syncs."""
        job = await demo.completed_job()
        demo.system.accounting.fail_with.append(OUTAGE)
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        synced = await demo.job(job.id)
        assert (InvoiceState.SYNCED, None, 2) == (
            synced.invoice_state,
            synced.invoice_error,
            demo.system.accounting.calls,
        )
        assert ["invoice.failed", "invoice.synced"] == demo.events_for(job.id)[-2:]

    async def test_transient_failures_give_up_after_three_attempts(self, demo: Demo) -> None:
        """A long outage leaves the job FAILED with the message, for an admin to retry."""
        job = await demo.completed_job()
        demo.system.accounting.fail_with.extend([OUTAGE, OUTAGE, OUTAGE])
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        failed = await demo.job(job.id)
        assert (InvoiceState.FAILED, "QuickBooks: 503 Service Unavailable") == (
            failed.invoice_state,
            failed.invoice_error,
        )
        assert 1 == len(demo.system.tasks.failed)

    async def test_permanent_failure_keeps_the_message_and_approve_retries(
        self, demo: Demo
    ) -> None:
        """A refused invoice is FAILED with QuickBooks' message; approving again bills it."""
        job = await demo.completed_job()
        demo.system.accounting.fail_with.append(REFUSED)
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        failed = await demo.job(job.id)
        assert (InvoiceState.FAILED, "QuickBooks: Invalid customer [6000]", 1) == (
            failed.invoice_state,
            failed.invoice_error,
            demo.system.accounting.calls,
        )
        retried = await demo.svc.billing.retry(job.id, actor=ADMIN)
        assert (InvoiceState.PENDING_APPROVAL, None) == (
            retried.invoice_state,
            retried.invoice_error,
        )
        await demo.system.run_tasks()
        assert InvoiceState.SYNCED == (await demo.job(job.id)).invoice_state
        assert 1 == len(demo.system.accounting.invoices)

    async def test_not_configured_is_failed_with_a_reason(self, demo: Demo) -> None:
        """Without QuickBooks connected the invoice is FAILED, saying why."""
        job = await demo.completed_job()
        not_connected = NotConfigured("QuickBooks is not connected")
        demo.system.accounting.fail_with.append(not_connected)  # type: ignore[arg-type]
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        failed = await demo.job(job.id)
        assert (InvoiceState.FAILED, "QuickBooks is not connected") == (
            failed.invoice_state,
            failed.invoice_error,
        )
        assert ([], JobStatus.COMPLETED) == (demo.system.tasks.failed, failed.status)

    async def test_every_billing_step_is_audited(self, demo: Demo) -> None:
        """Approve, the failure, the re-approval and the sync each leave an audit entry."""
        job = await demo.completed_job()
        demo.system.accounting.fail_with.append(REFUSED)
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        timeline = await demo.timeline(job.id)
        assert ["approve", "invoice_failed", "approve", "invoice_synced"] == [
            e.action for e in timeline[-4:]
        ]
        assert {"system:billing"} == {e.actor for e in timeline if e.action.startswith("invoice")}
        assert len(timeline) == (await demo.job(job.id)).version

    async def test_learned_quickbooks_ids_are_kept(self, demo: Demo) -> None:
        """After the first invoice, the dealership and service remember their QuickBooks ids."""
        job = await demo.completed_job()
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        dealer = await demo.svc.admin.get("dealerships", job.dealership_id)
        service = await demo.svc.admin.get("services", job.service_id)  # type: ignore[arg-type]
        assert ("1", "1") == (dealer.qb_customer_id, service.qb_item_id)


def invoicing(tasks: list[TaskPayload]) -> list[TaskPayload]:
    """The invoicing tasks among those queued (job changes also queue notices)."""
    return [task for task in tasks if isinstance(task, SyncInvoice)]
