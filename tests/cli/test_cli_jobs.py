"""``sm2 jobs``: the board, one job, and the lifecycle steps with their refusals."""

from __future__ import annotations

import asyncio
import json

import pytest
from cli_support import (
    AUDI,
    FORD,
    JULIE_OIL,
    MARC_KEYS,
    TOYOTA,
    Sm2,
    assert_ok,
    assert_refused,
    codes,
    completed_job,
    job,
    texts_in,
)

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.enums import JobStatus, Role
from sm2_core.domain.job import Vehicle
from sm2_core.domain.records import Actor

#: CONTRACT.md: "A job in JSON has at least" these fields.
JOB_FIELDS = {
    "id", "job_code", "dealership_id", "tech_id", "service_id", "service_code", "vehicle_data",
    "urgency", "ranking_score", "applied_rules", "status", "invoice_state", "parsing_confidence",
    "qb_invoice_id", "review_reasons", "version", "created_at", "updated_at",
}  # fmt: skip
VEHICLE_FIELDS = {"year", "make", "model", "vin", "stock_no"}
AUDI_JOB, TOYOTA_JOB, FORD_JOB = "SM2-2026-001", "SM2-2026-002", "SM2-2026-003"


@pytest.fixture
def board(system: MemorySystem) -> MemorySystem:
    """Three jobs: Audi keys (held for the Audi rule), Toyota oil change, Ford tires."""
    texts_in(system, AUDI, TOYOTA, FORD)
    return system


class TestList:
    def test_table_lists_the_board_most_urgent_first(self, sm2: Sm2, board: MemorySystem) -> None:
        """Every job once, HIGH before LOW; the Audi job is marked for verification."""
        result = sm2("jobs", "list")
        assert_ok(result)
        assert [AUDI_JOB, TOYOTA_JOB, FORD_JOB] == codes(result)
        audi_line = next(line for line in result.stdout.splitlines() if AUDI_JOB in line)
        assert "verify" in audi_line

    def test_json_has_the_contract_fields(self, sm2: Sm2, board: MemorySystem) -> None:
        """``--json``: ``items`` with CONTRACT's job fields and ``next_cursor``."""
        page = json.loads(sm2("jobs", "list", "--json").stdout)
        assert page["next_cursor"] is None
        assert 3 == len(page["items"])
        for item in page["items"]:
            assert set() == JOB_FIELDS - set(item)
            assert VEHICLE_FIELDS == set(item["vehicle_data"])
        audi = page["items"][0]
        assert (AUDI_JOB, "KEY_PROGRAMMING", "PENDING") == (
            audi["job_code"],
            audi["service_code"],
            audi["status"],
        )
        assert "WA1BNAFY4PP057830" == audi["vehicle_data"]["vin"]

    def test_empty_board(self, sm2: Sm2) -> None:
        """No jobs: the table says so and the JSON has no items."""
        assert "no jobs" == sm2("jobs", "list").stdout.strip()
        assert [] == json.loads(sm2("jobs", "list", "--json").stdout)["items"]

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (("--status", "cancelled"), [FORD_JOB]),
            (("--urgency", "LOW"), [FORD_JOB]),
            (("--dealership", "+1 418 555 0103"), [TOYOTA_JOB]),
            (("--technician", JULIE_OIL), [TOYOTA_JOB]),
            (("-q", "RAV4"), [TOYOTA_JOB]),
            (("-q", "T21-0456"), [FORD_JOB]),
            (("--vin", "WA1BNAFY4PP057830"), [AUDI_JOB]),
        ],
        ids=["status", "urgency", "dealership-phone", "technician-phone", "q-model", "q-stock",
             "vin"],
    )  # fmt: skip
    def test_filters(
        self, sm2: Sm2, board: MemorySystem, args: tuple[str, ...], expected: list[str]
    ) -> None:
        """Each filter narrows the board to the matching jobs."""
        assert_ok(sm2("jobs", "cancel", FORD_JOB, "--reason", "sold"))
        assert_ok(sm2("jobs", "assign", TOYOTA_JOB, JULIE_OIL))
        result = sm2("jobs", "list", *args)
        assert_ok(result)
        assert expected == codes(result)

    @pytest.mark.parametrize("option", ["--status", "--urgency", "--invoice-state"])
    def test_bad_enum_value_is_a_usage_error(self, sm2: Sm2, option: str) -> None:
        """A value outside the enum exits 2."""
        assert_refused(sm2("jobs", "list", option, "BOGUS"), "Invalid value", exit_code=2)

    def test_pages_with_limit_and_cursor(self, sm2: Sm2, board: MemorySystem) -> None:
        """``--limit 2`` shows two jobs and the cursor that gives the rest."""
        first = sm2("jobs", "list", "--limit", "2")
        assert [AUDI_JOB, TOYOTA_JOB] == codes(first)
        cursor = first.stdout.splitlines()[-1].removeprefix("more: --cursor ")
        assert (
            cursor
            == json.loads(sm2("jobs", "list", "--limit", "2", "--json").stdout)["next_cursor"]
        )
        rest = sm2("jobs", "list", "--limit", "2", "--cursor", cursor)
        assert [FORD_JOB] == codes(rest)
        assert "more:" not in rest.stdout

    @pytest.mark.parametrize(
        ("option", "expected"),
        [("--created-after", [AUDI_JOB, TOYOTA_JOB, FORD_JOB]), ("--created-before", [])],
    )
    def test_created_window(
        self, sm2: Sm2, board: MemorySystem, option: str, expected: list[str]
    ) -> None:
        """A date as people type it (2026-01-01) bounds the creation time, jobs being of 2026-11."""
        result = sm2("jobs", "list", option, "2026-01-01")
        assert_ok(result)
        assert expected == codes(result)

    def test_unknown_dealership_phone_is_refused(self, sm2: Sm2) -> None:
        """A phone no dealership has: exit 1 "not found"."""
        assert_refused(sm2("jobs", "list", "--dealership", "+14185550999"), "not found")


