"""Contracts of MMS media: the items' repository (memory and PostgreSQL), the blob store (memory
and filesystem), and the InboundStore keeping a text's media and queueing their fetch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import attrs
import factories as f
import pytest

from blob_contract import BlobStoreContract
from sm2_adapters.blobs import FileBlobStore
from sm2_adapters.memory import MemoryBlobStore
from sm2_core.domain.media import MediaItem, MediaRef, MediaState
from sm2_core.errors import InvalidInput, NotFound
from sm2_core.ports import BlobStore, UnitOfWorkFactory
from sm2_core.tasks import FetchMedia, ParseMessage

MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME{n}"


def refs(count: int) -> tuple[MediaRef, ...]:
    return tuple(
        MediaRef(id=uuid4(), url=MEDIA_URL.format(n=n), content_type="image/jpeg")
        for n in range(count)
    )


def pending(message, position: int = 0) -> MediaItem:
    return MediaItem.pending(
        message.media[position], message_id=message.id, position=position, at=f.at(position)
    )


async def stored_message(factory: UnitOfWorkFactory, media: int = 2):
    message = f.message(media=refs(media), num_media=media)
    async with factory() as uow:
        await uow.messages.add(message)
    return message


class TestMessagesKeepTheirMedia:
    async def test_a_text_s_media_come_back_in_order(self, uow_factory):
        """Ids, URLs and claimed types, as given; a text without media has none."""
        message = await stored_message(uow_factory, media=3)
        plain = f.message()
        async with uow_factory() as uow:
            await uow.messages.add(plain)
        async with uow_factory() as uow:
            assert message == await uow.messages.get(message.id)
            assert () == (await uow.messages.get(plain.id)).media

    async def test_an_update_keeps_the_media(self, uow_factory):
        message = await stored_message(uow_factory)
        async with uow_factory() as uow:
            await uow.messages.update(attrs.evolve(message, body="changed"))
        async with uow_factory() as uow:
            assert message.media == (await uow.messages.get(message.id)).media


class TestMediaRepository:
    async def test_a_saved_item_reads_back_whole(self, uow_factory):
        """Every field, a stored item's included."""
        message = await stored_message(uow_factory)
        item = (
            pending(message)
            .tried()
            .stored(content_type="image/png", size=5_000_000, blob_key="mms/a/b", at=f.at(5))
        )
        async with uow_factory() as uow:
            await uow.media.save(item)
        async with uow_factory() as uow:
            assert item == await uow.media.get(item.id)
            assert item == await uow.media.get(item.id, for_update=True)

    async def test_save_replaces_the_item(self, uow_factory):
        """Pending, then failed, then refused: the last one saved is the one read."""
        message = await stored_message(uow_factory)
        first = pending(message).tried().failed("HTTP 503", at=f.at(1))
        last = first.tried().refused("larger than 5 MB", at=f.at(2), size=6_000_000)
        async with uow_factory() as uow:
            await uow.media.save(first)
        async with uow_factory() as uow:
            await uow.media.save(last)
        async with uow_factory() as uow:
            got = await uow.media.get(last.id)
        assert (last, MediaState.REFUSED, None, 2) == (got, got.state, got.blob_key, got.attempts)

    async def test_items_of_texts_come_by_text_then_position(self, uow_factory):
        one, two, other = [await stored_message(uow_factory, media=2) for _ in range(3)]
        items = [pending(one, 1), pending(two, 0), pending(one, 0), pending(other, 0)]
        async with uow_factory() as uow:
            for item in items:
                await uow.media.save(item)
        async with uow_factory() as uow:
            found = await uow.media.for_messages([one.id, two.id])
        by_text = sorted([one, two], key=lambda m: str(m.id))
        expected = [(m.id, p) for m in by_text for p in (0, 1) if (m is one or p == 0)]
        assert expected == [(i.message_id, i.position) for i in found]
        async with uow_factory() as uow:
            assert [] == await uow.media.for_messages([])
            assert [] == await uow.media.for_messages([uuid4()])

    async def test_an_unknown_item_raises_not_found(self, uow_factory):
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.media.get(uuid4())

    async def test_an_item_of_an_unknown_text_is_refused(self, uow_factory):
        message = f.message(media=refs(1))
        with pytest.raises(InvalidInput):
            async with uow_factory() as uow:
                await uow.media.save(pending(message))

    async def test_a_rolled_back_save_leaves_nothing(self, uow_factory):
        message = await stored_message(uow_factory)

        async def save_then_fail() -> None:
            async with uow_factory() as uow:
                await uow.media.save(pending(message))
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            await save_then_fail()
        async with uow_factory() as uow:
            assert [] == await uow.media.for_messages([message.id])


@pytest.fixture(params=["memory", "filesystem"])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "memory":
        yield MemoryBlobStore()
        return
    yield FileBlobStore(tmp_path / "blobs")


class TestBlobStore(BlobStoreContract):
    """The port's contract (tests/blob_contract.py) on the memory fake and the filesystem."""


class TestFileBlobStore:
    async def test_files_are_whole_and_private(self, tmp_path: Path):
        """No partial file is left; the file is readable by its owner only."""
        store = FileBlobStore(tmp_path)
        await store.put("mms/t/item", b"photo")
        path = store.path("mms/t/item")
        assert (b"photo", 0o600) == (path.read_bytes(), path.stat().st_mode & 0o777)
        assert ["item"] == sorted(p.name for p in path.parent.iterdir())


class TestInboundStoreKeepsMedia:
    async def test_a_text_s_media_are_stored_and_each_fetch_queued(self, inbound):
        """The parse first, then one fetch per item in order; the media read back whole."""
        message = f.message(media=refs(2), num_media=2)
        assert (message, True) == await inbound.store.store_and_queue(message)
        async with inbound.uow() as uow:
            assert message == await uow.messages.get(message.id)
        assert [
            ParseMessage(message.id),
            FetchMedia(message.id, message.media[0].id),
            FetchMedia(message.id, message.media[1].id),
        ] == await inbound.queued()

    async def test_a_repeated_delivery_queues_no_fetch_again(self, inbound):
        message = f.message(media=refs(1), num_media=1)
        await inbound.store.store_and_queue(message)
        again = attrs.evolve(message, id=uuid4(), media=refs(1))
        assert (message, False) == await inbound.store.store_and_queue(again)
        assert 2 == len(await inbound.queued())

    async def test_texts_stored_together_each_queue_their_fetches(self, inbound):
        """A batch (group commit): every text's parse and fetches, none lost or doubled."""
        messages = [f.message(media=refs(n % 3), num_media=n % 3) for n in range(6)]
        await asyncio.gather(*(inbound.store.store_and_queue(m) for m in messages))
        queued = await inbound.queued()
        expected = {ParseMessage(m.id) for m in messages} | {
            FetchMedia(m.id, ref.id) for m in messages for ref in m.media
        }
        assert (expected, len(expected)) == (set(queued), len(queued))
