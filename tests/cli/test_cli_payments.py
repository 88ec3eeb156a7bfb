"""``sm2 invoices refresh``: payments read from QuickBooks (the memory system's) on demand."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

from cli_support import (
    FORD,
    JULIE_OIL,
    Sm2,
    assert_ok,
    assert_refused,
    codes,
    completed_job,
    texts_in,
)
from cli_support import job as find_job

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.enums import InvoiceState, Role
from sm2_core.domain.job import Job
from sm2_core.domain.payments import InvoiceFacts
from sm2_core.domain.records import Actor
from sm2_core.errors import IntegrationError

ADMIN = Actor(name="test-admin", role=Role.ADMIN)


def invoiced(system: MemorySystem) -> Job:
    """A FORD job completed, approved and invoiced; QuickBooks then records its payment."""
    texts_in(system, FORD)
    code = codes_of(system)[-1]
    done = completed_job(system, code, JULIE_OIL)

    async def approve() -> None:
        await system.services.billing.approve(done.id, actor=ADMIN)
        await system.run_tasks()

    asyncio.run(approve())
    job = find_job(system, code)
    assert job.qb_invoice_id is not None
    system.clock.advance(minutes=1)
    facts = InvoiceFacts(job.qb_invoice_id, Decimal("89.95"), Decimal(0))
    system.invoice_status.put(facts, at=system.clock.now())
    return job


def codes_of(system: MemorySystem) -> list[str]:
    return sorted(j.job_code for j in system.store.tables.jobs.values())


class TestRefresh:
    def test_a_job_by_its_code(self, sm2: Sm2, system: MemorySystem) -> None:
        job = invoiced(system)
        result = sm2("invoices", "refresh", job.job_code)
        assert_ok(result)
        assert [job.job_code] == codes(result)
        assert f"{job.job_code}: PAID" in result.stdout
        assert InvoiceState.PAID is find_job(system, job.job_code).invoice_state

    def test_the_changes_since_the_last_poll_as_json(self, sm2: Sm2, system: MemorySystem) -> None:
        """The first run reads every open invoice; the next one, what changed since."""
        job = invoiced(system)
        first = sm2("invoices", "refresh", "--json")
        assert_ok(first)
        assert ("every open invoice", [job.job_code]) == (
            json.loads(first.stdout)["read"],
            [c["job_code"] for c in json.loads(first.stdout)["changed"]],
        )
        again = sm2("invoices", "refresh", "--json")
        assert_ok(again)
        assert json.loads(again.stdout)["read"].startswith("changes since ")
        assert [] == json.loads(again.stdout)["changed"]

    def test_open_invoices(self, sm2: Sm2, system: MemorySystem) -> None:
        job = invoiced(system)
        result = sm2("invoices", "refresh", "--open")
        assert_ok(result)
        assert "1 invoice(s) read, 1 changed" in result.stdout
        assert InvoiceState.PAID is find_job(system, job.job_code).invoice_state

    def test_since_longer_ago_than_quickbooks_keeps(self, sm2: Sm2, system: MemorySystem) -> None:
        old = (system.clock.now() - timedelta(days=40)).isoformat()
        assert_refused(sm2("invoices", "refresh", "--since", old), "30 days")

    def test_a_job_not_invoiced(self, sm2: Sm2, system: MemorySystem) -> None:
        texts_in(system, FORD)
        code = codes_of(system)[-1]
        assert_refused(sm2("invoices", "refresh", code), "not in QuickBooks")

    def test_not_connected(self, sm2: Sm2, system: MemorySystem) -> None:
        system.invoice_status.realm_id = None
        assert_refused(sm2("invoices", "refresh"), "QuickBooks is not connected")

    def test_quickbooks_failing(self, sm2: Sm2, system: MemorySystem) -> None:
        job = invoiced(system)
        system.invoice_status.fail_with.append(
            IntegrationError("quickbooks", "Intuit is unreachable", transient=True)
        )
        assert_refused(sm2("invoices", "refresh", job.job_code), "Intuit is unreachable")

    def test_choices_exclude_each_other(self, sm2: Sm2) -> None:
        result = sm2("invoices", "refresh", "SM2-2026-001", "--open")
        assert 2 == result.exit_code
        assert "not several" in result.stderr
