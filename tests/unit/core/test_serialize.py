"""The one JSON shape of a job, shared by the API and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from sm2_core.domain.enums import JobStatus, Urgency
from sm2_core.domain.job import Completion, Job, Part, Vehicle
from sm2_core.domain.notices import NoticeKind
from sm2_core.domain.records import AuditEntry
from sm2_core.serialize import audit_primitives, job_detail_primitives, job_primitives, plain

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
#: CONTRACT.md: "A job in JSON has at least" these fields.
CONTRACT_FIELDS = {
    "id", "job_code", "dealership_id", "tech_id", "service_id", "service_code", "vehicle_data",
    "urgency", "ranking_score", "applied_rules", "status", "invoice_state", "parsing_confidence",
    "qb_invoice_id", "review_reasons", "version", "created_at", "updated_at",
}  # fmt: skip
JOB = Job(
    id=uuid4(),
    job_code="SM2-2026-014",
    dealership_id=uuid4(),
    vehicle=Vehicle(year=2023, make="Audi", model="Q5", vin="WA1BNAFY4PP057830"),
    created_at=NOW,
    updated_at=NOW,
    urgency=Urgency.HIGH,
    status=JobStatus.COMPLETED,
    review_reasons=("Manual verification required (Audi rule)",),
    completion=Completion("Done", 45, (Part("Key fob", 2),), completed_at=NOW),
)


class TestJob:
    def test_is_json_ready(self) -> None:
        """Nothing but JSON primitives: json.dumps takes it as it is."""
        assert job_primitives(JOB) == json.loads(json.dumps(job_primitives(JOB)))

    def test_has_the_contract_fields(self) -> None:
        """Every contract field, the vehicle as ``vehicle_data``, and the review flag."""
        data = job_primitives(JOB)
        assert set() == CONTRACT_FIELDS - set(data)
        assert "vehicle" not in data
        assert {"year": 2023, "make": "Audi", "model": "Q5", "vin": "WA1BNAFY4PP057830"} == {
            k: v for k, v in data["vehicle_data"].items() if v is not None
        }
        assert (True, "HIGH", "2026-03-02T14:30:00+00:00") == (
            data["awaiting_verification"],
            data["urgency"],
            data["created_at"],
        )

    def test_completion_parts_are_objects(self) -> None:
        """A completed job's parts are listed by name and quantity."""
        assert [{"name": "Key fob", "quantity": 2}] == job_primitives(JOB)["completion"]["parts"]


class TestDetail:
    def test_timeline_follows_the_job(self) -> None:
        """The detail is the job plus its audit entries, each with its id."""
        entry = AuditEntry(
            id=uuid4(),
            subject="job",
            subject_id=JOB.id,
            action="verify",
            actor="admin:alice",
            at=NOW,
            new_values={"verified_by": "admin:alice"},
        )
        detail = job_detail_primitives(JOB, [entry])
        assert [audit_primitives(entry)] == detail["audit_timeline"]
        assert {"id", "action", "actor", "at", "old_values", "new_values"} == set(
            detail["audit_timeline"][0]
        )
        assert job_primitives(JOB) == {k: v for k, v in detail.items() if k != "audit_timeline"}


class TestSets:
    def test_enum_members_in_their_enum_s_order_anything_else_sorted(self) -> None:
        """A set prints the same way every time, enum members in the order their meaning has
        (a dealership's status texts: assigned, started, completed)."""
        texts = frozenset({NoticeKind.COMPLETED, NoticeKind.ASSIGNED, NoticeKind.STARTED})
        assert [["assigned", "started", "completed"], ["OIL", "PDI"]] == plain(
            [texts, {"PDI", "OIL"}]
        )
