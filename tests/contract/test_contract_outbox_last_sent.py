"""Contract of ``OutboxRepository.last_sent``: the newest text of a kind a number was sent, on the
memory fake and on PostgreSQL (intake asks it whether a text answers a dispatcher's reply)."""

from __future__ import annotations

from typing import Any

import factories as f

from sm2_core.domain.records import OutboundKind, OutboundSms, OutboundStatus
from sm2_core.ports import UnitOfWorkFactory

DEALER = "+14185550101"
OTHER = "+14185550102"


async def add(factory: UnitOfWorkFactory, **kw: Any) -> OutboundSms:
    values: dict[str, Any] = {
        "to_number": DEALER,
        "kind": OutboundKind.REPLY,
        "status": OutboundStatus.SENT,
    }
    sms = f.sms(**(values | kw))
    async with factory() as uow:
        await uow.outbox.add(sms)
    return sms


async def last_sent(factory: UnitOfWorkFactory, kind: OutboundKind = OutboundKind.REPLY) -> Any:
    async with factory() as uow:
        return await uow.outbox.last_sent(DEALER, kind=kind)


class TestLastSent:
    async def test_the_newest_sent_text_of_the_kind_to_the_number(self, uow_factory):
        """Of two replies taken by the carrier, the one sent last."""
        await add(uow_factory, sent_at=f.at(10), created_at=f.at(0))
        newest = await add(uow_factory, sent_at=f.at(60), created_at=f.at(50))
        assert newest == await last_sent(uow_factory)

    async def test_when_it_was_sent_decides_not_when_it_was_written(self, uow_factory):
        """A reply queued first but sent last is the last one sent."""
        late = await add(uow_factory, created_at=f.at(0), sent_at=f.at(90))
        await add(uow_factory, created_at=f.at(30), sent_at=f.at(40))
        assert late == await last_sent(uow_factory)

    async def test_a_delivered_text_counts_as_sent(self, uow_factory):
        """DELIVERED is a text the number has: it counts."""
        delivered = await add(uow_factory, status=OutboundStatus.DELIVERED, sent_at=f.at(5))
        assert delivered == await last_sent(uow_factory)

    async def test_texts_the_number_never_got_do_not_count(self, uow_factory):
        """Queued, failed, undelivered, unsent or opted-out replies are not in the thread."""
        for status in (
            OutboundStatus.QUEUED,
            OutboundStatus.SENDING,
            OutboundStatus.FAILED,
            OutboundStatus.UNDELIVERED,
            OutboundStatus.NOT_CONFIGURED,
            OutboundStatus.OPTED_OUT,
        ):
            await add(uow_factory, status=status, created_at=f.at(100))
        assert None is await last_sent(uow_factory)

    async def test_other_kinds_and_other_numbers_do_not_count(self, uow_factory):
        """A confirmation to the number, or a reply to another number, is no reply to it."""
        confirmation = await add(uow_factory, kind=OutboundKind.CONFIRMATION, sent_at=f.at(9))
        await add(uow_factory, to_number=OTHER, sent_at=f.at(99))
        assert None is await last_sent(uow_factory)
        assert confirmation == await last_sent(uow_factory, OutboundKind.CONFIRMATION)
