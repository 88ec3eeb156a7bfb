"""Recording fakes for the outside world: tests assert on what they recorded, not on mocks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from sm2_core.domain.records import ReceivedSms
from sm2_core.errors import IntegrationError
from sm2_core.ports import Clock, InvoiceReceipt, InvoiceRequest, T_Task
from sm2_core.tasks import TASKS, TaskPayload


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 25, 13, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


@attrs.frozen
class SentSms:
    to: str
    body: str
    sid: str


class RecordingSmsSender:
    """Records every text; ``fail_with`` makes the next sends raise, like a Twilio outage."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.fail_with: list[IntegrationError] = []

    async def send(self, *, to: str, body: str) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        sms = SentSms(to=to, body=body, sid=f"SM{secrets.token_hex(16)}")
        self.sent.append(sms)
        return sms.sid


class RecordingCarrierInbox:
    """The carrier's record of our inbound texts, as tests fill it (``texts``); records each
    ``since`` it was asked for, and ``fail_with`` makes the next calls raise."""

    def __init__(self) -> None:
        self.texts: list[ReceivedSms] = []
        self.asked: list[datetime] = []
        self.fail_with: list[Exception] = []

    async def received(self, *, since: datetime) -> list[ReceivedSms]:
        self.asked.append(since)
        if self.fail_with:
            raise self.fail_with.pop(0)
        kept = [sms for sms in self.texts if sms.sent_at is None or sms.sent_at >= since]
        return sorted(kept, key=lambda sms: sms.sent_at or since)


class RecordingAccounting:
    """A QuickBooks stand-in with its idempotency: one invoice per job, however often asked."""

    def __init__(self) -> None:
        self.invoices: dict[UUID, InvoiceRequest] = {}
        self.invoice_ids: dict[UUID, str] = {}
        self.customers: dict[str, str] = {}
        self.items: dict[str, str] = {}
        self.calls = 0
        self.fail_with: list[IntegrationError] = []

    async def create_invoice(self, request: InvoiceRequest) -> InvoiceReceipt:
        self.calls += 1
        if self.fail_with:
            raise self.fail_with.pop(0)
        customer = self.customers.setdefault(request.customer_name, str(len(self.customers) + 1))
        item = self.items.setdefault(request.item_name, str(len(self.items) + 1))
        if request.job_id not in self.invoice_ids:
            self.invoices[request.job_id] = request
            self.invoice_ids[request.job_id] = str(1000 + len(self.invoice_ids))
        return InvoiceReceipt(self.invoice_ids[request.job_id], customer, item)


TaskHandler = Callable[[TaskPayload], Awaitable[object]]


class MemoryTaskQueue:
    """Keeps deferred tasks until ``run_all`` hands them to a handler, retrying failures.

    Each task goes through the registry's encoding, as it does on its way into PostgreSQL, so
    a payload that could not travel fails here too."""

    def __init__(self) -> None:
        self.pending: list[TaskPayload] = []
        self.done: list[TaskPayload] = []
        self.failed: list[tuple[TaskPayload, Exception]] = []

    async def defer(self, task: TaskPayload) -> None:
        self.pending.append(TASKS.decode(*TASKS.encode(task)))

    async def not_queued(self, tasks: Sequence[T_Task]) -> list[T_Task]:
        return [task for task in tasks if task not in self.pending]

    async def run_all(self, handler: TaskHandler, *, max_attempts: int = 3) -> int:
        """Run until nothing is pending (tasks may defer more); returns how many ran."""
        ran = 0
        attempts: dict[int, int] = {}
        while self.pending:
            task = self.pending.pop(0)
            key = id(task)
            try:
                await handler(task)
                self.done.append(task)
            except IntegrationError as exc:
                attempts[key] = attempts.get(key, 0) + 1
                if exc.transient and attempts[key] < max_attempts:
                    self.pending.append(task)
                else:
                    self.failed.append((task, exc))
            ran += 1
        return ran


class FastPasswordHasher:
    """Salted PBKDF2 with few rounds: for tests and the demo only, where argon2 is too slow.

    The production hasher is argon2 (sm2_adapters.security).
    """

    def hash(self, password: str) -> str:
        salt = secrets.token_hex(8)
        return f"pbkdf2${salt}${self._digest(salt, password)}"

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            _, salt, digest = password_hash.split("$")
        except ValueError:
            return False
        return hmac.compare_digest(digest, self._digest(salt, password))

    @staticmethod
    def _digest(salt: str, password: str) -> str:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()


class MemoryRateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.uses: dict[str, list[datetime]] = {}

    async def allow(self, key: str, *, limit: int, window_seconds: int) -> bool:
        now = self._clock.now()
        recent = [t for t in self.uses.get(key, []) if now - t < timedelta(seconds=window_seconds)]
        allowed = len(recent) < limit
        if allowed:
            recent.append(now)
        self.uses[key] = recent
        return allowed

    async def used(self, key: str, *, window_seconds: int) -> int:
        now = self._clock.now()
        return sum(1 for t in self.uses.get(key, []) if now - t < timedelta(seconds=window_seconds))


class MemoryHealth:
    """Health of an all-in-memory system: always up, nothing external configured."""

    async def check(self) -> dict[str, Any]:
        return {
            "database": {"ok": True, "kind": "memory"},
            "migrations": {"current": True, "pending": []},
            "worker": {"ok": True, "kind": "inline"},
            "integrations": {"twilio": False, "openai": False, "quickbooks": False},
        }
