"""Contract of technicians' photos (``PhotoRepository``), on the memory fake and PostgreSQL; and
services' ``requires_photos`` (the reference specs carry it too)."""

from __future__ import annotations

from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.media import JobPhoto
from sm2_core.errors import AlreadyExists, InvalidInput, NotFound


async def stored_job(factory, world=None):
    world = world or await f.add_world(factory)
    job = f.job(world.dealership.id, tech_id=world.technician.id)
    async with factory() as uow:
        await uow.jobs.add(job)
    return world, job


def photo(world, job, seconds: float = 0, **kw) -> JobPhoto:
    photo_id = uuid4()
    values = {
        "id": photo_id,
        "job_id": job.id,
        "technician_id": world.technician.id,
        "content_type": "image/jpeg",
        "size": 3_456_789,
        "blob_key": f"photos/{job.id}/{photo_id}",
        "thumb_key": f"photos/{job.id}/{photo_id}.thumb",
        "created_at": f.at(seconds),
    }
    return JobPhoto(**(values | kw))


class TestPhotoRepository:
    async def test_a_photo_reads_back_whole(self, uow_factory):
        """Every field, the optional ones set (a HEIC photo kept as JPEG)."""
        world, job = await stored_job(uow_factory)
        full = photo(
            world, job, thumb_type="image/webp", width=4032, height=3024, original_type="image/heic"
        )
        bare = photo(world, job, seconds=1)
        async with uow_factory() as uow:
            await uow.photos.add(full)
            await uow.photos.add(bare)
        async with uow_factory() as uow:
            assert (full, bare) == (await uow.photos.get(full.id), await uow.photos.get(bare.id))
            assert (
                "image/jpeg",
                0,
                None,
            ) == (bare.thumb_type, bare.width, bare.original_type)

    async def test_photos_of_jobs_come_by_job_then_oldest_first(self, uow_factory):
        world, one = await stored_job(uow_factory)
        _, two = await stored_job(uow_factory, world)
        _, other = await stored_job(uow_factory, world)
        later, earlier, same_time = (
            photo(world, one, 50),
            photo(world, one, 10),
            photo(world, two, 10),
        )
        async with uow_factory() as uow:
            for p in (later, earlier, same_time, photo(world, other, 0)):
                await uow.photos.add(p)
        async with uow_factory() as uow:
            found = await uow.photos.for_jobs([one.id, two.id])
            counts = [await uow.photos.count(j.id) for j in (one, two, other)]
            empty = (await uow.photos.for_jobs([]), await uow.photos.count(uuid4()))
        by_job = sorted(
            [(one.id, [earlier, later]), (two.id, [same_time])], key=lambda x: str(x[0])
        )
        assert [p for _, photos in by_job for p in photos] == found
        assert ([2, 1, 1], ([], 0)) == (counts, empty)

    async def test_an_unknown_photo_is_not_found(self, uow_factory):
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.photos.get(uuid4())

    async def test_a_photo_of_an_unknown_job_is_refused(self, uow_factory):
        world, _ = await stored_job(uow_factory)
        ghost = f.job(world.dealership.id)
        with pytest.raises(InvalidInput):
            async with uow_factory() as uow:
                await uow.photos.add(photo(world, ghost))

    async def test_an_id_is_taken_once(self, uow_factory):
        world, job = await stored_job(uow_factory)
        first = photo(world, job)
        async with uow_factory() as uow:
            await uow.photos.add(first)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.photos.add(attrs.evolve(first, size=1))
        async with uow_factory() as uow:
            assert first == await uow.photos.get(first.id)

    async def test_a_rolled_back_add_leaves_nothing(self, uow_factory):
        world, job = await stored_job(uow_factory)

        async def add_then_fail() -> None:
            async with uow_factory() as uow:
                await uow.photos.add(photo(world, job))
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            await add_then_fail()
        async with uow_factory() as uow:
            assert (0, []) == (
                await uow.photos.count(job.id),
                await uow.photos.for_jobs([job.id]),
            )

    async def test_a_removed_photo_is_gone_and_the_others_stay(self, uow_factory):
        world, job = await stored_job(uow_factory)
        gone, kept = photo(world, job), photo(world, job, seconds=1)
        async with uow_factory() as uow:
            await uow.photos.add(gone)
            await uow.photos.add(kept)
        async with uow_factory() as uow:
            await uow.photos.remove(gone.id)
        async with uow_factory() as uow:
            assert ([kept], 1) == (
                await uow.photos.for_jobs([job.id]),
                await uow.photos.count(job.id),
            )
            with pytest.raises(NotFound):
                await uow.photos.get(gone.id)
            with pytest.raises(NotFound):
                await uow.photos.remove(gone.id)

    async def test_a_rolled_back_removal_keeps_the_photo(self, uow_factory):
        world, job = await stored_job(uow_factory)
        kept = photo(world, job)
        async with uow_factory() as uow:
            await uow.photos.add(kept)

        async def remove_then_fail() -> None:
            async with uow_factory() as uow:
                await uow.photos.remove(kept.id)
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            await remove_then_fail()
        async with uow_factory() as uow:
            assert kept == await uow.photos.get(kept.id)


class TestServicesRequirePhotos:
    async def test_the_flag_reads_back_and_changes(self, uow_factory):
        """Set, then cleared; a service made without it does not require photos."""
        service, plain = f.service(requires_photos=True), f.service()
        async with uow_factory() as uow:
            await uow.services.add(service)
            await uow.services.add(plain)
        async with uow_factory() as uow:
            assert (service, False) == (
                await uow.services.get(service.id),
                (await uow.services.get(plain.id)).requires_photos,
            )
            await uow.services.update(attrs.evolve(service, requires_photos=False))
        async with uow_factory() as uow:
            assert not (await uow.services.get(service.id)).requires_photos
