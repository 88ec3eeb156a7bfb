"""Migration 0018 on a database that already has jobs: their milestones come from the audit log
as the lifecycle would have stamped them, their request's time from their text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from sm2_adapters.postgres.migrate import load_migrations, upgrade

pytestmark = pytest.mark.postgres

Conn = psycopg.Connection[Any]
T0 = datetime(2026, 3, 2, 13, tzinfo=UTC)
REPORTS = 18


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def before_reports(conn: Conn) -> None:
    upgrade(conn, [m for m in load_migrations() if m.version < REPORTS])


class World:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.dealer, self.tech, self.serial = uuid4(), uuid4(), 0
        conn.execute(
            "INSERT INTO dealerships (id, name, phone, email) VALUES (%s, 'D', '+14185550101', '')",
            (self.dealer,),
        )
        conn.execute(
            "INSERT INTO technicians (id, name, phone) VALUES (%s, 'T', '+14185550201')",
            (self.tech,),
        )

    def text(self, received: datetime) -> UUID:
        message = uuid4()
        self.conn.execute(
            "INSERT INTO inbound_messages (id, sid, from_number, to_number, body, received_at)"
            " VALUES (%s, %s, '+14185550101', '+14185550000', 'x', %s)",
            (message, f"SM{message.hex}", received),
        )
        return message

    def job(self, status: str, *steps: tuple[str, float, dict[str, Any], dict[str, Any]],
            message: UUID | None = None, completed: float | None = None) -> UUID:  # fmt: skip
        """A job as it was before 0018, with its audit entries (action, minute, old, new)."""
        self.serial += 1
        job = uuid4()
        completion = (
            json.dumps({"notes": "", "labour_minutes": 5, "parts": [],
                        "completed_at": at(completed).isoformat()})
            if completed is not None else None
        )  # fmt: skip
        self.conn.execute(
            "INSERT INTO jobs (id, job_code, dealership_id, vehicle_data, urgency, status, tech_id,"
            " source_message_id, completion, created_at, updated_at)"
            " VALUES (%s, %s, %s, '{}', 'MEDIUM', %s, %s, %s, %s, %s, %s)",
            (
                job,
                f"SM2-2026-{self.serial:03d}",
                self.dealer,
                status,
                None if status in ("PENDING", "CANCELLED") else self.tech,
                message,
                completion,
                at(0),
                at(0),
            ),
        )
        for action, minute, old, new in (("create", 0, {}, {"status": "PENDING"}), *steps):
            self.conn.execute(
                "INSERT INTO audit_logs (id, subject, subject_id, job_id, action, actor, at,"
                " old_values, new_values) VALUES (%s, 'job', %s, %s, %s, 'x', %s, %s, %s)",
                (uuid4(), job, job, action, at(minute), json.dumps(old), json.dumps(new)),
            )
        return job


ASSIGN = ("assign", {"status": "PENDING"}, {"status": "SCHEDULED", "tech_id": "t"})
HANDOVER = ("assign", {"tech_id": "t"}, {"tech_id": "u"})
UNASSIGN = ("unassign", {"status": "SCHEDULED"}, {"status": "PENDING", "tech_id": None})
ACCEPT = ("accept", {"status": "SCHEDULED"}, {"status": "IN_PROGRESS"})
HOLD = ("edit", {"status": "IN_PROGRESS"}, {"status": "SCHEDULED"})
COMPLETE = ("complete", {"status": "IN_PROGRESS"}, {"status": "COMPLETED"})


def step(kind: tuple[str, dict[str, Any], dict[str, Any]], minute: float) -> Any:
    action, old, new = kind
    return action, minute, old, new


def milestones(conn: Conn, job: UUID) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT received_at, assigned_at, started_at, completed_at, labour_minutes FROM jobs"
        " WHERE id = %s",
        (job,),
    ).fetchone()
    assert row is not None
    return tuple(row)


class TestBackfill:
    def test_jobs_made_before_get_their_milestones(self, conn: Conn) -> None:
        before_reports(conn)
        w = World(conn)
        texted = w.text(at(-1))
        done = w.job(
            "COMPLETED",
            step(ASSIGN, 10), step(ACCEPT, 60), step(COMPLETE, 120),
            message=texted, completed=120,
        )  # fmt: skip
        handed = w.job("SCHEDULED", step(ASSIGN, 10), step(HANDOVER, 20))
        back = w.job("PENDING", step(ASSIGN, 10), step(UNASSIGN, 20))
        reassigned = w.job("SCHEDULED", step(ASSIGN, 10), step(UNASSIGN, 20), step(ASSIGN, 30))
        held = w.job("SCHEDULED", step(ASSIGN, 10), step(ACCEPT, 20), step(HOLD, 30))
        restarted = w.job(
            "IN_PROGRESS", step(ASSIGN, 10), step(ACCEPT, 20), step(HOLD, 30), step(ACCEPT, 40)
        )
        dropped = w.job("CANCELLED", step(ASSIGN, 10), step(UNASSIGN, 20))
        conn.commit()

        upgrade(conn)

        assert (at(-1), at(10), at(60), at(120), 5) == milestones(conn, done)
        assert (at(0), at(10), None, None, None) == milestones(conn, handed)
        assert (at(0), None, None, None, None) == milestones(conn, back)
        assert (at(0), at(30), None, None, None) == milestones(conn, reassigned)
        assert (at(0), at(10), None, None, None) == milestones(conn, held)
        assert (at(0), at(10), at(40), None, None) == milestones(conn, restarted)
        assert (at(0), None, None, None, None) == milestones(conn, dropped)

    def test_a_new_job_gets_its_texts_time(self, conn: Conn) -> None:
        """Whoever writes a job, the database fills in when its request arrived."""
        upgrade(conn)
        w = World(conn)
        texted = w.text(at(-2))
        job = w.job("PENDING", message=texted)
        typed = w.job("PENDING")
        conn.commit()
        assert at(-2) == milestones(conn, job)[0]
        assert at(0) == milestones(conn, typed)[0]
