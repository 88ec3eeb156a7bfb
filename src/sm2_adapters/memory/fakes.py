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

from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import ReceivedSms
from sm2_core.errors import IntegrationError
from sm2_core.ports import Clock, InvoiceReceipt, InvoiceRequest, PushOutcome, T_Task
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
        self.lose_answers = 0
        """How many of the next sends reach the carrier but lose its answer."""

    async def send(self, *, to: str, body: str) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        sms = SentSms(to=to, body=body, sid=f"SM{secrets.token_hex(16)}")
        self.sent.append(sms)
        if self.lose_answers:
            # The carrier took it, but its answer never reached us (a dropped connection).
            self.lose_answers -= 1
            raise IntegrationError("twilio", "connection lost", transient=True, code="connection")
        return sms.sid

    async def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        for sms in reversed(self.sent):
            if sms.to == to and sms.body == body:
                return sms.sid
        return None

    def to(self, number: str) -> list[str]:
        """The bodies of the texts sent to ``number``, in order."""
        return [sms.body for sms in self.sent if sms.to == number]


@attrs.frozen
class SentPush:
    endpoint: str
    payload: dict[str, Any]


class RecordingPushSender:
    """Records every push; ``answers`` maps an endpoint to the outcome it gets (accepted by
    default), like a push service whose subscriptions expire."""

    public_key = "BMemoryPushKeyForTestsOnly"

    def __init__(self) -> None:
        self.pushed: list[SentPush] = []
        self.answers: dict[str, PushOutcome] = {}

    async def push(
        self, subscription: PushSubscription, payload: dict[str, Any], *, ttl_seconds: int
    ) -> PushOutcome:
        outcome = self.answers.get(subscription.endpoint, PushOutcome(accepted=True))
        if outcome.accepted:
            self.pushed.append(SentPush(subscription.endpoint, dict(payload)))
        return outcome


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
    a payload that could not travel fails here too. A task deferred to a later time waits in
    ``scheduled`` until ``clock`` (the system's, when it has one) reaches it."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        self.pending: list[TaskPayload] = []
        self.scheduled: list[tuple[datetime, TaskPayload]] = []
        self.done: list[TaskPayload] = []
        self.failed: list[tuple[TaskPayload, Exception]] = []
        self.tried: list[TaskPayload] = []
        """Tasks that ran and are queued again, or were leased (``ParseBacklog``): a lease takes
        only tasks never tried, as procrastinate's ``attempts = 0``."""

    async def defer(self, task: TaskPayload, *, at: datetime | None = None) -> None:
        task = TASKS.decode(*TASKS.encode(task))
        if at is None or self.clock is None or at <= self.clock.now():
            self.pending.append(task)
        else:
            self.scheduled.append((at, task))

    async def not_queued(self, tasks: Sequence[T_Task]) -> list[T_Task]:
        waiting = self.pending + [task for _, task in self.scheduled]
        return [task for task in tasks if task not in waiting]

    def _release_due(self) -> None:
        if self.clock is None:
            return
        now = self.clock.now()
        due = sorted((item for item in self.scheduled if item[0] <= now), key=lambda i: i[0])
        self.scheduled = [item for item in self.scheduled if item[0] > now]
        self.pending.extend(task for _, task in due)

    async def run_all(self, handler: TaskHandler, *, max_attempts: int = 3) -> int:
        """Run until nothing due is pending (tasks may defer more); returns how many ran."""
        ran = 0
        attempts: dict[int, int] = {}
        self._release_due()
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
                    self.tried.append(task)
                else:
                    self.failed.append((task, exc))
            ran += 1
            self._release_due()
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
