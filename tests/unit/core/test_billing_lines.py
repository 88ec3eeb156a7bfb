"""The billing service's invoice lines on the memory system: the preview at each stage, a
dispatcher's adjustments, approval fixing the lines, and the invoice recorded as billed."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from core_helpers import ADMIN, Demo, actions

from sm2_core.domain.enums import InvoiceState, PolicyRule
from sm2_core.domain.invoice import LineKind
from sm2_core.domain.job import Completion, Job, Part
from sm2_core.errors import (
    IntegrationError,
    InvalidTransition,
    NotFound,
    PolicyViolation,
    StaleVersion,
)
from sm2_core.invoicing import UNKNOWN_PART, LineChange, Stage

REPORT = Completion(
    notes="Filter, oil, clips",
    labour_minutes=105,
    parts=(Part("Oil filter", 1), Part("oil-5w30", 5), Part("Mystery clip", 2)),
)
CLIPS = LineChange("part-3", "Clips from our stock", unit_price=Decimal("1.25"))


async def reported(demo: Demo, report: Completion = REPORT, **kw: object) -> Job:
    job = await demo.in_progress_job(**kw)
    return await demo.svc.field.complete(job.id, report, actor=demo.as_tech("Julie"))


async def adjust(demo: Demo, job_id: UUID, change: LineChange = CLIPS) -> Job:
    job = await demo.job(job_id)
    await demo.svc.billing.adjust_line(job_id, change, actor=ADMIN, expected_version=job.version)
    return await demo.job(job_id)


class TestPreview:
    async def test_an_estimate_before_completion(self, demo: Demo) -> None:
        """Work in progress: the service line alone, not adjustable."""
        job = await demo.in_progress_job()
        shown = await demo.svc.billing.preview(job.id)
        assert (Stage.ESTIMATE, ["service"], False) == (
            shown.stage,
            [p.key for p in shown.lines],
            shown.adjustable,
        )

    async def test_a_completed_job_bills_service_parts_and_labour(self, demo: Demo) -> None:
        """The demo catalog prices the filter and the oil; the clips are flagged; 45 minutes
        beyond the included hour at the dealership's 95.00."""
        job = await reported(demo)
        shown = await demo.svc.billing.preview(job.id)
        assert [
            ("service", "89.95", None),
            ("part-1", "12.99", None),
            ("part-2", "47.50", None),
            ("part-3", "0.00", UNKNOWN_PART),
            ("labour", "71.25", None),
        ] == [(p.key, str(p.line.amount), p.line.flag) for p in shown.lines]
        assert (Stage.DRAFT, Decimal("221.69"), 1) == (
            shown.stage,
            shown.subtotal,
            len(shown.unchecked),
        )

    async def test_the_dealerships_own_price(self, demo: Demo) -> None:
        """Audi Québec's own price for key programming (the demo's prices.csv)."""
        job = await demo.new_job(dealer="Audi Québec", service="KEY_PROGRAMMING")
        assert Decimal("279.00") == (await demo.svc.billing.preview(job.id)).subtotal

    async def test_a_cancelled_job_bills_nothing(self, demo: Demo) -> None:
        job = await demo.new_job()
        await demo.svc.dispatch.cancel(job.id, "sold", actor=ADMIN)
        with pytest.raises(InvalidTransition, match="cancelled"):
            await demo.svc.billing.preview(job.id)

    async def test_a_job_without_a_service_bills_nothing(self, demo: Demo) -> None:
        job = await demo.new_job(service=None)
        with pytest.raises(PolicyViolation) as caught:
            await demo.svc.billing.preview(job.id)
        assert PolicyRule.BILLING == caught.value.rule

    async def test_an_unknown_job_is_not_found(self, demo: Demo) -> None:
        with pytest.raises(NotFound):
            await demo.svc.billing.preview(UUID(int=1))


class TestAdjustLine:
    async def test_the_adjustment_is_audited_and_announced(self, demo: Demo) -> None:
        """On the job's timeline with what the line was and became; the board hears of it."""
        job = await reported(demo)
        after = await demo.svc.billing.adjust_line(
            job.id, CLIPS, actor=ADMIN, expected_version=job.version
        )
        last = (await demo.timeline(job.id))[-1]
        assert (Decimal("224.19"), 0) == (after.subtotal, len(after.unchecked))
        assert ("invoice_adjust", "admin:alice") == (last.action, last.actor)
        assert (
            "Mystery clip: 2 × 1.25 = 2.50 (Clips from our stock)"
            == (last.new_values["invoice_line"])
        )
        assert "job.updated" == demo.events_for(job.id)[-1]

    async def test_a_stale_page_is_refused(self, demo: Demo) -> None:
        """Adjusted from a page that showed an older version: refused, nothing changed."""
        job = await reported(demo)
        await adjust(demo, job.id)
        with pytest.raises(StaleVersion):
            await demo.svc.billing.adjust_line(
                job.id, CLIPS, actor=ADMIN, expected_version=job.version
            )

    async def test_no_adjustment_once_approved(self, demo: Demo) -> None:
        job = await reported(demo)
        approved = await demo.svc.billing.approve(job.id, actor=ADMIN)
        with pytest.raises(InvalidTransition, match="approved"):
            await demo.svc.billing.adjust_line(
                job.id, CLIPS, actor=ADMIN, expected_version=approved.version
            )


