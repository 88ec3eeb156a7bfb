"""Contract of the record repositories: audit entries, inbound messages, the SMS outbox."""

from __future__ import annotations

from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.records import MessageStatus, OutboundStatus
from sm2_core.errors import AlreadyExists, NotFound
from sm2_core.ports import UnitOfWorkFactory

NESTED = {
    "status": "SCHEDULED",
    "tech": {"id": "7f1c0e0a-3c1d-4e7b-9d5a-2f0e8b6c4a11", "name": "Éric", "skills": ["OIL"]},
    "review_reasons": [],
    "parts": [{"name": "Filter", "quantity": 1}, {"name": "Oil", "quantity": 5}],
    "confidence": 0.875,
    "score": -3,
    "flagged": True,
    "cancel_reason": None,
}


async def add_message(factory: UnitOfWorkFactory, **kw):
    message = f.message(**kw)
    async with factory() as uow:
        await uow.messages.add(message)
    return message


class TestAudit:
    async def test_entries_come_oldest_first_for_one_subject(self, uow_factory):
        """for_subject returns that subject's entries only, oldest first."""
        subject = uuid4()
        late, early, middle = (f.audit_entry(subject, at=f.at(s)) for s in (50, 1, 20))
        async with uow_factory() as uow:
            for entry in (
                late,
                early,
                f.audit_entry(uuid4()),
                middle,
                f.audit_entry(subject, subject="technician"),
            ):
                await uow.audit.add(entry)
        async with uow_factory() as uow:
            assert [early, middle, late] == await uow.audit.for_subject("dealership", subject)

    async def test_entries_at_the_same_time_keep_the_order_they_were_added(self, uow_factory):
        """Ties on the time keep insertion order, within and across units of work."""
        subject = uuid4()
        entries = [
            f.audit_entry(subject, id=i, action=f"step {n}")
            for n, i in enumerate(sorted((uuid4() for _ in range(4)), reverse=True))
        ]
        async with uow_factory() as uow:
            await uow.audit.add(entries[0])
            await uow.audit.add(entries[1])
        async with uow_factory() as uow:
            await uow.audit.add(entries[2])
            await uow.audit.add(entries[3])
        async with uow_factory() as uow:
            assert entries == await uow.audit.for_subject("dealership", subject)

    async def test_old_and_new_values_round_trip_nested_documents(self, uow_factory):
        """Nested dicts and lists, numbers, booleans and None come back unchanged."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        entry = f.audit_entry(
            job.id,
            subject="job",
            job_id=job.id,
            action="assign",
            old_values={"status": "PENDING", "tech": None},
            new_values=NESTED,
        )
        async with uow_factory() as uow:
            await uow.jobs.add(job)
            await uow.audit.add(entry)
        async with uow_factory() as uow:
            assert [entry] == await uow.audit.for_subject("job", job.id)

    async def test_an_unknown_subject_has_no_entries(self, uow_factory):
        """for_subject of a subject without entries is an empty list."""
        async with uow_factory() as uow:
            assert [] == await uow.audit.for_subject("job", uuid4())


class TestMessages:
    async def test_add_stores_a_new_message_and_says_so(self, uow_factory):
        """A new sid is stored: add returns it with True, get reads every field back."""
        world = await f.add_world(uow_factory)
        message = f.message(
            status=MessageStatus.PROCESSED,
            dealership_id=world.dealership.id,
            job_ids=(uuid4(), uuid4()),
            parser="openai",
            parse_confidence=0.91,
            num_media=2,
            received_at=f.at(0.000001),
        )
        async with uow_factory() as uow:
            assert (message, True) == await uow.messages.add(message)
        async with uow_factory() as uow:
            assert message == await uow.messages.get(message.id)

    async def test_a_known_sid_returns_the_stored_message(self, uow_factory):
        """A second delivery of a sid is not stored: add returns the first one and False."""
        first = await add_message(uow_factory, body="first")
        again = f.message(sid=first.sid, body="second delivery")
        async with uow_factory() as uow:
            assert (first, False) == await uow.messages.add(again)
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.messages.get(again.id)

    async def test_a_known_sid_in_the_same_unit_returns_the_stored_message(self, uow_factory):
        """Idempotence holds inside one unit of work too."""
        first = f.message()
        async with uow_factory() as uow:
            await uow.messages.add(first)
            assert (first, False) == await uow.messages.add(f.message(sid=first.sid))

    async def test_get_for_update_reads_the_message(self, uow_factory):
        """get(for_update=True) returns the same message as a plain get."""
        message = await add_message(uow_factory)
        async with uow_factory() as uow:
            assert message == await uow.messages.get(message.id, for_update=True)

    async def test_get_of_an_unknown_id_raises_not_found(self, uow_factory):
        """get raises NotFound, with or without for_update."""
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.messages.get(uuid4())
            with pytest.raises(NotFound):
                await uow.messages.get(uuid4(), for_update=True)

    async def test_update_stores_every_field(self, uow_factory):
        """update saves the message as given."""
        world = await f.add_world(uow_factory)
        message = await add_message(uow_factory)
        changed = attrs.evolve(
            message,
            status=MessageStatus.NO_WORK,
            body="merci!",
            dealership_id=world.dealership.id,
            job_ids=(uuid4(),),
            parser="offline",
            parse_confidence=0.5,
            num_media=1,
        )
        async with uow_factory() as uow:
            await uow.messages.update(changed)
        async with uow_factory() as uow:
            assert changed == await uow.messages.get(message.id)

    async def test_update_of_an_unknown_message_raises_not_found(self, uow_factory):
        """update never creates a message."""
        with pytest.raises(NotFound):
            async with uow_factory() as uow:
                await uow.messages.update(f.message())

    async def test_inbox_holds_unmatched_and_no_work_newest_first(self, uow_factory):
        """The inbox lists only UNMATCHED and NO_WORK messages, the newest first."""
        expected = []
        for seconds, status in enumerate(MessageStatus):
            message = await add_message(uow_factory, status=status, received_at=f.at(seconds))
            if status in (MessageStatus.UNMATCHED, MessageStatus.NO_WORK):
                expected.insert(0, message)
        async with uow_factory() as uow:
            assert expected == await uow.messages.inbox()

    async def test_inbox_stops_at_the_limit(self, uow_factory):
        """inbox(limit=n) returns the n newest."""
        messages = [
            await add_message(uow_factory, status=MessageStatus.UNMATCHED, received_at=f.at(s))
            for s in (3, 1, 4, 2)
        ]
        async with uow_factory() as uow:
            assert [messages[2], messages[0]] == await uow.messages.inbox(limit=2)


class TestOutbox:
    async def test_add_then_get_returns_every_field(self, uow_factory):
        """A text with a job, a provider sid and an error reads back equal."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        sms = f.sms(
            job_id=job.id,
            status=OutboundStatus.FAILED,
            provider_sid="SM123",
            error="429 Too Many",
            created_at=f.at(0.5),
            body="Job reçu: SM2-2026-001 — merci",
        )
        async with uow_factory() as uow:
            await uow.jobs.add(job)
            await uow.outbox.add(sms)
        async with uow_factory() as uow:
            assert sms == await uow.outbox.get(sms.id)

    async def test_a_queued_text_keeps_its_nones(self, uow_factory):
        """A fresh text reads back QUEUED, without job, sid or error."""
        sms = f.sms()
        async with uow_factory() as uow:
            await uow.outbox.add(sms)
        async with uow_factory() as uow:
            assert sms == await uow.outbox.get(sms.id)

    @pytest.mark.parametrize(
        ("status", "provider_sid", "error"),
        [
            (OutboundStatus.SENT, "SM9f2", None),
            (OutboundStatus.NOT_CONFIGURED, None, "no Twilio token"),
            (OutboundStatus.FAILED, None, "unreachable"),
        ],
    )
    async def test_update_records_the_outcome(self, uow_factory, status, provider_sid, error):
        """update saves the sending's status, provider sid and error."""
        sms = f.sms()
        async with uow_factory() as uow:
            await uow.outbox.add(sms)
        sent = attrs.evolve(sms, status=status, provider_sid=provider_sid, error=error)
        async with uow_factory() as uow:
            await uow.outbox.update(sent)
        async with uow_factory() as uow:
            assert sent == await uow.outbox.get(sms.id)

    async def test_unknown_texts_raise_not_found(self, uow_factory):
        """get and update of a text nobody added raise NotFound."""
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.outbox.get(uuid4())
        with pytest.raises(NotFound):
            async with uow_factory() as uow:
                await uow.outbox.update(f.sms())


class TestTakenIds:
    """Like jobs and reference rows, records refuse a second add under a taken id."""

    async def test_an_audit_entry_with_a_taken_id_raises_already_exists(self, uow_factory):
        """A second entry under a used id is refused, not appended."""
        entry = f.audit_entry(uuid4())
        async with uow_factory() as uow:
            await uow.audit.add(entry)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.audit.add(attrs.evolve(entry, action="again"))
        async with uow_factory() as uow:
            assert [entry] == await uow.audit.for_subject(entry.subject, entry.subject_id)

    async def test_a_message_with_a_taken_id_raises_already_exists(self, uow_factory):
        """A new sid under a used id is refused; the stored message is not overwritten."""
        message = await add_message(uow_factory)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.messages.add(f.message(id=message.id))
        async with uow_factory() as uow:
            assert message == await uow.messages.get(message.id)

    async def test_a_text_with_a_taken_id_raises_already_exists(self, uow_factory):
        """A second text under a used id is refused; the stored one is not overwritten."""
        sms = f.sms()
        async with uow_factory() as uow:
            await uow.outbox.add(sms)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.outbox.add(f.sms(id=sms.id))
        async with uow_factory() as uow:
            assert sms == await uow.outbox.get(sms.id)
