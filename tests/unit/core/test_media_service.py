"""MMS media on the memory system: recorded at receipt, fetched by a task, judged, kept, shown on
the text's jobs, and served to those allowed to see them."""

from __future__ import annotations

import pytest
from core_helpers import ADMIN, Demo, parse_result

import media_samples as sample
from sm2_core.domain.media import AttachmentSource, MediaState
from sm2_core.domain.records import InboundMessage, ReceivedMedia, ReceivedSms
from sm2_core.errors import IntegrationError, InvalidInput, NotFound, PermissionDenied
from sm2_core.media import MAX_MEDIA_BYTES
from sm2_core.parsing import ParsedRequest
from sm2_core.tasks import FetchMedia, ParseMessage

FORD_LEVIS = "+14185550102"
TWILIO = "+14185550000"
BODY = "oil change F150, photo of the dash attached"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages/MM1/Media/"


def url(n: int) -> str:
    return f"{MEDIA}ME{n:032d}"


def transient() -> IntegrationError:
    return IntegrationError("twilio", "HTTP 503: busy", transient=True, code="503")


async def receive(demo: Demo, *media: ReceivedMedia, sid: str = "MMtext1") -> InboundMessage:
    """A text from Ford Lévis with ``media``, as the webhook hands it to receipt."""
    demo.parser.reads(BODY, parse_result(F150))
    sms = ReceivedSms(
        sid=sid,
        from_number=FORD_LEVIS,
        to_number=TWILIO,
        body=BODY,
        num_media=str(len(media)),
        media=media,
    )
    return (await demo.svc.receipt.receive_sms(sms)).message


def item(demo: Demo, message: InboundMessage, n: int = 0):
    return demo.system.store.tables.media[message.media[n].id]


class TestReceipt:
    async def test_items_are_kept_with_the_text_and_a_fetch_queued_for_each(self, demo: Demo):
        """Two photos: both recorded with the text (URL, claimed type), two fetch tasks."""
        message = await receive(
            demo, ReceivedMedia(url(0), "image/jpeg"), ReceivedMedia(url(1), "Image/PNG ")
        )
        assert [(url(0), "image/jpeg"), (url(1), "image/png")] == [
            (ref.url, ref.content_type) for ref in message.media
        ]
        assert message == demo.system.store.tables.messages[message.id]
        assert [
            ParseMessage(message.id),
            FetchMedia(message.id, message.media[0].id),
            FetchMedia(message.id, message.media[1].id),
        ] == demo.system.tasks.pending
        assert [] == demo.system.media.fetched  # nothing fetched before the 200

    async def test_before_their_fetch_items_are_pending(self, demo: Demo):
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        (items,) = (await demo.svc.media.items([message])).values()
        assert [(MediaState.PENDING, "image/jpeg", 0)] == [
            (i.state, i.declared_type, i.attempts) for i in items
        ]

    async def test_a_media_url_that_cannot_be_stored_refuses_the_text(self, demo: Demo):
        """Like a NUL in the body: named by its wire name."""
        with pytest.raises(InvalidInput) as refused:
            await receive(demo, ReceivedMedia(url(0)), ReceivedMedia("x" * 3000))
        assert ["MediaUrl1"] == list(refused.value.fields)

    async def test_more_than_ten_items_refuse_the_text(self, demo: Demo):
        with pytest.raises(InvalidInput) as refused:
            await receive(demo, *(ReceivedMedia(url(n)) for n in range(11)))
        assert "MediaUrl" in refused.value.fields


