"""Payments in memory: where the change poll stands (keeping the PostgreSQL adapter's promises),
and a QuickBooks that tests arrange."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from sm2_core.domain.payments import ChangePoll, InvoiceFacts, QuickBooksChanges
from sm2_core.ports import ChangePollRepository, InvoiceStatusSource

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables


class MemoryChangePollRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, realm_id: str, *, for_update: bool = False) -> ChangePoll | None:
        # Units of work run one at a time in memory: holding one is holding the lock.
        return self._t.change_polls.get(realm_id)

    async def save(self, poll: ChangePoll) -> None:
        self._t.change_polls[poll.realm_id] = poll

    async def latest(self) -> ChangePoll | None:
        polls = sorted(self._t.change_polls.values(), key=lambda p: p.last_attempt_at)
        return polls[-1] if polls else None


def _conforms(repo: MemoryChangePollRepository) -> ChangePollRepository:
    """Checked by mypy: the fake has the shape of the port."""
    return repo


class RecordingInvoiceStatus:
    """QuickBooks as tests arrange it: its invoices (``books``, by id), the invoices each
    payment pays (``payments``; a payment missing from it was deleted) and when each changed
    (``changed``, what the change data capture returns). Records what it was asked (``asked``);
    ``fail_with`` makes the next calls raise, like an Intuit outage."""

    def __init__(self, realm_id: str | None = "9341452827771234") -> None:
        self.realm_id = realm_id
        self.books: dict[str, InvoiceFacts] = {}
        self.payments: dict[str, list[str]] = {}
        self.changed: list[tuple[datetime, str, str]] = []
        """(when, ``Invoice`` or ``Payment``, id)."""
        self.asked: list[tuple[str, object]] = []
        self.fail_with: list[Exception] = []
        self.cap = 1000
        """How many changed records the change data capture returns at most."""

    def put(self, facts: InvoiceFacts, *, at: datetime) -> InvoiceFacts:
        """The invoice now reads ``facts``, changed ``at``."""
        facts = attrs.evolve(facts, updated_at=at)
        self.books[facts.qb_invoice_id] = facts
        self.changed.append((at, "Invoice", facts.qb_invoice_id))
        return facts

    def pay(self, payment_id: str, invoice_ids: Sequence[str], *, at: datetime) -> None:
        """A payment applied to ``invoice_ids`` was recorded (or changed) ``at``."""
        self.payments[payment_id] = list(invoice_ids)
        self.changed.append((at, "Payment", payment_id))

    def _ask(self, what: str, argument: object) -> None:
        self.asked.append((what, argument))
        if self.fail_with:
            raise self.fail_with.pop(0)

    async def realm(self) -> str | None:
        return self.realm_id

    async def invoices(self, qb_invoice_ids: Sequence[str]) -> list[InvoiceFacts]:
        self._ask("invoices", tuple(qb_invoice_ids))
        return [self.books.get(i) or InvoiceFacts.gone(i) for i in qb_invoice_ids]

    async def payment_invoices(self, payment_id: str) -> list[str] | None:
        self._ask("payment", payment_id)
        found = self.payments.get(payment_id)
        return None if found is None else list(found)

    async def changed_since(self, since: datetime) -> QuickBooksChanges:
        self._ask("changed_since", since)
        recent = [(kind, key) for at, kind, key in self.changed if at >= since]
        invoices = {
            k: self.books.get(k) or InvoiceFacts.gone(k) for kind, k in recent if kind == "Invoice"
        }
        paid = [i for kind, k in recent if kind == "Payment" for i in self.payments.get(k, [])]
        last = max((at for at, _, _ in self.changed), default=since)
        return QuickBooksChanges(
            invoices=tuple(invoices.values())[: self.cap],
            paid_invoice_ids=tuple(dict.fromkeys(paid)),
            as_of=max(last, since),
            complete=len(recent) < self.cap,
        )


def _source_conforms(source: RecordingInvoiceStatus) -> InvoiceStatusSource:
    """Checked by mypy: the fake has the shape of the port."""
    return source
