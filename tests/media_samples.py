"""Files of each kind an MMS may carry, made here: their first bytes are what they would be."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels): browsers show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg(size: int = 256) -> bytes:
    """A JFIF header, then filler."""
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return head + b"\x00" * max(0, size - len(head) - 2) + b"\xff\xd9"


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04" + b"\x00" * 32


def webp() -> bytes:
    return b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 32


def pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


def iso_bmff(major: bytes, *compatible: bytes) -> bytes:
    """An ISO base media file's ``ftyp`` box (HEIC, HEIF, AVIF, MP4...), then filler."""
    brands = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    box = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    return box + b"\x00" * 64


def heic() -> bytes:
    """As an iPhone writes it."""
    return iso_bmff(b"heic", b"mif1", b"heic")


def zip_file() -> bytes:
    return b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64


def html() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>"
