"""The invoice's payment state, decided from what QuickBooks says (``sm2_core.payments``), and
the lifecycle step that records it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sm2_core import lifecycle
from sm2_core.domain.enums import InvoiceState, JobStatus
from sm2_core.domain.invoice import Invoice
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.payments import InvoiceFacts
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidTransition
from sm2_core.payments import amounts, first_record, next_state, payment_state, settle

T0 = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
QB = Actor.system("quickbooks")


def synced_job(state: InvoiceState = InvoiceState.SYNCED) -> Job:
    return Job(
        id=uuid4(),
        job_code="SM2-2026-007",
        dealership_id=uuid4(),
        vehicle=Vehicle(make="Ford", model="F-150"),
        created_at=T0,
        updated_at=T0,
        status=JobStatus.COMPLETED,
        approved_by="admin:alice",
        approved_at=T0,
        invoice_state=state,
        qb_invoice_id="130",
    )


def record(job: Job, **kw: object) -> Invoice:
    values: dict[str, object] = {
        "job_id": job.id,
        "qb_invoice_id": "130",
        "lines": (),
        "subtotal": Decimal("100.00"),
        "created_at": T0,
        "updated_at": T0,
        "total": Decimal("114.98"),
        "balance": Decimal("114.98"),
        "due_date": date(2026, 12, 25),
        "qb_updated_at": T0,
    }
    return Invoice(**(values | kw))  # type: ignore[arg-type]


def facts(**kw: object) -> InvoiceFacts:
    values: dict[str, object] = {
        "qb_invoice_id": "130",
        "total": Decimal("114.98"),
        "balance": Decimal("114.98"),
        "tax": Decimal("14.98"),
        "due_date": date(2026, 12, 25),
        "updated_at": T0 + timedelta(hours=1),
    }
    return InvoiceFacts(**(values | kw))  # type: ignore[arg-type]


class TestPaymentState:
    @pytest.mark.parametrize(
        ("balance", "due", "voided", "expected"),
        [
            ("114.98", date(2026, 12, 25), False, InvoiceState.SYNCED),
            ("0.00", date(2026, 12, 25), False, InvoiceState.PAID),
            ("0.00", date(2026, 1, 1), False, InvoiceState.PAID),
            ("50.00", date(2026, 12, 25), False, InvoiceState.PARTIALLY_PAID),
            ("50.00", date(2026, 11, 24), False, InvoiceState.OVERDUE),
            ("114.98", date(2026, 11, 24), False, InvoiceState.OVERDUE),
            ("114.98", TODAY, False, InvoiceState.SYNCED),
            ("0.00", date(2026, 12, 25), True, InvoiceState.VOIDED),
            ("-5.00", date(2026, 11, 1), False, InvoiceState.PAID),
        ],
    )
    def test_states(self, balance: str, due: date, voided: bool, expected: InvoiceState) -> None:
        """Paid at zero (or in credit), overdue from the day after the due date, voided first."""
        invoice = record(synced_job(), balance=Decimal(balance), due_date=due, voided=voided)
        assert expected is payment_state(invoice, today=TODAY)

    def test_no_amounts_yet_decides_nothing(self) -> None:
        """A record QuickBooks has said nothing of leaves the job as it is."""
        invoice = record(synced_job(), total=None, balance=None)
        assert payment_state(invoice, today=TODAY) is None

    @given(
        total=st.decimals(min_value=0, max_value=100_000, places=2),
        due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
        voided=st.booleans(),
    )
    def test_nothing_left_to_pay_is_paid_unless_voided(
        self, total: Decimal, due: date, voided: bool
    ) -> None:
        """A zero balance is PAID whatever the due date; VOIDED wins over everything."""
        invoice = record(synced_job(), total=total, balance=Decimal(0), due_date=due, voided=voided)
        expected = InvoiceState.VOIDED if voided else InvoiceState.PAID
        assert expected is payment_state(invoice, today=TODAY)

    @given(
        total=st.decimals(min_value=1, max_value=100_000, places=2),
        share=st.decimals(min_value=Decimal("0.01"), max_value=1, places=2),
        overdue=st.booleans(),
    )
    def test_something_left_is_never_paid(
        self, total: Decimal, share: Decimal, overdue: bool
    ) -> None:
        balance = max(Decimal("0.01"), (total * share).quantize(Decimal("0.01")))
        due = TODAY - timedelta(days=1) if overdue else TODAY
        state = payment_state(
            record(synced_job(), total=total, balance=balance, due_date=due), today=TODAY
        )
        assert state is not InvoiceState.PAID
        assert (state is InvoiceState.OVERDUE) == overdue


class TestSettle:
    def test_a_reading_fills_the_record(self) -> None:
        job = synced_job()
        after = settle(record(job), facts(balance=Decimal("0")), now=T0 + timedelta(hours=2))
        assert after is not None
        assert (Decimal("0.00"), T0 + timedelta(hours=1), T0 + timedelta(hours=2)) == (
            after.balance,
            after.qb_updated_at,
            after.updated_at,
        )

    def test_the_same_reading_twice_changes_nothing(self) -> None:
        """A repeated notification: the second reading finds nothing new."""
        job = synced_job()
        once = settle(record(job), facts(balance=Decimal("10")), now=T0)
        assert once is not None
        assert settle(once, facts(balance=Decimal("10")), now=T0 + timedelta(minutes=1)) is None

    def test_an_older_reading_changes_nothing(self) -> None:
        """A notification's slow task that read before the last one committed is ignored."""
        paid = record(synced_job(), balance=Decimal("0"), qb_updated_at=T0 + timedelta(hours=3))
        assert settle(paid, facts(updated_at=T0 + timedelta(hours=2)), now=T0) is None

    def test_a_deleted_invoice_is_voided(self) -> None:
        after = settle(record(synced_job()), InvoiceFacts.gone("130"), now=T0)
        assert after is not None
        assert (True, Decimal("0.00"), InvoiceState.VOIDED) == (
            after.voided,
            after.total,
            payment_state(after, today=TODAY),
        )

    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=10_000),
                st.decimals(min_value=0, max_value=114, places=2),
            ),
            min_size=1,
            max_size=8,
            unique_by=lambda t: t[0],
        ),
        st.randoms(use_true_random=False),
    )
    def test_never_goes_back_to_an_earlier_quickbooks_time(
        self, readings: list[tuple[int, Decimal]], rnd: object
    ) -> None:
        """Readings applied in any order leave the newest one recorded."""
        job = synced_job()
        invoice = record(job, qb_updated_at=None, balance=None, total=None)
        shuffled = list(readings)
        rnd.shuffle(shuffled)  # type: ignore[attr-defined]
        for seconds, balance in shuffled:
            reading = facts(balance=balance, updated_at=T0 + timedelta(seconds=seconds))
            invoice = settle(invoice, reading, now=T0) or invoice
        newest_seconds, newest_balance = max(readings)
        assert (T0 + timedelta(seconds=newest_seconds), newest_balance) == (
            invoice.qb_updated_at,
            invoice.balance,
        )


