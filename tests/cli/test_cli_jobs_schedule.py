"""``sm2 jobs schedule``: a job's appointment window from the terminal, with the same rules."""

from __future__ import annotations

import json
from datetime import datetime

from cli_support import FORD, JULIE_OIL, TOYOTA, Sm2, assert_ok, assert_refused, job, texts_in

from sm2_adapters.memory import MemorySystem

TOYOTA_JOB, FORD_JOB = "SM2-2026-001", "SM2-2026-002"
NINE, ELEVEN = "2026-12-08T09:00:00-05:00", "2026-12-08T11:00:00-05:00"


class TestSchedule:
    def test_assign_and_schedule(self, sm2: Sm2, system: MemorySystem) -> None:
        """--technician and --start/--end: SCHEDULED with that window."""
        texts_in(system, TOYOTA, FORD)
        result = sm2(
            "jobs", "schedule", TOYOTA_JOB, "--technician", JULIE_OIL,
            "--start", NINE, "--end", ELEVEN, "--json",
        )  # fmt: skip
        assert_ok(result)
        data = json.loads(result.stdout)
        assert "SCHEDULED" == data["status"]
        stored = job(system, TOYOTA_JOB)
        assert (datetime.fromisoformat(NINE), datetime.fromisoformat(ELEVEN)) == (
            stored.window_start,
            stored.window_end,
        )

    def test_an_overlap_is_refused_unless_allowed(self, sm2: Sm2, system: MemorySystem) -> None:
        texts_in(system, TOYOTA, FORD)
        assert_ok(sm2("jobs", "schedule", TOYOTA_JOB, "--technician", JULIE_OIL, "--start", NINE))
        refused = sm2("jobs", "schedule", FORD_JOB, "--technician", JULIE_OIL, "--start", NINE)
        assert_refused(refused, "already booked at that time")
        assert job(system, FORD_JOB).window_start is None
        assert_ok(
            sm2(
                "jobs",
                "schedule",
                FORD_JOB,
                "--technician",
                JULIE_OIL,
                "--start",
                NINE,
                "--allow-overlap",
            )
        )

    def test_clear_removes_the_window(self, sm2: Sm2, system: MemorySystem) -> None:
        texts_in(system, TOYOTA)
        assert_ok(sm2("jobs", "schedule", TOYOTA_JOB, "--start", NINE))
        assert_ok(sm2("jobs", "schedule", TOYOTA_JOB, "--clear"))
        assert job(system, TOYOTA_JOB).window_start is None

    def test_a_time_without_offset_is_refused(self, sm2: Sm2, system: MemorySystem) -> None:
        texts_in(system, TOYOTA)
        assert_refused(sm2("jobs", "schedule", TOYOTA_JOB, "--start", "2026-12-08T09:00"), "offset")

    def test_neither_start_nor_clear_is_a_usage_error(self, sm2: Sm2, system: MemorySystem) -> None:
        texts_in(system, TOYOTA)
        assert 2 == sm2("jobs", "schedule", TOYOTA_JOB).exit_code
        assert 2 == sm2("jobs", "schedule", TOYOTA_JOB, "--start", "tomorrow").exit_code
