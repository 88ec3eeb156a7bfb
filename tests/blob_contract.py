"""The BlobStore port's contract, as a test class each store's suite inherits with its own
``blobs`` fixture: the memory fake and the filesystem (tests/contract), S3 on moto's server
(tests/integration/s3)."""

from __future__ import annotations

import asyncio

import pytest

from sm2_core.errors import InvalidInput, NotFound

#: Keys that could leave the store (a path, a parent, a hidden file) or name nothing.
BAD_KEYS = ["", "../escape", "a/../b", "/absolute", "a//b", ".hidden", "a/.b", "a/b/", "a\\b", "é"]


class BlobStoreContract:
    """Needs a ``blobs`` fixture: an empty store."""

    async def test_put_then_get_returns_the_bytes(self, blobs):
        data = bytes(range(256)) * 100
        await blobs.put("mms/one/two", data)
        assert data == await blobs.get("mms/one/two")

    async def test_put_replaces(self, blobs):
        await blobs.put("a", b"first")
        await blobs.put("a", b"second")
        assert b"second" == await blobs.get("a")

    async def test_an_empty_blob_is_kept(self, blobs):
        await blobs.put("empty.bin", b"")
        assert b"" == await blobs.get("empty.bin")

    async def test_a_photo_sized_blob_comes_back_whole(self, blobs):
        """Several megabytes, every byte (a photo, its thumbnail beside it)."""
        data = bytes(range(251)) * 40_000
        await blobs.put("photos/job/p1", data)
        await blobs.put("photos/job/p1.thumb", b"small")
        assert (data, b"small") == (
            await blobs.get("photos/job/p1"),
            await blobs.get("photos/job/p1.thumb"),
        )

    async def test_get_of_a_missing_key_raises_not_found(self, blobs):
        for key in ("missing", "mms/missing/deeper"):
            with pytest.raises(NotFound):
                await blobs.get(key)

    async def test_delete_forgets_and_deleting_twice_is_harmless(self, blobs):
        await blobs.put("k/v", b"x")
        await blobs.delete("k/v")
        await blobs.delete("k/v")
        await blobs.delete("never/there")
        with pytest.raises(NotFound):
            await blobs.get("k/v")

    async def test_delete_leaves_the_other_keys(self, blobs):
        await blobs.put("photos/j/a", b"a")
        await blobs.put("photos/j/a.thumb", b"t")
        await blobs.delete("photos/j/a")
        assert b"t" == await blobs.get("photos/j/a.thumb")

    async def test_writers_of_one_key_leave_one_whole_value(self, blobs):
        """Concurrent puts: the value read is one of theirs, whole."""
        values = [bytes([n]) * 50_000 for n in range(6)]
        await asyncio.gather(*(blobs.put("race", v) for v in values))
        assert await blobs.get("race") in values

    @pytest.mark.parametrize("key", BAD_KEYS)
    async def test_keys_that_could_leave_the_store_are_refused(self, blobs, key):
        with pytest.raises(InvalidInput):
            await blobs.put(key, b"x")
        with pytest.raises(InvalidInput):
            await blobs.get(key)
        with pytest.raises(InvalidInput):
            await blobs.delete(key)
