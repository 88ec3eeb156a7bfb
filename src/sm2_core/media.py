"""What a file may be: judged from its bytes, never from what it claims.

A dealership's MMS item: images (JPEG, PNG, GIF, HEIC/HEIF, WebP) and PDF, of at most
``MAX_MEDIA_BYTES`` each. A technician's photo of the work: JPEG, PNG, HEIC/HEIF or WebP only,
of at most ``MAX_PHOTO_BYTES``, and ``MAX_PHOTOS_PER_JOB`` per job. The type is read from the
first bytes (their magic numbers) with ``filetype``; HEIF files, whose type is named by the
brands of their ``ftyp`` box, are read here, because ``filetype`` knows only some of the brands
phones write.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import filetype

MAX_MEDIA_BYTES = 5 * 1024 * 1024
"""5 MB (MiB), Twilio's own limit for an MMS."""
MAX_MEDIA_LABEL = "5 MB"
#: Enough of the start of a file to tell its type (filetype reads no more than this).
_HEAD_BYTES = 8192

ACCEPTED_TYPES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "image/webp": "WebP",
    "application/pdf": "PDF",
}
"""The types taken, by their MIME name, with the name people know them by."""
ACCEPTED_LABEL = "images (JPEG, PNG, GIF, HEIC/HEIF, WebP) and PDF only"

MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""10 MB (MiB): a phone's photo at full resolution, with room to spare."""
MAX_PHOTOS_PER_JOB = 20
PHOTO_TYPES: dict[str, str] = {
    kind: name
    for kind, name in ACCEPTED_TYPES.items()
    if kind in ("image/jpeg", "image/png", "image/heic", "image/heif", "image/webp")
}
"""What a technician's photo may be: a photo (no GIF, no PDF)."""
PHOTO_LABEL = "photos (JPEG, PNG, HEIC/HEIF, WebP) only"

#: ``ftyp`` brands of a HEIF still image coded with HEVC (what iPhones and most Android
#: phones write), then those of any other HEIF still image.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis"})
_HEIF_BRANDS = frozenset({b"mif1", b"mif2"})
#: AVIF files are HEIF files too (``mif1`` among their brands): not taken, and named as such.
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


@attrs.frozen
class Download:
    """What fetching an item gave: its bytes, up to a limit."""

    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    complete: bool = True
    """False when there was more than the limit: ``data`` is then only its start (or empty)."""
    size: int | None = None
    """The whole item's size, when the source said it (Content-Length); else ``len(data)``."""


@attrs.frozen
class PreparedImage:
    """A photo as it is kept (``ImageProcessor.prepare``): its location removed, and a thumbnail."""

    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    content_type: str
    width: int
    """Pixels, as shown (the photo's orientation applied)."""
    height: int
    thumbnail: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    thumbnail_type: str


@attrs.frozen
class Accepted:
    content_type: str
    size: int


@attrs.frozen
class Refused:
    reason: str


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes are (from their start), or None when they are no type we know."""
    head = data[:_HEAD_BYTES]
    heif = _heif_type(head)
    if heif is not None:
        return heif
    found: str | None = filetype.guess_mime(head)
    return found


def judge(
    download: Download,
    *,
    limit: int = MAX_MEDIA_BYTES,
    types: Mapping[str, str] = ACCEPTED_TYPES,
    label: str = ACCEPTED_LABEL,
) -> Accepted | Refused:
    """Whether an item may be kept: small enough, and of one of ``types`` (``label`` names
    them for people)."""
    size = download.size if download.size is not None else len(download.data)
    if not download.complete or size > limit or len(download.data) > limit:
        known = f" ({size} bytes)" if download.size is not None else ""
        return Refused(f"larger than {size_label(limit)}{known}")
    if not download.data:
        return Refused("empty")
    kind = sniff(download.data)
    if kind is None:
        return Refused(f"not a type we recognise: {label}")
    if kind not in types:
        return Refused(f"{kind} is not taken: {label}")
    return Accepted(content_type=kind, size=len(download.data))


def size_label(limit: int) -> str:
    """A limit as people say it: ``5 MB`` for 5 MiB, else in bytes."""
    mib = 1024 * 1024
    return f"{limit // mib} MB" if limit % mib == 0 else f"{limit} bytes"


def _heif_type(head: bytes) -> str | None:
    """``image/heic`` or ``image/heif`` for an ISO base media file whose brands say so."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[:4], "big")
    if box_size < 16 or box_size > len(head):
        return None
    # The major brand, then (after the minor version) the compatible brands.
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_size - 3, 4)}
    if brands & _AVIF_BRANDS:
        return None
    if brands & _HEIC_BRANDS:
        return "image/heic"
    if brands & _HEIF_BRANDS:
        return "image/heif"
    return None
