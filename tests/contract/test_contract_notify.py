"""Contract of what telling people needs: the outbox's fields, notices and their windows, push
subscriptions, opt-outs and the once-a-day summary claim (memory and PostgreSQL alike)."""

from __future__ import annotations

import asyncio
from datetime import date
from uuid import uuid4

import attrs
import factories as f

from sm2_core.domain.notices import Notice, NoticeKind, NoticeWindow, Recipient
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import Channel, OptOut, OutboundKind, OutboundSms, OutboundStatus


async def _job(uow_factory):  # type: ignore[no-untyped-def]
    world = await f.add_world(uow_factory)
    job = f.job(world.dealership.id, tech_id=world.technician.id)
    async with uow_factory() as uow:
        await uow.jobs.add(job)
    return world, job


class TestOutboxFields:
    async def test_every_field_of_an_alert_reads_back(self, uow_factory) -> None:
        world, job = await _job(uow_factory)
        other = f.job(world.dealership.id)
        alert = OutboundSms(
            id=uuid4(),
            to_number=world.technician.phone,
            body="SM2: 2 changes to your day",
            created_at=f.at(1),
            kind=OutboundKind.ALERT,
            channel=Channel.PUSH,
            job_ids=(job.id, other.id),
            technician_id=world.technician.id,
            dealership_id=world.dealership.id,
            sent_by="admin:alice",
        )
        async with uow_factory() as uow:
            await uow.jobs.add(other)
            await uow.outbox.add(alert)
        async with uow_factory() as uow:
            stored = await uow.outbox.get(alert.id)
        assert alert == stored
        assert job.id == stored.job_id

    async def test_the_carriers_sid_finds_the_message(self, uow_factory) -> None:
        sms = f.sms()
        sent = attrs.evolve(
            sms, status=OutboundStatus.SENT, provider_sid=f"SM{uuid4().hex}", sent_at=f.at(2)
        )
        async with uow_factory() as uow:
            await uow.outbox.add(sms)
            await uow.outbox.update(sent)
        async with uow_factory() as uow:
            assert sent == await uow.outbox.by_provider_sid(sent.provider_sid or "")
            assert None is await uow.outbox.by_provider_sid("SMunknown")

    async def test_failed_alerts_are_the_technicians_failures_only(self, uow_factory) -> None:
        world, job = await _job(uow_factory)
        failed, delivered, confirmation = (
            OutboundSms(
                id=uuid4(),
                to_number=world.technician.phone,
                body=f"alert {n}",
                created_at=f.at(10 + n),
                kind=kind,
                technician_id=world.technician.id if kind is OutboundKind.ALERT else None,
                job_ids=(job.id,),
                status=status,
            )
            for n, (kind, status) in enumerate(
                [
                    (OutboundKind.ALERT, OutboundStatus.UNDELIVERED),
                    (OutboundKind.ALERT, OutboundStatus.DELIVERED),
                    (OutboundKind.CONFIRMATION, OutboundStatus.FAILED),
                ]
            )
        )
        async with uow_factory() as uow:
            for sms in (failed, delivered, confirmation):
                await uow.outbox.add(sms)
        async with uow_factory() as uow:
            assert [failed] == await uow.outbox.failed_alerts(since=f.at(0))
            assert [] == await uow.outbox.failed_alerts(since=f.at(60))


