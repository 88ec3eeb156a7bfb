"""Reference groups (``sm2 dealerships|zones|services|technicians|rules``), ``sm2 inbox`` and
``sm2 invoices retry``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_support import (
    FORD,
    JULIE_OIL,
    NO_WORK,
    TOYOTA,
    UNKNOWN_SENDER,
    Sm2,
    assert_ok,
    assert_refused,
    completed_job,
    job,
    texts_in,
)

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.enums import InvoiceState
from sm2_core.errors import IntegrationError
from sm2_core.services import COLUMNS

TOYOTA_JOB, FORD_JOB = "SM2-2026-001", "SM2-2026-002"


def listed(sm2: Sm2, kind: str, *extra: str) -> list[dict[str, Any]]:
    result = sm2(kind, "list", "--json", *extra)
    assert_ok(result)
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def dealer(sm2: Sm2, name: str) -> dict[str, Any]:
    return next(r for r in listed(sm2, "dealerships", "--all") if r["name"] == name)


class TestReferenceLists:
    @pytest.mark.parametrize("kind", list(COLUMNS))
    def test_json_rows_are_the_csv_columns_plus_id(self, sm2: Sm2, kind: str) -> None:
        """``KIND list --json``: one object per record with ``id`` and the CSV's columns."""
        rows = listed(sm2, kind)
        exported = sm2("export", kind).stdout.splitlines()[1:]
        assert len(exported) == len(rows) > 0
        for row in rows:
            assert ["id", *COLUMNS[kind]] == list(row)

    @pytest.mark.parametrize("kind", list(COLUMNS))
    def test_table_has_a_header_and_a_line_per_record(self, sm2: Sm2, kind: str) -> None:
        """The table's header names the columns; each record's id appears once."""
        result = sm2(kind, "list")
        assert_ok(result)
        header, *lines = result.stdout.splitlines()
        assert ["ID", *(c.upper() for c in COLUMNS[kind])] == header.split()
        assert sorted(r["id"] for r in listed(sm2, kind)) == sorted(
            line.split()[0] for line in lines
        )


class TestDealershipEdit:
    def test_set_email(self, sm2: Sm2) -> None:
        """``--set email=...`` changes the email and nothing else."""
        before = dealer(sm2, "Ford Lévis")
        result = sm2("dealerships", "edit", before["id"], "--set", "email=ap@fordlevis.example")
        assert_ok(result)
        assert f"dealership {before['id']} updated" == result.stdout.strip()
        assert {**before, "email": "ap@fordlevis.example"} == dealer(sm2, "Ford Lévis")

    def test_deactivate_hides_it_from_list_not_from_all(self, sm2: Sm2) -> None:
        """A deactivated dealership leaves ``list`` but stays in ``list --all``; activate undoes."""
        ford = dealer(sm2, "Ford Lévis")
        assert_ok(sm2("dealerships", "edit", ford["id"], "--deactivate"))
        assert ford["id"] not in [r["id"] for r in listed(sm2, "dealerships")]
        assert ford in listed(sm2, "dealerships", "--all")
        assert "Ford Lévis" not in sm2("dealerships", "list").stdout
        assert "Ford Lévis" in sm2("dealerships", "list", "--all").stdout
        assert_ok(sm2("dealerships", "edit", ford["id"], "--activate"))
        assert ford in listed(sm2, "dealerships")

    def test_unknown_field_is_refused(self, sm2: Sm2) -> None:
        """A field that is no CSV column: exit 1 naming it and the allowed ones, no change."""
        ford = dealer(sm2, "Ford Lévis")
        result = sm2("dealerships", "edit", ford["id"], "--set", "colour=red")
        assert_refused(result, "unknown fields colour; one of name, phone, email")
        assert ford == dealer(sm2, "Ford Lévis")

    def test_invalid_value_is_refused(self, sm2: Sm2) -> None:
        """A zone that does not exist: exit 1, as on import."""
        ford = dealer(sm2, "Ford Lévis")
        result = sm2("dealerships", "edit", ford["id"], "--set", "zone=Atlantis")
        assert_refused(result, "unknown zone 'Atlantis'")
        assert ford == dealer(sm2, "Ford Lévis")

    def test_unknown_id_is_refused(self, sm2: Sm2) -> None:
        """An id no dealership has: exit 1."""
        missing = "00000000-0000-0000-0000-000000000000"
        result = sm2("dealerships", "edit", missing, "--set", "email=x@y.example")
        assert_refused(result, f"no dealership {missing}")

    @pytest.mark.parametrize(
        "args",
        [("--set", "email"), ("--activate", "--deactivate")],
        ids=["not-field-value", "both-flags"],
    )
    def test_usage_errors(self, sm2: Sm2, args: tuple[str, ...]) -> None:
        """``--set`` without ``=`` or both activation flags: exit 2."""
        assert 2 == sm2("dealerships", "edit", dealer(sm2, "Ford Lévis")["id"], *args).exit_code


class TestOtherKindsEdit:
    @pytest.mark.parametrize(
        ("kind", "key", "field", "value"),
        [
            ("zones", "Lévis", "description", "South shore"),
            ("services", "OIL_CHANGE", "base_price", "99.95"),
            ("technicians", JULIE_OIL, "status", "ON_LEAVE"),
            ("rules", "Tesla jobs need the software crew early", "ranking_score", "7"),
        ],
    )
    def test_set_a_field(self, sm2: Sm2, kind: str, key: str, field: str, value: str) -> None:
        """``KIND edit ID --set FIELD=VALUE`` on every kind shows up in ``KIND list``."""
        row = next(r for r in listed(sm2, kind) if key in r.values())
        assert_ok(sm2(kind, "edit", row["id"], "--set", f"{field}={value}"))
        changed = next(r for r in listed(sm2, kind) if r["id"] == row["id"])
        assert {**row, field: value} == changed


