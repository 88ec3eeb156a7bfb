"""Technicians' photos made ready to keep, with Pillow (and pillow-heif for HEIC/HEIF).

What is kept of a photo:

- JPEG, PNG, WebP: the file as sent, its pixels never encoded again (a photo that proves the
  work keeps its quality), less what could say where it was taken (``sm2_adapters.metadata``):
  the GPS block of its EXIF (the rest stays: orientation, when it was taken, the camera), XMP,
  IPTC and PNG text, and anything after the image (a motion photo's video).
- HEIC/HEIF: decoded and written as a JPEG (quality 90, its colour profile and its EXIF less
  GPS kept), because only Safari shows HEIC; its orientation is applied as it is decoded.

The thumbnail is a JPEG of at most ``THUMBNAIL_PX`` on its longer side, its orientation
applied, without metadata. Every photo is decoded (for its thumbnail), so bytes that only start
like a photo are refused; a photo of more than ``MAX_PIXELS`` is refused before it is decoded.
The work runs in threads, a few photos at a time (``concurrency``): a decoded photo takes tens
of megabytes.
"""

from __future__ import annotations

import asyncio
import io
import threading
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from sm2_adapters.metadata import exif_without_location, without_location
from sm2_core.errors import InvalidInput, TooLarge
from sm2_core.media import PHOTO_TYPES, PreparedImage

THUMBNAIL_PX = 320
"""The thumbnail's longer side, in pixels."""
MAX_PIXELS = 64_000_000
"""64 megapixels: more than a phone's full-resolution photo that fits in 10 MB, and well below
what Pillow calls a decompression bomb."""
JPEG_QUALITY = 90
"""For HEIC/HEIF made JPEG."""
THUMBNAIL_QUALITY = 80
_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
_HEIF = frozenset({"image/heic", "image/heif"})
#: EXIF orientations that turn the picture a quarter: width and height are swapped as shown.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
_ORIENTATION = 0x0112


class PillowImages:
    """The ImageProcessor port on Pillow; the same in production, the demo and the tests."""

    def __init__(
        self,
        *,
        thumbnail_px: int = THUMBNAIL_PX,
        max_pixels: int = MAX_PIXELS,
        concurrency: int = 2,
    ) -> None:
        import pillow_heif

        pillow_heif.register_heif_opener()
        self.thumbnail_px = thumbnail_px
        self.max_pixels = max_pixels
        self._slots = threading.BoundedSemaphore(concurrency)

    async def prepare(self, data: bytes, *, content_type: str) -> PreparedImage:
        if content_type not in PHOTO_TYPES:
            raise InvalidInput(f"{content_type} is not a photo type we take")
        return await asyncio.to_thread(self._prepare, bytes(data), content_type)

    def _prepare(self, data: bytes, content_type: str) -> PreparedImage:
        with self._slots:
            image = self._open(data, content_type)
            try:
                if content_type in _HEIF:
                    kept, kept_type = _as_jpeg(image), "image/jpeg"
                else:
                    kept, kept_type = without_location(data, content_type), content_type
                width, height = _shown_size(image)
                thumbnail = self._thumbnail(image)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                raise InvalidInput(_unreadable(content_type)) from None
            finally:
                image.close()
        return PreparedImage(
            data=kept,
            content_type=kept_type,
            width=width,
            height=height,
            thumbnail=thumbnail,
            thumbnail_type="image/jpeg",
        )

    def _open(self, data: bytes, content_type: str) -> Image.Image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(data), formats=[_FORMATS[content_type]])
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            raise InvalidInput(_unreadable(content_type)) from None
        width, height = image.size
        if width * height > self.max_pixels:
            image.close()
            raise TooLarge(
                f"The photo is {width}×{height} pixels: at most "
                f"{self.max_pixels // 1_000_000} megapixels",
                fields={"file": "too many pixels"},
            )
        return image

    def _thumbnail(self, image: Image.Image) -> bytes:
        box = (self.thumbnail_px, self.thumbnail_px)
        if image.format == "JPEG":
            # Decoded at a fraction of its size (the JPEG's own scaling): much faster.
            image.draft("RGB", (box[0] * 2, box[1] * 2))
        shown = ImageOps.exif_transpose(image)
        shown.thumbnail(box, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        _flattened(shown).save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
        return out.getvalue()


def _shown_size(image: Image.Image) -> tuple[int, int]:
    """Width and height as the photo is shown: turned a quarter when its EXIF says so (a
    decoded HEIF photo is already turned, and says 1)."""
    width, height = image.size
    orientation = image.getexif().get(_ORIENTATION, 1)
    return (height, width) if orientation in _QUARTER_TURNS else (width, height)


def _as_jpeg(image: Image.Image) -> bytes:
    """A decoded HEIC/HEIF photo as a JPEG, with its colour profile and its EXIF less GPS."""
    extra: dict[str, bytes] = {}
    if (raw := image.info.get("exif")) and (stripped := exif_without_location(raw)):
        extra["exif"] = stripped
    if icc := image.info.get("icc_profile"):
        extra["icc_profile"] = icc
    out = io.BytesIO()
    _flattened(image).save(out, "JPEG", quality=JPEG_QUALITY, **extra)
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """RGB (or grey) for a JPEG: transparency laid on white."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        ground = Image.new("RGB", rgba.size, (255, 255, 255))
        ground.paste(rgba, mask=rgba.getchannel("A"))
        return ground
    if image.mode.startswith("I;16"):
        # 16-bit grey: its top 8 bits.
        return image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _unreadable(content_type: str) -> str:
    """Pillow's own words name its objects and offsets: people get what it means."""
    name = PHOTO_TYPES.get(content_type, content_type)
    return f"The file starts like a {name} photo but cannot be read as one: damaged or cut short"
