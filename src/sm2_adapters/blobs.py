"""The blob store on the local filesystem: one file per key under a root directory (the
default; ``blobs_from_settings`` picks S3 when ``SM2_BLOB_URL`` says so).

A file is written whole or not at all (a temporary file, fsync'd, then renamed into place), so
a reader never sees half of one and a crash leaves at most a ``.partial`` file behind. Keys are
checked before they touch a path: ``/``-separated words of letters, digits, ``.``, ``_`` and
``-``, none starting with ``.`` (no ``..``, no hidden files, nothing absolute).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sm2_core.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sm2_adapters.settings import Settings
    from sm2_core.ports import BlobStore

_WORD = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
_KEY = re.compile(rf"^{_WORD}(/{_WORD}){{0,7}}$")
_PARTIAL = ".partial"


def check_key(key: str) -> str:
    """``key`` when it is a valid blob key; InvalidInput otherwise."""
    if not _KEY.fullmatch(key) or key.endswith(_PARTIAL):
        raise InvalidInput(f"not a blob key: {key!r}")
    return key


def blobs_from_settings(settings: Settings) -> BlobStore:
    """S3-compatible storage when ``SM2_BLOB_URL`` names a bucket, else the filesystem."""
    if settings.blob_url:
        from sm2_adapters.s3blobs import S3BlobStore

        return S3BlobStore.connect(
            settings.blob_url,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=settings.aws_secret_access_key,
            session_token=settings.aws_session_token,
        )
    return FileBlobStore(settings.blobs_path)


class FileBlobStore:
    """The BlobStore port on a directory (by default ``SM2_DATA_DIR/blobs``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(key), bytes(data))

    async def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound("blob", key) from None

    async def delete(self, key: str) -> None:
        path = self.path(key)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            await asyncio.to_thread(path.unlink)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A name of its own per writer: two writers of one key never share a partial file.
        partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}{_PARTIAL}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
