"""The invoice's lines as the core prices them (``sm2_core.invoicing``): pure, no store."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.enums import InvoiceState, JobStatus, Language, Role
from sm2_core.domain.invoice import InvoiceLine, LineAdjustment, LineKind, cents, line_keys
from sm2_core.domain.job import Completion, Job, Part, Vehicle
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from sm2_core.invoicing import (
    UNKNOWN_PART,
    LineChange,
    Pricing,
    Stage,
    adjust,
    draft_lines,
    find_part,
    labour_hours,
    preview,
)

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
TECH = Actor(name="tech:julie", role=Role.TECH, technician_id=uuid4())
OIL = Service(
    id=uuid4(), code="OIL_CHANGE", name="Oil change", name_fr="Vidange", base_price=Decimal("89.95")
)
FORD = Dealership(id=uuid4(), name="Ford Lévis", phone="+14185550102", email="a@b.c")
FILTER = CatalogPart(id=uuid4(), name="Oil filter", price=Decimal("12.99"), sku="OF-2231")
LITRE = CatalogPart(id=uuid4(), name="Engine oil (1 L)", price=Decimal("9.50"), sku="OIL-5W30")
RETIRED = CatalogPart(id=uuid4(), name="Old filter", price=Decimal("5"), is_active=False)
CATALOG = (FILTER, LITRE, RETIRED)
PRICING = Pricing(service=OIL, dealership=FORD, catalog=CATALOG)


def job(*parts: Part, minutes: int = 30, **kw: object) -> Job:
    values: dict[str, object] = {
        "id": uuid4(),
        "job_code": "SM2-2026-042",
        "dealership_id": FORD.id,
        "vehicle": Vehicle(year=2024, make="Ford", model="F-150", vin="1FTFW1E50PFA12345"),
        "created_at": T0,
        "updated_at": T0,
        "service_id": OIL.id,
        "service_code": OIL.code,
        "status": JobStatus.COMPLETED,
        "invoice_state": InvoiceState.PENDING_APPROVAL,
        "completion": Completion(notes="done", labour_minutes=minutes, parts=parts),
    }
    return Job(**(values | kw))  # type: ignore[arg-type]


class TestLines:
    def test_the_service_alone_within_the_included_hour(self) -> None:
        """No parts, 30 minutes of a service that includes 60: one line at the base price,
        naming the service in the dealership's language, the vehicle, its VIN and the job."""
        (line,) = draft_lines(job(), PRICING)
        assert (LineKind.SERVICE, Decimal("1"), Decimal("89.95"), None) == (
            line.kind,
            line.quantity,
            line.unit_price,
            line.flag,
        )
        assert "Vidange — Ford F-150 2024 — VIN 1FTFW1E50PFA12345 — SM2-2026-042" == (
            line.description
        )

    def test_the_dealerships_own_price_wins(self) -> None:
        """An active price of the dealership for the service replaces the base price."""
        own = DealershipPrice(uuid4(), FORD.id, "OIL_CHANGE", Decimal("79.95"))
        priced = attrs.evolve(PRICING, dealer_price=own)
        assert Decimal("79.95") == draft_lines(job(), priced)[0].unit_price
        retired = attrs.evolve(PRICING, dealer_price=attrs.evolve(own, is_active=False))
        assert Decimal("89.95") == draft_lines(job(), retired)[0].unit_price

    def test_parts_at_catalog_prices_by_name_or_sku(self) -> None:
        """Each reported part is a line at its catalog price, named as the catalog names it."""
        lines = draft_lines(job(Part("  oil FILTER", 1), Part("oil-5w30", 5)), PRICING)
        assert [("Oil filter", 1, "12.99", "12.99"), ("Engine oil (1 L)", 5, "9.50", "47.50")] == [
            (line.description, line.quantity, str(line.unit_price), str(line.amount))
            for line in lines[1:]
        ]

    def test_an_unknown_part_is_billed_at_zero_and_flagged(self) -> None:
        """A part the catalog lacks (or has retired) bills nothing and asks for a look."""
        lines = draft_lines(job(Part("Mystery  clip", 2), Part("Old filter", 1)), PRICING)
        assert [
            ("Mystery clip", Decimal("0.00"), UNKNOWN_PART),
            ("Old filter", Decimal("0.00"), UNKNOWN_PART),
        ] == [(line.description, line.amount, line.flag) for line in lines[1:]]

    def test_labour_beyond_the_included_minutes_at_the_hourly_rate(self) -> None:
        """105 minutes of a service that includes 60: 0.75 h at the dealership's rate."""
        rate = attrs.evolve(PRICING, dealership=attrs.evolve(FORD, hourly_rate=Decimal("110")))
        labour = draft_lines(job(minutes=105), rate)[-1]
        assert (LineKind.LABOUR, Decimal("0.75"), Decimal("110"), Decimal("82.50")) == (
            labour.kind,
            labour.quantity,
            labour.unit_price,
            labour.amount,
        )
        assert "Main-d'œuvre : 45 min au-delà des 60 min incluses" == labour.description

    def test_labour_in_english_for_an_english_dealership(self) -> None:
        english = attrs.evolve(PRICING, dealership=attrs.evolve(FORD, language=Language.EN))
        labour = draft_lines(job(minutes=90), english)[-1]
        assert "Labour: 30 min beyond the 60 min included" == labour.description

    def test_a_service_that_includes_no_labour_bills_every_minute(self) -> None:
        bare = attrs.evolve(PRICING, service=attrs.evolve(OIL, included_minutes=0))
        assert Decimal("0.17") == draft_lines(job(minutes=10), bare)[-1].quantity

    def test_the_lines_keys(self) -> None:
        """service, part-1, part-2..., labour: the keys adjustments name lines by."""
        lines = draft_lines(job(Part("Oil filter"), Part("x"), minutes=61), PRICING)
        assert ("service", "part-1", "part-2", "labour") == line_keys(lines)

    def test_find_part_prefers_a_name_to_a_sku(self) -> None:
        """A word that is one part's name and another's SKU names the first."""
        named = CatalogPart(uuid4(), "AB-1", Decimal("1"))
        coded = CatalogPart(uuid4(), "Other", Decimal("2"), sku="ab-1")
        assert named == find_part("ab-1", (coded, named))


