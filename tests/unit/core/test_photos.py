"""Proof of work on the memory system: a technician's photos attached, judged, kept without
their location, shown on the job; the limits; nothing half-written; services that require them.

The images are real (made with Pillow) and go through the real processor (Pillow's), as they
do in production: only the storage is in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from core_helpers import ADMIN, DONE, Demo, actions

import media_samples as sample
from sm2_adapters.images import PillowImages
from sm2_adapters.memory import MemoryBlobStore
from sm2_core.domain.enums import JobStatus, PolicyRule
from sm2_core.domain.media import AttachmentSource
from sm2_core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    PolicyViolation,
    TooLarge,
)
from sm2_core.media import MAX_PHOTO_BYTES
from sm2_core.services import PhotoService

TINY = sample.photo("JPEG", (64, 48))


async def attach(demo: Demo, job_id: Any, data: bytes = TINY, tech: str = "Julie") -> Any:
    return await demo.svc.photos.attach(job_id, data, actor=demo.as_tech(tech))


def stored(demo: Demo) -> dict[str, bytes]:
    return dict(demo.system.blobs.blobs)


class TestAttach:
    async def test_the_photo_is_kept_without_its_location_with_a_thumbnail(self, demo: Demo):
        """The bytes kept have no GPS; the thumbnail is beside them; the row names both."""
        job = await demo.in_progress_job("Julie")
        photo = await attach(demo, job.id, sample.photo("JPEG", xmp=True))
        kept = stored(demo)
        assert {photo.blob_key, photo.thumb_key} == set(kept)
        assert {} == sample.gps_of(kept[photo.blob_key])
        assert (photo.size, "image/jpeg", 1600, 1200) == (
            len(kept[photo.blob_key]),
            photo.content_type,
            photo.width,
            photo.height,
        )
        assert (job.id, demo.techs["Julie"].id) == (photo.job_id, photo.technician_id)

    async def test_it_is_listed_on_the_job_after_the_text_s_photos(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        first = await attach(demo, job.id)
        demo.system.clock.advance(seconds=5)
        second = await attach(demo, job.id, sample.photo("PNG", (40, 30)))
        shown = (await demo.svc.media.attachments([job]))[job.id]
        assert [
            (first.id, AttachmentSource.TECHNICIAN, "image/jpeg"),
            (second.id, AttachmentSource.TECHNICIAN, "image/png"),
        ] == [(a.id, a.source, a.content_type) for a in shown]
        assert {} == await demo.svc.media.attachments([await demo.new_job()])

    async def test_a_heic_photo_is_kept_as_jpeg(self, demo: Demo):
        job = await demo.scheduled_job("Julie")
        photo = await attach(demo, job.id, sample.photo("HEIF", (400, 300)))
        assert ("image/jpeg", "image/heic") == (photo.content_type, photo.original_type)
        assert b"\xff\xd8" == stored(demo)[photo.blob_key][:2]

    async def test_it_is_audited_on_the_job_and_announced(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        photo = await attach(demo, job.id)
        (entry,) = [e for e in await demo.timeline(job.id) if e.action == "photo"]
        assert ("tech:Julie Tremblay", str(photo.id), photo.size) == (
            entry.actor,
            entry.new_values["photo_id"],
            entry.new_values["size"],
        )
        event = demo.system.bus.published[-1].event
        assert ("job.updated", "photo", str(job.tech_id)) == (
            event.name,
            event.data["action"],
            event.data["tech_id"],
        )
        assert (await demo.job(job.id)).version == event.data["version"]

    @pytest.mark.parametrize("state", ["scheduled", "in_progress", "completed"])
    async def test_while_worked_on_and_until_approved(self, demo: Demo, state: str):
        """SCHEDULED, IN_PROGRESS, and COMPLETED before an admin approves it."""
        job = await getattr(demo, f"{state}_job")("Julie")
        assert job.id == (await attach(demo, job.id)).job_id


class TestRefusals:
    @pytest.mark.parametrize(
        ("data", "why"),
        [
            (sample.gif(), "image/gif is not taken"),
            (sample.pdf(), "application/pdf is not taken"),
            (b"hello, this is text named photo.jpg", "not a type we recognise"),
            (sample.html(), "not a type we recognise"),
            (sample.jpeg(), "cannot be read"),
            (b"", "empty"),
        ],
    )
    async def test_anything_but_a_readable_photo(self, demo: Demo, data: bytes, why: str):
        """Refused with why, and nothing kept."""
        job = await demo.in_progress_job("Julie")
        with pytest.raises(InvalidInput, match=why) as raised:
            await attach(demo, job.id, data)
        assert not isinstance(raised.value, TooLarge)
        assert ({}, []) == (stored(demo), await demo.svc.photos.of_job(job.id))

    async def test_over_10_mb(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        with pytest.raises(TooLarge, match="at most 10 MB") as raised:
            await attach(demo, job.id, TINY + b"\x00" * (MAX_PHOTO_BYTES + 1 - len(TINY)))
        assert {"file": "larger than 10 MB"} == raised.value.fields

    async def test_exactly_10_mb_is_taken(self, demo: Demo):
        """The limit itself is allowed (filler after the image's end is dropped)."""
        job = await demo.in_progress_job("Julie")
        photo = await attach(demo, job.id, TINY + b"\x00" * (MAX_PHOTO_BYTES - len(TINY)))
        assert photo.size < len(TINY) + 100

    async def test_twenty_per_job(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        for _ in range(20):
            await attach(demo, job.id)
        before = stored(demo)
        with pytest.raises(InvalidInput, match="at most 20") as raised:
            await attach(demo, job.id)
        assert ({"file": "at most 20 photos per job"}, before) == (
            raised.value.fields,
            stored(demo),
        )
        assert 20 == len(await demo.svc.photos.of_job(job.id))

    async def test_another_technicians_job_does_not_exist_for_him(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        with pytest.raises(NotFound):
            await attach(demo, job.id, tech="Karim")
        with pytest.raises(NotFound):
            await attach(demo, (await demo.new_job()).id)  # nobody's yet

    async def test_an_admin_login_has_no_jobs_of_its_own(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        with pytest.raises(PermissionDenied):
            await demo.svc.photos.attach(job.id, TINY, actor=ADMIN)

    async def test_not_while_held_for_review(self, demo: Demo):
        """A scheduled job put on hold (its service now needs approval) is not to be started:
        it takes no photo until an admin verifies it."""
        job = await demo.scheduled_job("Julie")
        await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, service_code="ENGINE_REPAIR"
        )
        with pytest.raises(InvalidTransition, match="held for review"):
            await attach(demo, job.id)
        await demo.svc.dispatch.verify(job.id, actor=ADMIN)
        assert job.id == (await attach(demo, job.id)).job_id

    async def test_not_once_cancelled_or_approved(self, demo: Demo):
        cancelled = await demo.scheduled_job("Julie")
        await demo.svc.dispatch.cancel(cancelled.id, "dealer called back", actor=ADMIN)
        with pytest.raises(InvalidTransition, match="CANCELLED"):
            await attach(demo, cancelled.id)
        approved = await demo.completed_job("Julie")
        await demo.svc.billing.approve(approved.id, actor=ADMIN)
        with pytest.raises(InvalidTransition, match="approved"):
            await attach(demo, approved.id)
        assert {} == stored(demo)


class FailingBlobs(MemoryBlobStore):
    """Fails the ``fail_at``-th put (1-based); counts deletes."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at, self.puts = fail_at, 0

    async def put(self, key: str, data: bytes) -> None:
        self.puts += 1
        if self.puts == self.fail_at:
            raise OSError("disk full")
        await super().put(key, data)


class Meanwhile:
    """An image processor that does something else while the photo is being prepared (another
    request landing between the first checks and the row)."""

    def __init__(self, act: Callable[[], Any]) -> None:
        self.act, self.images = act, PillowImages()

    async def prepare(self, data: bytes, *, content_type: str) -> Any:
        await self.act()
        return await self.images.prepare(data, content_type=content_type)


def photos_with(demo: Demo, **kw: Any) -> PhotoService:
    return attrs.evolve(demo.svc.photos, **kw)


class TestNothingHalfWritten:
    async def test_a_failed_thumbnail_write_leaves_no_row_and_no_blob(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        blobs = FailingBlobs(fail_at=2)
        with pytest.raises(OSError, match="disk full"):
            await photos_with(demo, blobs=blobs).attach(job.id, TINY, actor=demo.as_tech("Julie"))
        assert ({}, [], []) == (
            blobs.blobs,
            await demo.svc.photos.of_job(job.id),
            [e for e in await demo.timeline(job.id) if e.action == "photo"],
        )

    async def test_a_job_cancelled_while_the_photo_was_prepared(self, demo: Demo):
        """The row is refused: the blobs already written are deleted again."""
        job = await demo.in_progress_job("Julie")

        async def cancel() -> None:
            await demo.svc.dispatch.cancel(job.id, "dealer sold the car", actor=ADMIN)

        service = photos_with(demo, images=Meanwhile(cancel))
        with pytest.raises(InvalidTransition):
            await service.attach(job.id, TINY, actor=demo.as_tech("Julie"))
        assert ({}, []) == (stored(demo), await demo.svc.photos.of_job(job.id))

    async def test_the_last_place_taken_meanwhile(self, demo: Demo):
        """Two uploads at the 20th photo: one is kept, the other refused, its blobs gone."""
        job = await demo.in_progress_job("Julie")
        for _ in range(19):
            await attach(demo, job.id)

        async def other_upload() -> None:
            await attach(demo, job.id)

        with pytest.raises(InvalidInput, match="at most 20"):
            await photos_with(demo, images=Meanwhile(other_upload)).attach(
                job.id, TINY, actor=demo.as_tech("Julie")
            )
        photos = await demo.svc.photos.of_job(job.id)
        assert 20 == len(photos)
        assert {k for p in photos for k in (p.blob_key, p.thumb_key)} == set(stored(demo))


class TestViewing:
    async def test_admins_and_the_job_s_technician_only(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        photo = await attach(demo, job.id)
        for actor in (ADMIN, demo.as_tech("Julie")):
            found, data = await demo.svc.media.open(photo.id, actor=actor)
            assert (AttachmentSource.TECHNICIAN, stored(demo)[photo.blob_key]) == (
                found.source,
                data,
            )
        with pytest.raises(PermissionDenied):
            await demo.svc.media.open(photo.id, actor=demo.as_tech("Karim"))

    async def test_the_thumbnail_variant(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        photo = await attach(demo, job.id, sample.photo("PNG", (900, 600)))
        found, data = await demo.svc.media.open(photo.id, actor=ADMIN, thumbnail=True)
        assert ("image/jpeg", stored(demo)[photo.thumb_key]) == (found.content_type, data)

    async def test_an_unknown_id_is_not_found(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        with pytest.raises(NotFound, match="attachment"):
            await demo.svc.media.open(job.id, actor=ADMIN)


class TestServicesThatRequirePhotos:
    async def require(self, demo: Demo, code: str = "OIL_CHANGE") -> None:
        service = demo.services[code]
        await demo.svc.admin.update("services", service.id, {"requires_photos": True}, actor=ADMIN)

    async def test_completing_without_a_photo_is_refused(self, demo: Demo):
        await self.require(demo)
        job = await demo.in_progress_job("Julie")
        with pytest.raises(PolicyViolation) as raised:
            await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Julie"))
        assert PolicyRule.PHOTOS == raised.value.rule
        assert "requires photos" in raised.value.message
        assert JobStatus.IN_PROGRESS == (await demo.job(job.id)).status

    async def test_one_photo_is_enough(self, demo: Demo):
        await self.require(demo)
        job = await demo.in_progress_job("Julie")
        await attach(demo, job.id)
        done = await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Julie"))
        assert JobStatus.COMPLETED == done.status
        assert ["create", "assign", "accept", "photo", "complete"] == actions(
            await demo.timeline(job.id)
        )

    async def test_other_services_complete_without(self, demo: Demo):
        await self.require(demo, "PDI")
        job = await demo.in_progress_job("Julie")
        done = await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Julie"))
        assert JobStatus.COMPLETED == done.status

    async def test_a_job_not_in_progress_is_refused_for_that_first(self, demo: Demo):
        """The lifecycle's refusal comes before the photos rule's."""
        await self.require(demo)
        job = await demo.scheduled_job("Julie")
        with pytest.raises(InvalidTransition):
            await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Julie"))


class TestRemove:
    async def test_the_photo_and_its_blobs_go_the_timeline_says_so(self, demo: Demo):
        job = await demo.in_progress_job("Julie")
        wrong, kept = await attach(demo, job.id), await attach(demo, job.id)
        removed = await demo.svc.photos.remove(job.id, wrong.id, actor=demo.as_tech("Julie"))
        assert wrong == removed
        assert [kept] == await demo.svc.photos.of_job(job.id)
        assert {kept.blob_key, kept.thumb_key} == set(stored(demo))
        entry = (await demo.timeline(job.id))[-1]
        assert ("photo_removed", str(wrong.id), {}) == (
            entry.action,
            entry.old_values["photo_id"],
            entry.new_values,
        )

    async def test_not_another_technicians_nor_through_another_job(self, demo: Demo):
        job, other = await demo.in_progress_job("Julie"), await demo.in_progress_job("Julie")
        photo, elsewhere = await attach(demo, job.id), await attach(demo, other.id)
        with pytest.raises(NotFound):
            await demo.svc.photos.remove(job.id, photo.id, actor=demo.as_tech("Karim"))
        with pytest.raises(NotFound, match="photo"):
            await demo.svc.photos.remove(job.id, elsewhere.id, actor=demo.as_tech("Julie"))
        with pytest.raises(PermissionDenied):
            await demo.svc.photos.remove(job.id, photo.id, actor=ADMIN)
        assert 4 == len(stored(demo))

    async def test_the_last_photo_a_completed_job_requires_stays(self, demo: Demo):
        """Before completion the last may go (completing will ask for one again); after it,
        only once another was added."""
        service = demo.services["OIL_CHANGE"]
        await demo.svc.admin.update("services", service.id, {"requires_photos": True}, actor=ADMIN)
        julie = demo.as_tech("Julie")
        job = await demo.in_progress_job("Julie")
        first = await attach(demo, job.id)
        await demo.svc.photos.remove(job.id, first.id, actor=julie)
        second = await attach(demo, job.id)
        await demo.svc.field.complete(job.id, DONE, actor=julie)
        with pytest.raises(PolicyViolation) as raised:
            await demo.svc.photos.remove(job.id, second.id, actor=julie)
        assert PolicyRule.PHOTOS == raised.value.rule
        third = await attach(demo, job.id)
        await demo.svc.photos.remove(job.id, second.id, actor=julie)
        assert [third] == await demo.svc.photos.of_job(job.id)


class TestTheServicesCsv:
    """``requires_photos``: an optional column, like ``duration_minutes``."""

    @staticmethod
    def row(**extra: str) -> dict[str, str]:
        return {"code": "WAX", "name": "Wax", "name_fr": "Cire", "base_price": "10", **extra}

    async def flag(self, demo: Demo) -> bool:
        services = await demo.svc.admin.all("services")
        return next(s.requires_photos for s in services if s.code == "WAX")

    async def test_read_kept_when_absent_cleared_by_an_empty_cell(self, demo: Demo):
        imports = demo.svc.imports
        await imports.import_rows("services", [self.row()], actor=ADMIN)
        assert not await self.flag(demo), "a new service without the column: not required"
        await imports.import_rows("services", [self.row(requires_photos="oui")], actor=ADMIN)
        assert await self.flag(demo)
        await imports.import_rows("services", [self.row(base_price="12")], actor=ADMIN)
        assert await self.flag(demo), "a file without the column keeps it"
        await imports.import_rows("services", [self.row(requires_photos="")], actor=ADMIN)
        assert not await self.flag(demo)

    async def test_a_cell_that_is_no_yes_or_no_is_refused_by_line(self, demo: Demo):
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.imports.import_rows(
                "services", [self.row(requires_photos="sometimes")], actor=ADMIN
            )
        assert ["line 2"] == list(refused.value.fields)

    async def test_exported_and_read_back_unchanged(self, demo: Demo):
        oil = demo.services["OIL_CHANGE"]
        await demo.svc.admin.update("services", oil.id, {"requires_photos": True}, actor=ADMIN)
        rows = await demo.svc.imports.export_rows("services")
        cells = {row["code"]: row["requires_photos"] for row in rows}
        assert ("true", "false") == (cells["OIL_CHANGE"], cells["PDI"])
        report = await demo.svc.imports.import_rows("services", rows, actor=ADMIN)
        assert (0, len(rows)) == (report.updated, report.unchanged)
