"""Notices and their windows, push subscriptions and opt-outs in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from sm2_core.domain.notices import Notice, NoticeWindow, Recipient
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import OptOut

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables


class MemoryNoticeRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, notice: Notice) -> None:
        self._t.notices[notice.id] = notice

    async def lock_window(self, recipient: Recipient) -> NoticeWindow | None:
        # Units of work run one at a time in memory: holding one is holding the lock.
        return self._t.notice_windows.get(recipient.key)

    async def save_window(self, window: NoticeWindow) -> None:
        self._t.notice_windows[window.recipient.key] = window

    async def pending(self, recipient: Recipient) -> list[Notice]:
        found = [
            n for n in self._t.notices.values() if n.recipient == recipient and n.sent_at is None
        ]
        return found  # a dict keeps the order they were added in

    async def mark_sent(
        self, notice_ids: Sequence[UUID], *, outbox_id: UUID | None, at: datetime
    ) -> None:
        for notice_id in notice_ids:
            notice = self._t.notices[notice_id]
            self._t.notices[notice_id] = attrs.evolve(notice, outbox_id=outbox_id, sent_at=at)

    async def claim_summary(self, day: date, *, at: datetime) -> bool:
        if day in self._t.summaries:
            return False
        self._t.summaries[day] = at
        return True


class MemoryPushSubscriptionRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def save(self, subscription: PushSubscription) -> PushSubscription:
        existing = self._t.push_subscriptions.get(subscription.endpoint)
        if existing is not None:
            subscription = attrs.evolve(
                subscription, id=existing.id, created_at=existing.created_at
            )
        self._t.push_subscriptions[subscription.endpoint] = subscription
        return subscription

    async def for_technician(self, technician_id: UUID) -> list[PushSubscription]:
        found = [s for s in self._t.push_subscriptions.values() if s.technician_id == technician_id]
        return sorted(found, key=lambda s: (s.created_at, str(s.id)))

    async def remove(self, endpoint: str, *, technician_id: UUID | None = None) -> bool:
        existing = self._t.push_subscriptions.get(endpoint)
        if existing is None or technician_id not in (None, existing.technician_id):
            return False
        del self._t.push_subscriptions[endpoint]
        return True


class MemoryOptOutRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, phone: str) -> OptOut | None:
        return self._t.opt_outs.get(phone)

    async def add(self, opt_out: OptOut) -> None:
        self._t.opt_outs.setdefault(opt_out.phone, opt_out)

    async def remove(self, phone: str) -> bool:
        return self._t.opt_outs.pop(phone, None) is not None