class TestStages:
    @pytest.mark.parametrize(
        ("status", "state", "approved", "stage"),
        [
            (JobStatus.IN_PROGRESS, InvoiceState.NOT_STARTED, False, Stage.ESTIMATE),
            (JobStatus.COMPLETED, InvoiceState.PENDING_APPROVAL, False, Stage.DRAFT),
            (JobStatus.COMPLETED, InvoiceState.FAILED, True, Stage.DRAFT),
            (JobStatus.COMPLETED, InvoiceState.PENDING_APPROVAL, True, Stage.APPROVED),
            (JobStatus.COMPLETED, InvoiceState.SYNCED, True, Stage.INVOICED),
            (JobStatus.COMPLETED, InvoiceState.PAID, True, Stage.INVOICED),
        ],
    )
    def test_stage_by_status_and_invoice(
        self, status: JobStatus, state: InvoiceState, approved: bool, stage: Stage
    ) -> None:
        done = job(status=status, invoice_state=state, approved_at=T0 if approved else None)
        assert stage == preview(done, PRICING).stage

    def test_an_estimate_bills_the_service_alone(self) -> None:
        """Before completion the report is not known: the service line alone."""
        started = job(status=JobStatus.IN_PROGRESS, completion=None)
        assert [LineKind.SERVICE] == [p.line.kind for p in preview(started, PRICING).lines]

    def test_approved_lines_stand_whatever_the_catalog_says(self) -> None:
        """Once approved, the lines are those approved, not the catalog's of today."""
        approved = draft_lines(job(Part("Oil filter", 2)), PRICING)
        done = job(Part("Oil filter", 2), approved_at=T0, invoice_lines=approved)
        dearer = attrs.evolve(PRICING, catalog=(attrs.evolve(FILTER, price=Decimal("99")),))
        shown = preview(done, dearer)
        assert (Stage.APPROVED, approved) == (shown.stage, shown.invoice_lines)


