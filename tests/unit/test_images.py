"""Photos made ready to keep (``sm2_adapters.images``, ``sm2_adapters.metadata``): real photos
made with Pillow, as a phone writes them (EXIF with GPS, XMP repeating it), then read back."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import media_samples as sample
from sm2_adapters.images import PillowImages
from sm2_adapters.metadata import jpeg_without_location
from sm2_core.errors import InvalidInput, TooLarge
from sm2_core.media import sniff

KINDS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}


@pytest.fixture(scope="module")
def images() -> PillowImages:
    return PillowImages()


def opened(data: bytes) -> Image.Image:
    sample.gps_of(data)  # registers the HEIF opener when needed
    return Image.open(io.BytesIO(data))


class TestLocationIsRemoved:
    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_gps_and_xmp_go_the_rest_of_the_exif_stays(self, images, kind):
        """The GPS block and the XMP that repeats it are gone; the camera, the time taken and
        the orientation stay (HEIF's orientation is applied as it is decoded, so it says 1)."""
        data = sample.photo(kind, xmp=True, orientation=6)
        # The sample does carry its location, in EXIF and in XMP.
        assert (True, True) == (bool(sample.gps_of(data)), b"GPSLatitude" in data)
        kept = await images.prepare(data, content_type=KINDS[kind])
        exif = opened(kept.data).getexif()
        assert ({}, False) == (sample.gps_of(kept.data), b"GPSLatitude" in kept.data)
        assert ("SM2 Phone", sample.TAKEN_AT) == (
            exif.get(0x010F),
            exif.get_ifd(sample.EXIF_IFD).get(0x9003),
        )
        assert (1 if kind == "HEIF" else 6) == exif.get(sample.ORIENTATION)

    @pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
    async def test_the_pixels_are_not_encoded_again(self, images, kind):
        """JPEG, PNG and WebP keep their image data byte for byte: the same pixels decoded."""
        data = sample.photo(kind, (640, 480), noise=True)
        kept = await images.prepare(data, content_type=KINDS[kind])
        assert KINDS[kind] == kept.content_type
        assert opened(data).tobytes() == opened(kept.data).tobytes()

    async def test_a_jpeg_s_scan_is_copied_unchanged(self, images):
        data = sample.photo("JPEG", (640, 480), noise=True)
        kept = await images.prepare(data, content_type="image/jpeg")
        scan = data[data.index(b"\xff\xda") :]
        assert kept.data.endswith(scan)
        assert len(kept.data) < len(data)

    async def test_what_follows_a_jpeg_is_dropped(self, images):
        """A motion photo's video (with its own location) after the image's end is not kept."""
        video = b"\x00\x00\x00\x18ftypmp42" + b"\xa9xyz+46.8116-071.2052/" * 20
        data = sample.photo("JPEG", (320, 240)) + video
        kept = await images.prepare(data, content_type="image/jpeg")
        assert (True, False) == (kept.data.endswith(b"\xff\xd9"), b"+46.8116" in kept.data)

    async def test_a_photo_without_location_is_kept_as_it_is(self, images):
        data = sample.photo("JPEG", (320, 240), gps=False)
        assert data == (await images.prepare(data, content_type="image/jpeg")).data

    async def test_heic_is_kept_as_a_jpeg(self, images):
        """Only Safari shows HEIC: it becomes a JPEG every browser shows, upright."""
        data = sample.photo("HEIF", (800, 600), orientation=6)
        assert "image/heic" == sniff(data)
        kept = await images.prepare(data, content_type="image/heic")
        assert ("image/jpeg", "image/jpeg", (600, 800)) == (
            kept.content_type,
            sniff(kept.data),
            opened(kept.data).size,
        )
        assert (600, 800) == (kept.width, kept.height)


class TestThumbnail:
    @pytest.mark.parametrize(
        ("size", "orientation", "expected"),
        [
            ((1600, 1200), 1, (320, 240)),
            ((1600, 1200), 6, (240, 320)),  # taken sideways: shown upright
            ((300, 200), 1, (300, 200)),  # small already: not enlarged
            ((4000, 500), 1, (320, 40)),
        ],
    )
    async def test_at_most_320_pixels_upright_jpeg(self, images, size, orientation, expected):
        kept = await images.prepare(
            sample.photo("JPEG", size, orientation=orientation), content_type="image/jpeg"
        )
        thumbnail = opened(kept.thumbnail)
        assert ("image/jpeg", "JPEG", expected) == (
            kept.thumbnail_type,
            thumbnail.format,
            thumbnail.size,
        )
        assert {} == dict(thumbnail.getexif())
        shown = (size[1], size[0]) if orientation == 6 else size
        assert shown == (kept.width, kept.height)

    async def test_a_transparent_png_is_laid_on_white(self, images):
        image = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
        out = io.BytesIO()
        image.save(out, "PNG")
        kept = await images.prepare(out.getvalue(), content_type="image/png")
        assert (255, 255, 255) == opened(kept.thumbnail).convert("RGB").getpixel((32, 32))

    @pytest.mark.parametrize("mode", ["L", "P", "I;16", "CMYK", "LA"])
    async def test_other_modes_make_a_thumbnail_too(self, images, mode):
        out = io.BytesIO()
        kind = "JPEG" if mode == "CMYK" else "PNG"
        Image.new(mode, (50, 40)).save(out, kind)
        kept = await images.prepare(out.getvalue(), content_type=f"image/{kind.lower()}")
        assert (50, 40) == opened(kept.thumbnail).size


class TestRefused:
    async def test_bytes_that_only_start_like_a_jpeg(self, images):
        with pytest.raises(InvalidInput, match="cannot be read"):
            await images.prepare(sample.jpeg(), content_type="image/jpeg")

    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_a_photo_cut_short(self, images, kind):
        data = sample.photo(kind, (400, 300), noise=True)
        with pytest.raises(InvalidInput):
            await images.prepare(data[: len(data) // 2], content_type=KINDS[kind])

    async def test_a_gif_is_no_photo(self, images):
        with pytest.raises(InvalidInput):
            await images.prepare(sample.gif(), content_type="image/gif")

    async def test_too_many_pixels_is_refused_before_decoding(self):
        small = PillowImages(max_pixels=100 * 100)
        with pytest.raises(TooLarge, match="megapixels"):
            await small.prepare(sample.photo("PNG", (101, 100)), content_type="image/png")

    @pytest.mark.parametrize(
        "data",
        [
            b"\xff\xd8\xff\xe1\xff\xff",  # a segment longer than the file
            b"\xff\xd8\x00\x00",  # no marker where one must be
            b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12" * 40,  # no end
        ],
    )
    def test_a_broken_jpeg_structure(self, data):
        with pytest.raises(InvalidInput, match="damaged"):
            jpeg_without_location(data)