class TestShow:
    def test_table_with_review_reasons_and_timeline(self, sm2: Sm2, board: MemorySystem) -> None:
        """The job line, why it is held, and its audit timeline."""
        result = sm2("jobs", "show", AUDI_JOB)
        assert_ok(result)
        assert [AUDI_JOB] == codes(result)[:1]
        assert "review: Manual verification required (Audi rule)" in result.stdout
        assert "create" in result.stdout

    def test_json_has_audit_timeline(self, sm2: Sm2, board: MemorySystem) -> None:
        """``--json``: the contract fields plus ``audit_timeline`` in order of events, each entry
        shaped as the API's."""
        assert_ok(sm2("jobs", "verify", AUDI_JOB))
        assert_ok(sm2("jobs", "assign", AUDI_JOB, MARC_KEYS))
        data = json.loads(sm2("jobs", "show", AUDI_JOB, "--json").stdout)
        assert set() == JOB_FIELDS - set(data)
        assert ["create", "verify", "assign"] == [e["action"] for e in data["audit_timeline"]]
        assert {"id", "action", "actor", "at", "old_values", "new_values"} == set(
            data["audit_timeline"][-1]
        )
        assert "cli" == data["audit_timeline"][-1]["actor"]

    def test_by_id(self, sm2: Sm2, board: MemorySystem) -> None:
        """The job's id works as well as its code."""
        job_id = str(job(board, TOYOTA_JOB).id)
        assert TOYOTA_JOB == json.loads(sm2("jobs", "show", job_id, "--json").stdout)["job_code"]

    @pytest.mark.parametrize("reference", ["SM2-2026-999", "00000000-0000-4000-8000-000000000999"])
    def test_unknown_job_is_not_found(self, sm2: Sm2, reference: str) -> None:
        """An unknown code or id: exit 1 "not found"."""
        assert_refused(sm2("jobs", "show", reference), f"job {reference} not found")


