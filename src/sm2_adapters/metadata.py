"""A photo's location taken out of its file, the image itself left byte for byte as it was.

Phones write where a photo was taken in its EXIF (the GPS block), and may repeat it in XMP
(and, for JPEG, in Photoshop's IPTC block or in a motion photo's video after the image). Each
container is read segment by segment (JPEG markers, PNG chunks, WebP's RIFF chunks); the EXIF
is written again without its GPS block (Pillow's ``Image.Exif``), the other carriers are
dropped whole, and every other segment is copied unchanged, so the pixels are never encoded
again. A file whose structure is broken is refused (InvalidInput), never half-kept.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from PIL import Image

from sm2_core.errors import InvalidInput

_EXIF_HEADER = b"Exif\x00\x00"
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
#: A JPEG segment holds at most 65,535 bytes, its 2-byte length included.
_MAX_SEGMENT = 65_533


def exif_without_location(raw: bytes) -> bytes | None:
    """EXIF (with or without its ``Exif\\0\\0`` header) written again without the GPS block,
    with the header; None when it cannot be read (then it is dropped whole)."""
    exif = Image.Exif()
    try:
        exif.load(raw if raw.startswith(_EXIF_HEADER) else _EXIF_HEADER + raw)
        exif.pop(_GPS_IFD, None)
        written = exif.tobytes()
    except Exception:  # a broken EXIF block is dropped, whatever Pillow raised reading it
        return None
    if len(written) > _MAX_SEGMENT:
        # Larger once written again (rare): the orientation alone, so the photo stays upright.
        minimal = Image.Exif()
        if _ORIENTATION in exif:
            minimal[_ORIENTATION] = exif[_ORIENTATION]
        written = minimal.tobytes()
    return written


def without_location(data: bytes, content_type: str) -> bytes:
    """The photo's file without what could say where it was taken."""
    if content_type == "image/jpeg":
        return jpeg_without_location(data)
    if content_type == "image/png":
        return png_without_location(data)
    if content_type == "image/webp":
        return webp_without_location(data)
    raise InvalidInput(f"{content_type}: not a file whose location can be taken out as it is")


# --- JPEG ---------------------------------------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP1, _APP2, _APP13 = 0xE1, 0xE2, 0xED
#: Markers without a length: TEM and the restart markers.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
_MPF_HEADER = b"MPF\x00"


def _broken(kind: str) -> InvalidInput:
    return InvalidInput(f"The {kind} file is damaged: its structure cannot be read")


def jpeg_without_location(data: bytes) -> bytes:
    """Every segment up to the image's end but EXIF's GPS block, XMP, IPTC (APP13) and the
    multi-picture index (APP2 ``MPF``, whose pictures come after the end and are dropped)."""
    if data[:2] != b"\xff\xd8":
        raise _broken("JPEG")
    kept = [data[:2]]
    for marker, start, end in _jpeg_segments(data):
        segment = data[start:end]
        payload = segment[4:]
        if marker == _APP1 and payload.startswith(_EXIF_HEADER):
            exif = exif_without_location(payload)
            segment = b"" if exif is None else _jpeg_segment(_APP1, exif)
        elif (
            (marker == _APP1 and payload.startswith(_XMP_HEADERS))
            or marker == _APP13
            or (marker == _APP2 and payload.startswith(_MPF_HEADER))
        ):
            segment = b""
        kept.append(segment)
    return b"".join(kept)


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each segment after SOI, up to and including EOI; a scan's
    entropy-coded data goes with its SOS segment."""
    at = 2
    while True:
        at = _next_marker(data, at)
        marker = data[at + 1]
        if marker == _EOI:
            yield marker, at, at + 2
            return
        if marker in _STANDALONE or marker == _SOI:
            yield marker, at, at + 2
            at += 2
            continue
        if at + 4 > len(data):
            raise _broken("JPEG")
        end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if end <= at + 3 or end > len(data):
            raise _broken("JPEG")
        if marker == _SOS:
            end = _scan_end(data, end)
        yield marker, at, end
        at = end


def _next_marker(data: bytes, at: int) -> int:
    """Where the marker at ``at`` starts, fill bytes (``FF FF``) skipped."""
    if at + 1 >= len(data) or data[at] != 0xFF:
        raise _broken("JPEG")
    while data[at + 1] == 0xFF:
        at += 1
        if at + 1 >= len(data):
            raise _broken("JPEG")
    return at


def _scan_end(data: bytes, at: int) -> int:
    """The end of a scan's entropy-coded data: the first marker that is neither a stuffed
    ``FF 00`` nor a restart marker."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise _broken("JPEG")
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2
            continue
        return at


# --- PNG ----------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Text chunks: XMP (``XML:com.adobe.xmp``) and ImageMagick's "Raw profile type exif" live here.
_PNG_TEXT = frozenset({b"tEXt", b"zTXt", b"iTXt"})


def png_without_location(data: bytes) -> bytes:
    """Every chunk up to IEND but the text chunks, ``eXIf`` written again without GPS."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _broken("PNG")
    kept = [_PNG_SIGNATURE]
    at = len(_PNG_SIGNATURE)
    while True:
        if at + 12 > len(data):
            raise _broken("PNG")
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            raise _broken("PNG")
        if kind == b"eXIf":
            exif = exif_without_location(data[at + 8 : at + 8 + length])
            if exif is not None:
                kept.append(_png_chunk(kind, exif[len(_EXIF_HEADER) :]))
        elif kind not in _PNG_TEXT:
            kept.append(data[at:end])
        at = end
        if kind == b"IEND":
            return b"".join(kept)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# --- WebP ---------------------------------------------------------------------------------------

_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def webp_without_location(data: bytes) -> bytes:
    """Every chunk but XMP, ``EXIF`` written again without GPS, the extended header's flags
    and the RIFF size set to match."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _broken("WebP")
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    chunks: list[tuple[bytes, bytes]] = []
    at = 12
    while at < end:
        if at + 8 > end:
            raise _broken("WebP")
        kind = data[at : at + 4]
        size = int.from_bytes(data[at + 4 : at + 8], "little")
        if at + 8 + size > end:
            raise _broken("WebP")
        chunks.append((kind, data[at + 8 : at + 8 + size]))
        at += 8 + size + (size & 1)
    kept: list[tuple[bytes, bytes]] = []
    for kind, body in chunks:
        if kind == b"EXIF":
            exif = exif_without_location(body)
            if exif is not None:
                kept.append((kind, exif[len(_EXIF_HEADER) :]))
        elif kind != b"XMP ":
            kept.append((kind, body))
    has_exif = any(kind == b"EXIF" for kind, _ in kept)
    out = b"".join(
        _riff_chunk(kind, _vp8x(body, has_exif) if kind == b"VP8X" else body) for kind, body in kept
    )
    return b"RIFF" + struct.pack("<I", 4 + len(out)) + b"WEBP" + out


def _vp8x(body: bytes, has_exif: bool) -> bytes:
    """The extended header, its XMP flag cleared (and its EXIF flag when none is left)."""
    if not body:
        raise _broken("WebP")
    flags = body[0] & ~_VP8X_XMP & 0xFF
    if not has_exif:
        flags &= ~_VP8X_EXIF & 0xFF
    return bytes((flags,)) + body[1:]


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")