class TestFetch:
    async def test_an_image_is_stored_with_the_type_its_bytes_say(self, demo: Demo):
        """Claimed a JPEG, is a PNG: kept as a PNG, shown on the text's job."""
        demo.system.media.add(url(0), sample.png(), "image/jpeg")
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        stored = item(demo, message)
        assert (MediaState.STORED, "image/png", len(sample.png()), 1) == (
            stored.state,
            stored.content_type,
            stored.size,
            stored.attempts,
        )
        assert sample.png() == demo.system.blobs.blobs[stored.blob_key or ""]
        (job_id,) = demo.system.store.tables.messages[message.id].job_ids
        job = await demo.job(job_id)
        (attachment,) = await demo.svc.media.attachments_of(job)
        assert (stored.id, "image/png", AttachmentSource.MMS) == (
            attachment.id,
            attachment.content_type,
            attachment.source,
        )

    async def test_a_type_not_taken_is_refused_once_and_kept_nowhere(self, demo: Demo):
        demo.system.media.add(url(0), sample.html(), "image/jpeg")
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        refused = item(demo, message)
        assert MediaState.REFUSED is refused.state
        assert "images (JPEG, PNG, GIF, HEIC/HEIF, WebP) and PDF only" in (refused.error or "")
        assert ([url(0)], {}) == (demo.system.media.fetched, demo.system.blobs.blobs)

    async def test_an_item_over_5_mb_is_refused(self, demo: Demo):
        demo.system.media.add(url(0), sample.jpeg(MAX_MEDIA_BYTES + 10))
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        refused = item(demo, message)
        assert (MediaState.REFUSED, MAX_MEDIA_BYTES + 10) == (refused.state, refused.size)
        assert (refused.error or "").startswith("larger than 5 MB")
        assert {} == demo.system.blobs.blobs

    async def test_a_transient_failure_is_retried_by_the_queue_then_stored(self, demo: Demo):
        """A 503 then the file: stored on the second try."""
        demo.system.media.add(url(0), sample.jpeg())
        demo.system.media.fail_with.append(transient())
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        stored = item(demo, message)
        assert (MediaState.STORED, None, 2) == (stored.state, stored.error, stored.attempts)
        assert [url(0), url(0)] == demo.system.media.fetched

    async def test_transient_failures_until_the_last_try_leave_it_failed(self, demo: Demo):
        """The memory queue tries three times: then the item shows failed with its error."""
        demo.system.media.add(url(0), sample.jpeg())
        demo.system.media.fail_with.extend(transient() for _ in range(3))
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        failed = item(demo, message)
        assert (MediaState.FAILED, "twilio: HTTP 503: busy [503]", 3) == (
            failed.state,
            failed.error,
            failed.attempts,
        )
        (task, _), *_ = demo.system.tasks.failed
        assert FetchMedia(message.id, failed.id) == task

    async def test_a_permanent_failure_is_not_retried(self, demo: Demo):
        """A 404 (the media was deleted): failed after one try."""
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        failed = item(demo, message)
        assert (MediaState.FAILED, 1) == (failed.state, failed.attempts)
        assert "404" in (failed.error or "")
        assert [url(0)] == demo.system.media.fetched

    async def test_a_url_that_is_not_the_carriers_is_refused(self, demo: Demo):
        message = await receive(demo, ReceivedMedia("https://evil.example/steal", "image/jpeg"))
        await demo.system.run_tasks()
        refused = item(demo, message)
        assert MediaState.REFUSED is refused.state
        assert "not a media URL of our Twilio account" in (refused.error or "")

    async def test_a_stored_item_is_not_fetched_again(self, demo: Demo):
        """The task delivered twice: one fetch."""
        demo.system.media.add(url(0), sample.jpeg())
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()
        again = await demo.svc.media.fetch(message.id, message.media[0].id)
        assert MediaState.STORED is again.state
        assert [url(0)] == demo.system.media.fetched

    async def test_an_unknown_item_is_not_found(self, demo: Demo):
        message = await receive(demo)
        with pytest.raises(NotFound):
            await demo.svc.media.fetch(message.id, message.id)


class TestOpen:
    async def _stored(self, demo: Demo):
        demo.system.media.add(url(0), sample.png())
        message = await receive(demo, ReceivedMedia(url(0), "image/png"))
        await demo.system.run_tasks()
        (job_id,) = demo.system.store.tables.messages[message.id].job_ids
        return message.media[0].id, job_id

    async def test_an_admin_gets_the_bytes(self, demo: Demo):
        attachment_id, _ = await self._stored(demo)
        found, data = await demo.svc.media.open(attachment_id, actor=ADMIN)
        assert ("image/png", sample.png()) == (found.content_type, data)

    async def test_the_assigned_technician_gets_the_bytes_another_does_not(self, demo: Demo):
        attachment_id, job_id = await self._stored(demo)
        await demo.svc.dispatch.assign(job_id, demo.techs["Julie"].id, actor=ADMIN)
        _, data = await demo.svc.media.open(attachment_id, actor=demo.as_tech("Julie"))
        assert sample.png() == data
        with pytest.raises(PermissionDenied):
            await demo.svc.media.open(attachment_id, actor=demo.as_tech("Karim"))

    async def test_an_unassigned_job_s_file_is_for_admins_only(self, demo: Demo):
        attachment_id, _ = await self._stored(demo)
        with pytest.raises(PermissionDenied):
            await demo.svc.media.open(attachment_id, actor=demo.as_tech("Julie"))

    async def test_an_item_not_stored_is_no_attachment(self, demo: Demo):
        message = await receive(demo, ReceivedMedia(url(0), "image/jpeg"))
        await demo.system.run_tasks()  # 404: failed
        with pytest.raises(NotFound):
            await demo.svc.media.open(message.media[0].id, actor=ADMIN)
