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


# --- real photos (decodable), as a phone writes them: technicians' proof of work ---------------

#: Where the photos were "taken": the Château Frontenac, in EXIF's degrees, minutes, seconds.
LATITUDE = (46.0, 48.0, 42.0)
LONGITUDE = (71.0, 12.0, 19.0)
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
TAKEN_AT = "2026:03:14 09:26:53"


def phone_exif(orientation: int = 1) -> bytes:
    """EXIF as a phone writes it: the camera, when, which way up, and where (GPS)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "SM2 Phone"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[0x9003] = TAKEN_AT  # DateTimeOriginal
    exif[GPS_IFD] = {1: "N", 2: LATITUDE, 3: "W", 4: LONGITUDE}
    return exif.tobytes()


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="46,48.7N" exif:GPSLongitude="71,12.3W"/></rdf:RDF></x:xmpmeta>'
)


def photo(
    kind: str = "JPEG",
    size: tuple[int, int] = (1600, 1200),
    *,
    orientation: int = 1,
    gps: bool = True,
    xmp: bool = False,
    noise: bool = False,
) -> bytes:
    """A real photo (JPEG, PNG, WEBP or HEIF) with a phone's EXIF (``gps``: with its location),
    XMP repeating the location when ``xmp``; ``noise`` makes it hard to compress (large)."""
    import io

    from PIL import Image

    if kind == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    if noise:
        image = Image.frombytes("RGB", size, _noise(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (30, 110, 190))
        image.paste((240, 200, 20), (0, 0, size[0] // 2, size[1] // 3))  # which way is up
    options: dict[str, object] = {}
    if gps:
        options["exif"] = phone_exif(orientation)
    elif orientation != 1:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    if xmp and kind == "PNG":
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        options["pnginfo"] = info
    elif xmp:
        options["xmp"] = XMP
    if kind == "HEIF":
        options["quality"] = 50
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def _noise(count: int) -> bytes:
    import random

    return random.Random(19).randbytes(count)


def gps_of(data: bytes) -> dict[int, object]:
    """The GPS block of a photo's EXIF (empty when it has none)."""
    import io

    from PIL import Image

    if data[4:8] == b"ftyp":
        import pillow_heif

        pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(GPS_IFD))