class TestNotices:
    async def test_pending_notices_come_in_order_until_sent(self, uow_factory) -> None:
        """In the order they were added, even within one instant (assigned, started, done)."""
        world, job = await _job(uow_factory)
        me = Recipient.technician(world.technician.id)
        other = Recipient.dealership(world.dealership.id)
        early, late = (
            Notice(uuid4(), me, kind, job.id, f.at(1))
            for kind in (NoticeKind.CHANGED, NoticeKind.ASSIGNED)
        )
        theirs = Notice(uuid4(), other, NoticeKind.ASSIGNED, job.id, f.at(2))
        async with uow_factory() as uow:
            await uow.notices.add(early)
            await uow.notices.add(theirs)
        async with uow_factory() as uow:
            await uow.notices.add(late)
        async with uow_factory() as uow:
            assert [early, late] == await uow.notices.pending(me)
            await uow.notices.mark_sent([early.id, late.id], outbox_id=None, at=f.at(9))
        async with uow_factory() as uow:
            assert [] == await uow.notices.pending(me)
            assert [theirs] == await uow.notices.pending(other)

    async def test_a_window_reads_back_and_is_replaced(self, uow_factory) -> None:
        recipient = Recipient.dealership(uuid4())
        first = NoticeWindow(recipient, f.at(0), f.at(10), flush_queued=True)
        async with uow_factory() as uow:
            assert None is await uow.notices.lock_window(recipient)
            await uow.notices.save_window(first)
        later = NoticeWindow(recipient, f.at(30), f.at(40), flush_queued=False)
        async with uow_factory() as uow:
            assert first == await uow.notices.lock_window(recipient)
            await uow.notices.save_window(later)
        async with uow_factory() as uow:
            assert later == await uow.notices.lock_window(recipient)

    async def test_one_recipients_window_is_held_by_one_unit_at_a_time(self, uow_factory) -> None:
        """Two changes at once for one technician: the second waits for the first's window."""
        recipient = Recipient.technician(uuid4())
        order: list[str] = []
        holding = asyncio.Event()

        async def first() -> None:
            async with uow_factory() as uow:
                await uow.notices.lock_window(recipient)
                holding.set()
                await asyncio.sleep(0.2)
                await uow.notices.save_window(NoticeWindow(recipient, f.at(0), f.at(60)))
                order.append("first")

        async def second() -> None:
            await holding.wait()
            async with uow_factory() as uow:
                window = await uow.notices.lock_window(recipient)
                order.append("second saw " + ("a window" if window else "none"))

        await asyncio.gather(first(), second())
        assert ["first", "second saw a window"] == order

    async def test_the_summary_is_claimed_once_a_day(self, uow_factory) -> None:
        day = date(2031, 1, 2 + f.serial() % 20)
        async with uow_factory() as uow:
            assert await uow.notices.claim_summary(day, at=f.at(0))
        async with uow_factory() as uow:
            assert not await uow.notices.claim_summary(day, at=f.at(1))


class TestPushSubscriptions:
    async def test_a_browser_is_one_subscription_whoever_logs_in(self, uow_factory) -> None:
        world = await f.add_world(uow_factory)
        second = f.technician(zone_id=world.zone.id)
        endpoint = f"https://push.example.net/{uuid4()}"
        mine = PushSubscription(
            uuid4(), world.technician.id, endpoint, "p" * 87, "a" * 22, f.at(0), "Firefox"
        )
        async with uow_factory() as uow:
            await uow.technicians.add(second)
            assert mine == await uow.push_subscriptions.save(mine)
        moved = attrs.evolve(mine, id=uuid4(), technician_id=second.id, created_at=f.at(5))
        async with uow_factory() as uow:
            stored = await uow.push_subscriptions.save(moved)
        assert (mine.id, second.id) == (stored.id, stored.technician_id)
        async with uow_factory() as uow:
            assert [] == await uow.push_subscriptions.for_technician(world.technician.id)
            assert [stored] == await uow.push_subscriptions.for_technician(second.id)
            assert not await uow.push_subscriptions.remove(
                endpoint, technician_id=world.technician.id
            )
            assert await uow.push_subscriptions.remove(endpoint, technician_id=second.id)
            assert not await uow.push_subscriptions.remove(endpoint)


class TestOptOuts:
    async def test_stop_until_start(self, uow_factory) -> None:
        phone = f.phone()
        async with uow_factory() as uow:
            assert None is await uow.opt_outs.get(phone)
            await uow.opt_outs.add(OptOut(phone, f.at(0), "STOP"))
            await uow.opt_outs.add(OptOut(phone, f.at(9), "carrier"))
        async with uow_factory() as uow:
            assert OptOut(phone, f.at(0), "STOP") == await uow.opt_outs.get(phone)
            assert await uow.opt_outs.remove(phone)
            assert not await uow.opt_outs.remove(phone)
            assert None is await uow.opt_outs.get(phone)