def adjusted(done: Job, change: LineChange, actor: Actor = ADMIN) -> Job:
    return adjust(preview(done, PRICING), change, actor=actor, now=T0).job


class TestAdjust:
    def test_an_adjustment_bills_the_line_otherwise_and_is_audited(self) -> None:
        """Quantity and price of the unknown part, with a reason: billed so, the flag checked,
        the audit entry says what the line was and became, and why."""
        done = job(Part("Mystery clip", 2))
        change = adjust(
            preview(done, PRICING),
            LineChange("part-1", " Clips from  stock ", unit_price=Decimal("1.25")),
            actor=ADMIN,
            now=T0,
        )
        shown = preview(change.job, PRICING)
        clip = shown.lines[1]
        assert (Decimal("2.50"), UNKNOWN_PART, False) == (
            clip.line.amount,
            clip.line.flag,
            clip.unchecked,
        )
        assert (
            "invoice_adjust",
            "Mystery clip: 2 × 0.00 = 0.00",
            "Mystery clip: 2 × 1.25 = 2.50 (Clips from stock)",
        ) == (
            change.audit.action,
            change.audit.old_values["invoice_line"],
            change.audit.new_values["invoice_line"],
        )
        assert "job.updated" == change.event.name

    def test_a_second_adjustment_keeps_what_it_does_not_change(self) -> None:
        """Price first, quantity next: the line has both, one adjustment, the latest reason."""
        done = job(Part("Oil filter", 1))
        first = adjusted(done, LineChange("part-1", "discount", unit_price=Decimal("10")))
        second = adjusted(first, LineChange("part-1", "two fitted", quantity=Decimal("2")))
        (made,) = second.invoice_adjustments
        assert ("two fitted", Decimal("2"), Decimal("10.00")) == (
            made.reason,
            made.quantity,
            made.unit_price,
        )
        assert Decimal("20.00") == preview(second, PRICING).lines[1].line.amount

    def test_quantity_zero_leaves_the_line_at_nothing(self) -> None:
        done = job(Part("Oil filter", 1))
        after = adjusted(done, LineChange("part-1", "not fitted", quantity=Decimal("0")))
        assert Decimal("89.95") == preview(after, PRICING).subtotal

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (LineChange("service", "   ", unit_price=Decimal("1")), "reason"),
            (LineChange("service", "x" * 501, unit_price=Decimal("1")), "reason"),
            (LineChange("service", "why"), "quantity"),
            (LineChange("service", "why", quantity=Decimal("-1")), "quantity"),
            (LineChange("service", "why", quantity=Decimal("0.333")), "quantity"),
            (LineChange("service", "why", quantity=Decimal("10000.01")), "quantity"),
            (LineChange("service", "why", quantity=Decimal("NaN")), "quantity"),
            (LineChange("service", "why", unit_price=Decimal("-0.01")), "unit_price"),
            (LineChange("service", "why", unit_price=Decimal("1.005")), "unit_price"),
            (LineChange("service", "why", unit_price=Decimal("Infinity")), "unit_price"),
        ],
    )
    def test_refusals_name_the_field(self, change: LineChange, field: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            adjusted(job(), change)
        assert [field] == list(caught.value.fields)

    def test_a_total_the_books_cannot_hold_is_refused(self) -> None:
        with pytest.raises(InvalidInput):
            adjusted(job(), LineChange("service", "why", Decimal("2"), Decimal("9999999999")))

    def test_an_unknown_line_is_not_found(self) -> None:
        """A key the invoice does not have (no labour here) names the lines it has."""
        with pytest.raises(NotFound, match="service, part-1"):
            adjusted(job(Part("x")), LineChange("labour", "why", quantity=Decimal("1")))

    def test_only_an_admin_adjusts(self) -> None:
        with pytest.raises(PermissionDenied):
            adjusted(job(), LineChange("service", "why", quantity=Decimal("1")), actor=TECH)

    @pytest.mark.parametrize(
        "kw",
        [
            {"status": JobStatus.IN_PROGRESS, "invoice_state": InvoiceState.NOT_STARTED},
            {"approved_at": T0},
            {"approved_at": T0, "invoice_state": InvoiceState.SYNCED},
        ],
        ids=["not completed", "approved", "invoiced"],
    )
    def test_not_before_completion_nor_after_approval(self, kw: dict[str, object]) -> None:
        with pytest.raises(InvalidTransition):
            adjusted(job(**kw), LineChange("service", "why", quantity=Decimal("1")))

    def test_a_failed_invoice_may_be_adjusted_before_its_retry(self) -> None:
        failed = job(approved_at=T0, invoice_state=InvoiceState.FAILED)
        after = adjusted(failed, LineChange("service", "why", unit_price=Decimal("80")))
        assert Decimal("80.00") == preview(after, PRICING).subtotal

    def test_an_adjustment_whose_line_is_gone_is_left_out(self) -> None:
        """Labour adjusted, then the service includes more minutes: no labour line remains."""
        labour = LineAdjustment("labour", "why", "admin:alice", T0, Decimal("1"))
        done = job(minutes=90, invoice_adjustments=(labour,))
        roomier = attrs.evolve(PRICING, service=attrs.evolve(OIL, included_minutes=120))
        assert ["service"] == [p.key for p in preview(done, roomier).lines]


_money = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)
_parts = st.lists(
    st.tuples(
        st.sampled_from(["Oil filter", "OF-2231", "oil-5w30", "Mystery", "Old filter"]),
        st.integers(min_value=1, max_value=500),
    ),
    max_size=8,
)


