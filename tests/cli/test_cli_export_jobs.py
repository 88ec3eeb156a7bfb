"""``sm2 export jobs --from DATE --to DATE [--format csv|jsonl]``: the period's jobs with their
invoices, for accountants and scripts; and ``sm2 export KIND`` beside it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    FORD,
    MARC_KEYS,
    TOYOTA,
    Sm2,
    assert_ok,
    assert_refused,
    codes,
    completed_job,
    texts_in,
)

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.enums import Role
from sm2_core.domain.records import Actor
from sm2_core.reports import EXPORT_COLUMNS

AUDI = ("+14185550101", "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830")
#: The memory clock's day (2026-11-25, Québec City): its month holds the jobs.
NOVEMBER = ("--from", "2026-11-01", "--to", "2026-11-30")


def work(system: MemorySystem, sm2: Sm2) -> list[str]:
    """Three texts become jobs; the Audi key job is completed, approved and invoiced."""
    texts_in(system, AUDI, TOYOTA, FORD)
    made = codes(sm2("jobs", "list"))
    audi = next(c for c in made if _make(system, c) == "Audi")
    done = completed_job(system, audi, MARC_KEYS)

    async def approve() -> None:
        await system.services.billing.approve(done.id, actor=Actor("boss", role=Role.ADMIN))
        await system.run_tasks()

    asyncio.run(approve())
    return made


def _make(system: MemorySystem, code: str) -> str | None:
    return next(j.vehicle.make for j in system.store.tables.jobs.values() if j.job_code == code)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestCsv:
    def test_the_months_jobs_oldest_first(self, system: MemorySystem, sm2: Sm2) -> None:
        """Every job of the month, in creation order, each with its invoice's amounts; the
        count on stderr."""
        work(system, sm2)
        result = sm2("export", "jobs", *NOVEMBER)
        assert_ok(result)
        assert ",".join(EXPORT_COLUMNS) == result.stdout.splitlines()[0]
        rows = csv_rows(result.stdout)
        jobs = sorted(system.store.tables.jobs.values(), key=lambda j: (j.created_at, j.id))
        assert [j.job_code for j in jobs] == [r["job_code"] for r in rows]
        audi = next(r for r in rows if r["make"] == "Audi")
        invoice = next(iter(system.store.tables.invoices.values()))
        assert {
            "status": "COMPLETED",
            "invoice_state": "SYNCED",
            "qb_invoice_id": invoice.qb_invoice_id,
            "subtotal": str(invoice.subtotal),
            "vin": "WA1BNAFY4PP057830",
            "dealership": "Audi Québec",
        } == {k: audi[k] for k in ("status", "invoice_state", "qb_invoice_id", "subtotal", "vin",
                                    "dealership")}  # fmt: skip
        assert audi["created_at"].endswith("-05:00")
        others = [r for r in rows if r is not audi]
        assert {("", "", "NOT_STARTED")} == {
            (r["subtotal"], r["paid"], r["invoice_state"]) for r in others
        }
        assert f"{len(rows)} jobs exported" in result.stderr

    def test_to_a_file(self, system: MemorySystem, sm2: Sm2, tmp_path: Path) -> None:
        work(system, sm2)
        out = tmp_path / "jobs.csv"
        result = sm2("export", "jobs", *NOVEMBER, "--output", str(out))
        assert_ok(result)
        assert "" == result.stdout
        assert len(system.store.tables.jobs) == len(csv_rows(out.read_text("utf-8")))

    def test_a_period_without_jobs_is_the_header_alone(
        self, system: MemorySystem, sm2: Sm2
    ) -> None:
        work(system, sm2)
        result = sm2("export", "jobs", "--from", "2026-10-01", "--to", "2026-10-31")
        assert_ok(result)
        assert [",".join(EXPORT_COLUMNS)] == result.stdout.splitlines()
        assert "0 jobs exported" in result.stderr


class TestJsonl:
    def test_one_object_a_line_with_typed_values(self, system: MemorySystem, sm2: Sm2) -> None:
        """Years are numbers, amounts decimal strings, what is missing null."""
        work(system, sm2)
        result = sm2("export", "jobs", *NOVEMBER, "--format", "jsonl")
        assert_ok(result)
        records: list[dict[str, Any]] = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(system.store.tables.jobs) == len(records)
        assert all(list(EXPORT_COLUMNS) == list(r) for r in records)
        audi = next(r for r in records if r["make"] == "Audi")
        assert (2023, "0.00") == (audi["year"], audi["paid"])
        assert isinstance(audi["subtotal"], str)
        pending = next(r for r in records if r["make"] != "Audi")
        assert (None, None, None) == (pending["subtotal"], pending["due_date"], pending["paid"])


class TestRefusals:
    @pytest.mark.parametrize(
        ("args", "option"),
        [
            (("--from", "2026-13-01", "--to", "2026-11-30"), "--from"),
            (("--from", "2026-11-01", "--to", "tomorrow"), "--to"),
        ],
    )
    def test_a_date_that_is_no_date_is_a_usage_error(
        self, sm2: Sm2, args: tuple[str, ...], option: str
    ) -> None:
        result = sm2("export", "jobs", *args)
        assert_refused(result, f"Invalid value for '{option}'", exit_code=2)

    def test_both_days_are_required(self, sm2: Sm2) -> None:
        assert_refused(
            sm2("export", "jobs", "--from", "2026-11-01"), "Missing option '--to'", exit_code=2
        )

    def test_to_before_from(self, sm2: Sm2) -> None:
        result = sm2("export", "jobs", "--from", "2026-11-30", "--to", "2026-11-01")
        assert_refused(
            result, "ends (2026-11-01) before it begins (2026-11-30): check --to", exit_code=2
        )

    def test_more_than_366_days(self, sm2: Sm2) -> None:
        result = sm2("export", "jobs", "--from", "2025-01-01", "--to", "2026-11-30")
        assert_refused(
            result,
            "at most 366 days; 2025-01-01 to 2026-11-30 is 699: check --from, --to",
            exit_code=2,
        )

    def test_an_unknown_format(self, sm2: Sm2) -> None:
        result = sm2("export", "jobs", *NOVEMBER, "--format", "xlsx")
        assert_refused(result, "Invalid value for '--format'", exit_code=2)


class TestReferenceKinds:
    def test_export_kind_is_unchanged(self, sm2: Sm2) -> None:
        """``sm2 export zones`` still writes the import format."""
        result = sm2("export", "zones")
        assert_ok(result)
        assert result.stdout.startswith("name,")

    def test_an_unknown_kind_is_a_usage_error(self, sm2: Sm2) -> None:
        assert_refused(sm2("export", "trucks"), "No such command 'trucks'", exit_code=2)