class TestFirstRecord:
    def test_made_from_quickbooks_alone(self) -> None:
        """An invoice synced before records were kept: no lines, subtotal = total less taxes."""
        job = synced_job()
        first = first_record(job, facts(), now=T0)
        assert ((), Decimal("100.00"), None) == (first.lines, first.subtotal, first.total)


class TestNextState:
    def test_only_invoices_in_quickbooks_move(self) -> None:
        job = attrs.evolve(synced_job(), invoice_state=InvoiceState.FAILED)
        assert next_state(job, record(job, balance=Decimal(0)), today=TODAY) is None

    def test_the_same_state_is_no_move(self) -> None:
        job = synced_job(InvoiceState.PAID)
        assert next_state(job, record(job, balance=Decimal(0)), today=TODAY) is None

    def test_a_removed_payment_takes_it_back_to_synced(self) -> None:
        job = synced_job(InvoiceState.PAID)
        assert InvoiceState.SYNCED is next_state(job, record(job), today=TODAY)


class TestLifecycleStep:
    def test_audits_state_and_amounts_and_announces(self) -> None:
        job = synced_job()
        before = record(job)
        after = record(job, balance=Decimal("0.00"))
        change = lifecycle.invoice_paid_state(
            job, InvoiceState.PAID, amounts=(amounts(before), amounts(after)), actor=QB, now=T0
        )
        assert InvoiceState.PAID is change.job.invoice_state
        assert ("invoice_payment", "system:quickbooks") == (change.audit.action, change.audit.actor)
        assert {"invoice_state": "SYNCED", "paid": "0.00", "balance": "114.98"} == (
            change.audit.old_values
        )
        assert {"invoice_state": "PAID", "paid": "114.98", "balance": "0.00"} == (
            change.audit.new_values
        )
        assert "invoice.updated" == change.event.name
        assert ("PAID", "0.00", "2026-12-25") == (
            change.event.data["invoice_state"],
            change.event.data["balance"],
            change.event.data["due_date"],
        )

    def test_refused_for_an_invoice_not_in_quickbooks(self) -> None:
        job = attrs.evolve(synced_job(), invoice_state=InvoiceState.PENDING_APPROVAL)
        with pytest.raises(InvalidTransition):
            lifecycle.invoice_paid_state(job, InvoiceState.PAID, amounts=({}, {}), actor=QB, now=T0)