class TestProperties:
    @given(
        parts=_parts,
        minutes=st.integers(min_value=0, max_value=2000),
        included=st.integers(min_value=0, max_value=1440),
        rate=_money,
        base=_money,
    )
    def test_subtotal_is_the_sum_of_cent_amounts_and_labour_never_negative(
        self,
        parts: list[tuple[str, int]],
        minutes: int,
        included: int,
        rate: Decimal,
        base: Decimal,
    ) -> None:
        """Every amount is quantity × unit price to the cent; the subtotal is their sum; a
        labour line exists only for minutes beyond the included ones, and is positive."""
        pricing = Pricing(
            service=attrs.evolve(OIL, base_price=base, included_minutes=included),
            dealership=attrs.evolve(FORD, hourly_rate=rate),
            catalog=CATALOG,
        )
        shown = preview(job(*(Part(n, q) for n, q in parts), minutes=minutes), pricing)
        lines = shown.invoice_lines
        for line in lines:
            assert line.amount == cents(line.quantity * line.unit_price)
            assert line.amount == line.amount.quantize(Decimal("0.01"))
        assert shown.subtotal == sum((line.amount for line in lines), Decimal(0))
        labour = [line for line in lines if line.kind is LineKind.LABOUR]
        assert bool(labour) == (minutes > included)
        assert all(line.quantity > 0 for line in labour)
        assert len(lines) == 1 + len(parts) + len(labour)

    @given(minutes=st.integers(min_value=1, max_value=100_000))
    def test_hours_are_minutes_to_the_hundredth(self, minutes: int) -> None:
        """Never more than half a hundredth of an hour (18 s) from the minutes worked."""
        hours = labour_hours(minutes)
        assert hours > 0
        assert abs(hours * 60 - minutes) <= Decimal("0.3")

    @given(quantity=_money, price=_money)
    def test_an_adjusted_line_bills_its_quantity_times_its_price(
        self, quantity: Decimal, price: Decimal
    ) -> None:
        done = adjusted(job(Part("Mystery")), LineChange("part-1", "why", quantity, price))
        line = preview(done, PRICING).lines[1].line
        assert (quantity, price, cents(quantity * price)) == (
            line.quantity,
            line.unit_price,
            line.amount,
        )


def test_lines_are_what_the_invoice_record_keeps() -> None:
    """The kinds and flags the record's lines carry are the builder's."""
    line = draft_lines(job(Part("Mystery")), PRICING)[1]
    assert InvoiceLine(LineKind.PART, "Mystery", Decimal(1), Decimal("0.00"), UNKNOWN_PART) == line