class TestLifecycle:
    def test_assign_before_verify_is_refused_by_the_audi_rule(
        self, sm2: Sm2, board: MemorySystem
    ) -> None:
        """An Audi job cannot be assigned before an admin verifies it; it stays PENDING."""
        result = sm2("jobs", "assign", AUDI_JOB, MARC_KEYS)
        assert_refused(result, "Manual verification required (Audi rule)")
        assert "" == result.stdout
        assert JobStatus.PENDING == job(board, AUDI_JOB).status

    def test_verify_then_assign_then_unassign(self, sm2: Sm2, board: MemorySystem) -> None:
        """verify clears the hold, assign schedules, unassign gives the job back."""
        assert f"{AUDI_JOB}: PENDING, version 2" == sm2("jobs", "verify", AUDI_JOB).stdout.strip()
        assigned = sm2("jobs", "assign", AUDI_JOB, MARC_KEYS, "--json")
        assert_ok(assigned)
        data = json.loads(assigned.stdout)
        assert ("SCHEDULED", 3) == (data["status"], data["version"])
        assert str(job(board, AUDI_JOB).tech_id) == data["tech_id"]
        assert f"{AUDI_JOB}: PENDING, version 4" == sm2("jobs", "unassign", AUDI_JOB).stdout.strip()
        assert job(board, AUDI_JOB).tech_id is None

    def test_assign_uncertified_technician_is_refused(self, sm2: Sm2, board: MemorySystem) -> None:
        """Julie does oil changes, not keys: exit 1 with the certification rule's message."""
        assert_ok(sm2("jobs", "verify", AUDI_JOB))
        result = sm2("jobs", "assign", AUDI_JOB, JULIE_OIL)
        assert_refused(result, "Julie Tremblay is not certified for KEY_PROGRAMMING")

    def test_assign_unknown_technician_is_refused(self, sm2: Sm2, board: MemorySystem) -> None:
        """A phone no technician has: exit 1 "not found"."""
        assert_refused(sm2("jobs", "assign", TOYOTA_JOB, "+14185550999"), "not found")

    def test_assign_job_without_service_is_refused(self, sm2: Sm2, system: MemorySystem) -> None:
        """A hand-made job without a service is held for review, and even verified, refused."""

        async def create() -> str:
            async with system.uow() as uow:
                dealer = await uow.dealerships.by_phone(TOYOTA[0])
            assert dealer is not None
            made = await system.services.intake.create_job(
                dealership_id=dealer.id,
                service_code=None,
                vehicle=Vehicle(year=2022, make="Toyota", model="RAV4"),
                actor=Actor(name="test-admin", role=Role.ADMIN),
            )
            return made.job_code

        code = asyncio.run(create())
        held = sm2("jobs", "assign", code, JULIE_OIL)
        assert_refused(held, "Manual review required: Service not recognised")
        assert_ok(sm2("jobs", "verify", code))
        assert_refused(sm2("jobs", "assign", code, JULIE_OIL), "The job has no service")

    def test_stale_version_is_refused(self, sm2: Sm2, board: MemorySystem) -> None:
        """``--version`` older than the job's: exit 1 "changed by someone else", no change."""
        assert_ok(sm2("jobs", "assign", TOYOTA_JOB, JULIE_OIL, "--version", "1"))
        result = sm2("jobs", "unassign", TOYOTA_JOB, "--version", "1")
        assert_refused(result, "was changed by someone else (version 2, you had 1)")
        assert JobStatus.SCHEDULED == job(board, TOYOTA_JOB).status

    def test_verify_without_hold_is_refused(self, sm2: Sm2, board: MemorySystem) -> None:
        """Verifying a job that is not held: exit 1."""
        result = sm2("jobs", "verify", TOYOTA_JOB)
        assert_refused(result, f"Job {TOYOTA_JOB} is not waiting for verification")

    def test_cancel_needs_a_reason(self, sm2: Sm2, board: MemorySystem) -> None:
        """``cancel`` without ``--reason`` exits 2; with one the job is CANCELLED."""
        assert 2 == sm2("jobs", "cancel", FORD_JOB).exit_code
        assert f"{FORD_JOB}: CANCELLED, version 2" == (
            sm2("jobs", "cancel", FORD_JOB, "--reason", "sold").stdout.strip()
        )
        assert "sold" == job(board, FORD_JOB).cancel_reason

    def test_cancel_a_completed_job_is_refused(self, sm2: Sm2, board: MemorySystem) -> None:
        """A COMPLETED job cannot be cancelled."""
        completed_job(board, TOYOTA_JOB, JULIE_OIL)
        result = sm2("jobs", "cancel", TOYOTA_JOB, "--reason", "oops")
        assert_refused(result, f"Cannot cancel job {TOYOTA_JOB}: it is COMPLETED")

    def test_approve_invoices_a_completed_job(self, sm2: Sm2, board: MemorySystem) -> None:
        """Approving a COMPLETED job queues its invoice, which the fake QuickBooks syncs."""
        completed_job(board, TOYOTA_JOB, JULIE_OIL)
        assert_ok(sm2("jobs", "approve", TOYOTA_JOB))
        data = json.loads(sm2("jobs", "show", TOYOTA_JOB, "--json").stdout)
        assert ("SYNCED", "1000") == (data["invoice_state"], data["qb_invoice_id"])
        assert 1 == len(board.accounting.invoices)

    def test_approve_a_pending_job_is_refused(self, sm2: Sm2, board: MemorySystem) -> None:
        """Only a COMPLETED job can be approved: exit 1, nothing invoiced."""
        result = sm2("jobs", "approve", TOYOTA_JOB)
        assert_refused(result, "Only a COMPLETED job can be approved")
        assert {} == board.accounting.invoices
