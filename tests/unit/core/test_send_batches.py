"""One send task sends the texts waiting for their first send: each still goes once, whatever
the carrier answers each, and none is lost when the task fails."""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID, uuid4

import attrs
import pytest

from sm2_adapters.memory import ManualClock, MemoryStore, MemoryTaskQueue
from sm2_core.domain.records import OutboundSms, OutboundStatus
from sm2_core.errors import IntegrationError
from sm2_core.ports import OPTED_OUT_CODE
from sm2_core.services.outbox import OutboxService
from sm2_core.tasks import SendSms, TaskPayload

NOW = datetime(2026, 12, 4, 14, 0).astimezone()


def refused_for_now() -> IntegrationError:
    return IntegrationError("twilio", "503 Service Unavailable", transient=True, code="503")


def answer_lost() -> IntegrationError:
    return IntegrationError("twilio", "connection lost", transient=True, code="connection")


@attrs.define
class Carrier:
    """Takes every text but those it is told to refuse (by number, in order); counts the sends
    in flight at once."""

    refusals: dict[str, list[Exception]] = attrs.Factory(dict)
    lost: set[str] = attrs.Factory(set)
    """Numbers whose next text the carrier takes but whose answer never comes back."""
    sent: list[str] = attrs.Factory(list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def send(self, *, to: str, body: str) -> str:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # the batch's other sends start meanwhile
            if self.refusals.get(to):
                raise self.refusals[to].pop(0)
            self.sent.append(to)
            if to in self.lost:
                self.lost.discard(to)
                raise answer_lost()
            return f"SM{len(self.sent)}"
        finally:
            self.in_flight -= 1

    async def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        return f"SM{self.sent.index(to) + 1}" if to in self.sent else None


@attrs.define
class World:
    clock: ManualClock
    queue: MemoryTaskQueue
    store: MemoryStore
    carrier: Carrier
    outbox: OutboxService
    ran: list[UUID] = attrs.Factory(list)
    """The texts whose own task ran, in order."""

    async def texts(self, count: int) -> list[OutboundSms]:
        """``count`` confirmations queued, each to its own number, each with its send task."""
        queued = [
            OutboundSms(id=uuid4(), to_number=f"+1418555{n:04d}", body="Reçu", created_at=NOW)
            for n in range(count)
        ]
        async with self.store.unit_of_work() as uow:
            await uow.outbox.add_many(queued)
            for sms in queued:
                uow.tasks.add(SendSms(outbox_id=sms.id))
        return queued

    async def run(self) -> None:
        async def handle(task: TaskPayload) -> None:
            assert isinstance(task, SendSms)
            self.ran.append(task.outbox_id)
            await self.outbox.send(task.outbox_id)

        await self.queue.run_all(handle)

    def status(self, sms: OutboundSms) -> OutboundStatus:
        return self.store.tables.outbox[sms.id].status

    def waiting(self) -> list[UUID]:
        tasks = [*self.queue.pending, *(task for _, task in self.queue.scheduled)]
        return [task.outbox_id for task in tasks if isinstance(task, SendSms)]


@pytest.fixture
def world() -> World:
    clock = ManualClock(NOW)
    queue = MemoryTaskQueue(clock)
    store = MemoryStore(tasks=queue)
    carrier = Carrier()
    outbox = OutboxService(
        uow=store.unit_of_work, sms=carrier, clock=clock, batch_size=4, carrier_calls=2
    )
    return World(clock, queue, store, carrier, outbox)


async def test_one_task_sends_the_texts_waiting_behind_its_own(world: World) -> None:
    """Four texts a task: two tasks run for six texts, each text goes once, in queue order,
    and no send task is left."""
    texts = await world.texts(6)
    await world.run()
    assert [texts[0].id, texts[4].id] == world.ran
    assert [t.to_number for t in texts] == world.carrier.sent
    assert [OutboundStatus.SENT] * 6 == [world.status(t) for t in texts]
    assert [] == world.waiting()


async def test_the_carrier_has_at_most_carrier_calls_at_once(world: World) -> None:
    await world.texts(4)
    await world.run()
    assert 2 == world.carrier.most_in_flight


async def test_each_settled_text_is_announced(world: World) -> None:
    """The board hears of every text the batch settled, as it did of a lone one."""
    texts = await world.texts(3)
    await world.run()
    events = [(e.event.name, e.event.subject_id) for e in world.store.bus.published]
    assert [("message.status", t.id) for t in texts] == events


async def test_another_text_refused_for_now_is_tried_again_on_its_own(world: World) -> None:
    """FAILED until its own task runs, a few seconds on; then sent once."""
    a, b, c = await world.texts(3)
    world.carrier.refusals[b.to_number] = [refused_for_now()]
    await world.run()
    assert (OutboundStatus.FAILED, [b.id]) == (world.status(b), world.waiting())
    world.clock.advance(seconds=world.outbox.retry_seconds + 1)
    await world.run()
    assert [a.id, b.id] == world.ran
    assert ([OutboundStatus.SENT] * 3, 1) == (
        [world.status(t) for t in (a, b, c)],
        world.carrier.sent.count(b.to_number),
    )


async def test_the_tasks_own_text_refused_for_now_is_retried_by_the_queue(world: World) -> None:
    """The others are recorded SENT first; the task's failure brings the queue's retry."""
    a, b = await world.texts(2)
    world.carrier.refusals[a.to_number] = [refused_for_now()]
    await world.run()
    assert [a.id, a.id] == world.ran
    assert [a.to_number, b.to_number] == sorted(world.carrier.sent)
    assert [OutboundStatus.SENT] * 2 == [world.status(t) for t in (a, b)]


async def test_a_lost_answer_is_looked_up_not_sent_again(world: World) -> None:
    """The carrier took it but its answer never came: SENDING, then found in its record."""
    _, b = await world.texts(2)
    world.carrier.lost.add(b.to_number)
    await world.run()
    assert OutboundStatus.SENDING == world.status(b)
    world.clock.advance(seconds=world.outbox.retry_seconds + 1)
    await world.run()
    assert (OutboundStatus.SENT, 1) == (world.status(b), world.carrier.sent.count(b.to_number))
    assert "SM2" == world.store.tables.outbox[b.id].provider_sid


async def test_a_number_the_carrier_refuses_is_opted_out(world: World) -> None:
    """Twilio's 21610 for one text of the batch: that number is opted out, the rest sent."""
    a, b = await world.texts(2)
    world.carrier.refusals[b.to_number] = [
        IntegrationError("twilio", "unsubscribed recipient", transient=False, code=OPTED_OUT_CODE)
    ]
    await world.run()
    assert (OutboundStatus.SENT, OutboundStatus.OPTED_OUT) == (world.status(a), world.status(b))
    assert b.to_number in world.store.tables.opt_outs
    assert [] == world.waiting()


async def test_an_unexpected_error_loses_no_text(world: World) -> None:
    """An error the carrier's adapter does not name: the others are recorded, the task
    fails; the text stays SENDING and its own task, once the lease runs out, sends it."""
    a, b, c = await world.texts(3)
    world.carrier.refusals[b.to_number] = [RuntimeError("bug")]
    with pytest.raises(RuntimeError):
        await world.run()
    assert [OutboundStatus.SENT, OutboundStatus.SENDING, OutboundStatus.SENT] == [
        world.status(t) for t in (a, b, c)
    ]
    assert b.id in world.waiting()
    world.clock.advance(seconds=world.outbox.lease_seconds + 1)
    await world.run()
    assert (OutboundStatus.SENT, 1) == (world.status(b), world.carrier.sent.count(b.to_number))