class TestInbox:
    def test_shows_unmatched_and_no_work_texts(self, sm2: Sm2, system: MemorySystem) -> None:
        """Unknown senders and texts asking for nothing are listed; texts that made jobs not."""
        texts_in(system, TOYOTA, NO_WORK, UNKNOWN_SENDER)
        result = sm2("inbox")
        assert_ok(result)
        lines = result.stdout.splitlines()
        assert 2 == len(lines)
        assert any("NO_WORK" in line and "merci!" in line for line in lines)
        assert any("UNMATCHED" in line and UNKNOWN_SENDER[0] in line for line in lines)
        assert "RAV4" not in result.stdout

    def test_json(self, sm2: Sm2, system: MemorySystem) -> None:
        """``--json``: id, from, body, status, received_at and media for each message."""
        texts_in(system, NO_WORK, UNKNOWN_SENDER)
        messages = json.loads(sm2("inbox", "--json").stdout)
        assert {("NO_WORK", NO_WORK[0], "merci!"), ("UNMATCHED", *UNKNOWN_SENDER)} == {
            (m["status"], m["from"], m["body"]) for m in messages
        }
        assert {"id", "from", "body", "status", "received_at", "media"} == set(messages[0])

    def test_empty(self, sm2: Sm2) -> None:
        """No such texts: nothing printed, ``[]`` in JSON."""
        assert "" == sm2("inbox").stdout
        assert [] == json.loads(sm2("inbox", "--json").stdout)


@pytest.fixture
def failed(system: MemorySystem, sm2: Sm2) -> MemorySystem:
    """Two COMPLETED jobs approved while QuickBooks refused: both invoices FAILED."""
    texts_in(system, TOYOTA, FORD)
    completed_job(system, TOYOTA_JOB, JULIE_OIL)
    completed_job(system, FORD_JOB, JULIE_OIL)
    system.accounting.fail_with = [
        IntegrationError("quickbooks", "boom", transient=False) for _ in range(2)
    ]
    for code in (TOYOTA_JOB, FORD_JOB):
        assert_ok(sm2("jobs", "approve", code))
        assert InvoiceState.FAILED == job(system, code).invoice_state
    return system


class TestInvoicesRetry:
    def test_retry_one_job(self, sm2: Sm2, failed: MemorySystem) -> None:
        """``retry JOB`` queues that invoice again; the worker syncs it; the other stays FAILED."""
        result = sm2("invoices", "retry", TOYOTA_JOB)
        assert_ok(result)
        assert f"{TOYOTA_JOB}: invoice queued again" == result.stdout.strip()
        assert InvoiceState.SYNCED == job(failed, TOYOTA_JOB).invoice_state
        assert InvoiceState.FAILED == job(failed, FORD_JOB).invoice_state

    def test_retry_all_failed(self, sm2: Sm2, failed: MemorySystem) -> None:
        """``--all-failed`` retries every FAILED invoice."""
        result = sm2("invoices", "retry", "--all-failed")
        assert_ok(result)
        assert sorted([TOYOTA_JOB, FORD_JOB]) == sorted(
            line.split(":")[0] for line in result.stdout.splitlines()
        )
        for code in (TOYOTA_JOB, FORD_JOB):
            assert InvoiceState.SYNCED == job(failed, code).invoice_state
        assert 2 == len(failed.accounting.invoices)

    def test_all_failed_with_none_failed(self, sm2: Sm2) -> None:
        """Nothing FAILED: exit 0, nothing printed."""
        result = sm2("invoices", "retry", "--all-failed")
        assert_ok(result)
        assert "" == result.stdout

    @pytest.mark.parametrize("args", [(), (TOYOTA_JOB, "--all-failed")], ids=["none", "both"])
    def test_job_or_all_failed_is_required(self, sm2: Sm2, args: tuple[str, ...]) -> None:
        """Neither a JOB nor ``--all-failed`` (or both): exit 2."""
        assert_refused(sm2("invoices", "retry", *args), "give a JOB or --all-failed", exit_code=2)

    def test_unknown_job_is_not_found(self, sm2: Sm2) -> None:
        """An unknown job code: exit 1 "not found"."""
        assert_refused(sm2("invoices", "retry", "SM2-2026-404"), "not found")

    def test_retry_a_job_not_completed_is_refused(self, sm2: Sm2, system: MemorySystem) -> None:
        """A PENDING job has no invoice to retry: exit 1."""
        texts_in(system, TOYOTA)
        assert_refused(sm2("invoices", "retry", TOYOTA_JOB), "only a FAILED invoice can be retried")

    def test_synced_invoice_is_not_reported_as_queued(self, sm2: Sm2, failed: MemorySystem) -> None:
        """Retrying an invoice already SYNCED queues nothing and must not say it did."""
        assert_ok(sm2("invoices", "retry", TOYOTA_JOB))
        calls = failed.accounting.calls
        result = sm2("invoices", "retry", TOYOTA_JOB)
        assert calls == failed.accounting.calls
        assert "queued again" not in result.stdout
