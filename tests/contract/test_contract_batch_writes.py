"""Contract of the writes intake's batches use: many jobs, audit entries, texts back to the outbox
and job codes in one call each, exactly as the one-at-a-time writes would leave them."""

from __future__ import annotations

from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.records import MessageStatus
from sm2_core.errors import AlreadyExists, InvalidInput, NotFound


class TestJobs:
    async def test_jobs_added_together_read_back_field_for_field(self, uow_factory):
        """A job with every field set and a bare one, in one call: each reads back equal."""
        world = await f.add_world(uow_factory)
        jobs = [f.full_job(world), f.job(world.dealership.id)]
        async with uow_factory() as uow:
            await uow.jobs.add_many(jobs)
        async with uow_factory() as uow:
            assert jobs == [await uow.jobs.get(job.id) for job in jobs]

    async def test_one_job_at_fault_adds_none(self, uow_factory):
        """A known job code among new jobs: AlreadyExists, and the new ones are not there."""
        world = await f.add_world(uow_factory)
        known = f.job(world.dealership.id)
        async with uow_factory() as uow:
            await uow.jobs.add(known)
        fresh = f.job(world.dealership.id)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.jobs.add_many(
                    [fresh, f.job(world.dealership.id, job_code=known.job_code)]
                )
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.jobs.get(fresh.id)

    async def test_a_nul_character_is_refused(self, uow_factory):
        """PostgreSQL's text cannot hold NUL: InvalidInput, from the fake too."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id, request_text="oil\x00change")
        with pytest.raises(InvalidInput):
            async with uow_factory() as uow:
                await uow.jobs.add_many([job])

    async def test_nothing_to_add_is_no_error(self, uow_factory):
        """An empty batch writes nothing."""
        async with uow_factory() as uow:
            await uow.jobs.add_many([])

    async def test_codes_taken_together_count_up_after_the_last_one(self, uow_factory):
        """Three codes at once follow the one taken before, in order, and the next follows."""
        async with uow_factory() as uow:
            first = await uow.jobs.next_code(2031)
            many = await uow.jobs.next_codes(2031, 3)
            after = await uow.jobs.next_code(2031)
            none = await uow.jobs.next_codes(2031, 0)
        numbers = [int(code.rsplit("-", 1)[1]) for code in (first, *many, after)]
        assert (list(range(numbers[0], numbers[0] + 5)), []) == (numbers, none)
        assert all(code.startswith("SM2-2031-") for code in many)


class TestAudit:
    async def test_entries_added_together_keep_their_order(self, uow_factory):
        """Entries of one subject at the same moment read back in the order they were given."""
        subject = uuid4()
        entries = [f.audit_entry(subject, action=f"step {n}") for n in range(5)]
        async with uow_factory() as uow:
            await uow.audit.add_many(entries)
        async with uow_factory() as uow:
            assert entries == await uow.audit.for_subject("dealership", subject)


class TestMessages:
    async def test_texts_written_back_together(self, uow_factory):
        """Each text reads back as written; the others are untouched."""
        texts = [f.message(), f.message(), f.message()]
        async with uow_factory() as uow:
            for text in texts:
                await uow.messages.add(text)
        changed = [
            attrs.evolve(texts[0], status=MessageStatus.NO_WORK, parser="offline"),
            attrs.evolve(texts[2], status=MessageStatus.PROCESSED, job_ids=(uuid4(), uuid4())),
        ]
        async with uow_factory() as uow:
            await uow.messages.update_many(changed)
        async with uow_factory() as uow:
            assert [changed[0], texts[1], changed[1]] == [
                await uow.messages.get(t.id) for t in texts
            ]

    async def test_an_unknown_text_writes_none(self, uow_factory):
        """NotFound for a text never stored, and the known one is left as it was."""
        known = f.message()
        async with uow_factory() as uow:
            await uow.messages.add(known)
        with pytest.raises(NotFound):
            async with uow_factory() as uow:
                await uow.messages.update_many(
                    [attrs.evolve(known, status=MessageStatus.NO_WORK), f.message()]
                )
        async with uow_factory() as uow:
            assert known == await uow.messages.get(known.id)


class TestOutbox:
    async def test_texts_queued_together_read_back(self, uow_factory):
        """Confirmations of several dealerships in one call, each as given."""
        world = await f.add_world(uow_factory)
        job = f.job(world.dealership.id)
        async with uow_factory() as uow:
            await uow.jobs.add(job)
        texts = [f.sms(job_ids=(job.id,), dealership_id=world.dealership.id), f.sms()]
        async with uow_factory() as uow:
            await uow.outbox.add_many(texts)
        async with uow_factory() as uow:
            stored = [await uow.outbox.get(sms.id) for sms in texts]
        assert [(s.to_number, s.body, s.job_ids) for s in texts] == [
            (s.to_number, s.body, s.job_ids) for s in stored
        ]

    async def test_a_known_id_adds_none(self, uow_factory):
        """AlreadyExists, and the new text is not queued."""
        known, fresh = f.sms(), f.sms()
        async with uow_factory() as uow:
            await uow.outbox.add(known)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.outbox.add_many([fresh, known])
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.outbox.get(fresh.id)