class TestApproval:
    async def test_flagged_lines_need_a_confirmation_when_asked(self, demo: Demo) -> None:
        """Unconfirmed, a flagged line nobody adjusted refuses the approval, naming it."""
        job = await reported(demo)
        with pytest.raises(PolicyViolation, match="Mystery clip"):
            await demo.svc.billing.approve(job.id, actor=ADMIN, confirm_flagged=False)
        assert not (await demo.job(job.id)).is_approved

    async def test_an_adjusted_flag_needs_no_confirmation(self, demo: Demo) -> None:
        """Adjusting the line is looking at it: the approval goes through, and its audit entry
        names the flagged line it approved."""
        job = await reported(demo)
        await adjust(demo, job.id)
        approved = await demo.svc.billing.approve(job.id, actor=ADMIN, confirm_flagged=False)
        entry = (await demo.timeline(job.id))[-1]
        assert approved.is_approved
        assert ["Mystery clip (not in the parts catalog, adjusted)"] == (
            entry.new_values["flagged_lines"]
        )

    async def test_approval_fixes_the_lines_billed(self, demo: Demo) -> None:
        """The lines approved are billed, though the catalog changed before the invoice went."""
        job = await reported(demo)
        await adjust(demo, job.id)
        approved = await demo.svc.billing.approve(job.id, actor=ADMIN)
        filter_ = next(p for p in await demo.svc.admin.all("parts") if p.name == "Oil filter")
        await demo.svc.admin.update("parts", filter_.id, {"price": Decimal("99.00")}, actor=ADMIN)
        await demo.system.run_tasks()
        request = demo.system.accounting.invoices[job.id]
        assert approved.invoice_lines == request.lines
        assert (Decimal("224.19"), Decimal("12.99")) == (
            request.amount,
            request.lines[1].unit_price,
        )
        assert (("Engine oil 5W-30 (1 L)", "OIL-5W30"), ("Oil filter", "OF-2231")) == (
            request.part_skus
        )
        assert approved.approved_at == request.approved_at

    async def test_the_invoice_is_recorded_as_billed(self, demo: Demo) -> None:
        """Once synced, the job's invoice record holds the lines and their subtotal."""
        job = await reported(demo)
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        synced = await demo.job(job.id)
        shown = await demo.svc.billing.preview(job.id)
        assert shown.invoice is not None
        assert (InvoiceState.SYNCED, Stage.INVOICED) == (synced.invoice_state, shown.stage)
        assert (synced.qb_invoice_id, synced.invoice_lines, Decimal("221.69")) == (
            shown.invoice.qb_invoice_id,
            shown.invoice.lines,
            shown.invoice.subtotal,
        )

    async def test_a_failed_invoice_is_adjusted_then_retried(self, demo: Demo) -> None:
        """QuickBooks refused it: the dispatcher adjusts a line, and the retry bills that."""
        job = await reported(demo)
        demo.system.accounting.fail_with.append(
            IntegrationError("QuickBooks", "refused", transient=False)
        )
        await demo.svc.billing.approve(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        assert InvoiceState.FAILED == (await demo.job(job.id)).invoice_state
        await adjust(demo, job.id, LineChange("labour", "Agreed: one hour", quantity=Decimal(1)))
        await demo.svc.billing.retry(job.id, actor=ADMIN)
        await demo.system.run_tasks()
        labour = demo.system.accounting.invoices[job.id].lines[-1]
        assert (LineKind.LABOUR, Decimal("1"), Decimal("95.00")) == (
            labour.kind,
            labour.quantity,
            labour.unit_price,
        )
        assert ["approve", "invoice_failed", "invoice_adjust", "approve", "invoice_synced"] == (
            actions(await demo.timeline(job.id))[-5:]
        )

    async def test_a_total_the_books_cannot_hold_is_refused(self, demo: Demo) -> None:
        """A catalog price times a technician's count beyond what invoices can hold."""
        gold = await demo.svc.admin.create(
            "parts", {"name": "Gold bar", "price": Decimal("9999999999.00")}, actor=ADMIN
        )
        job = await reported(demo, attrs.evolve(REPORT, parts=(Part(gold.name, 2),)))
        with pytest.raises(PolicyViolation, match="more than"):
            await demo.svc.billing.approve(job.id, actor=ADMIN)
