"""What an MMS item may be: its type read from its bytes, its size at most 5 MB."""

from __future__ import annotations

import pytest

import media_samples as sample
from sm2_core.media import MAX_MEDIA_BYTES, Accepted, Download, Refused, judge, sniff


class TestSniffing:
    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (sample.jpeg(), "image/jpeg"),
            (sample.png(), "image/png"),
            (sample.gif(), "image/gif"),
            (sample.webp(), "image/webp"),
            (sample.heic(), "image/heic"),
            (sample.iso_bmff(b"heix", b"mif1", b"heix"), "image/heic"),
            (sample.iso_bmff(b"mif1", b"mif1", b"heic"), "image/heic"),
            (sample.iso_bmff(b"mif1", b"mif1"), "image/heif"),
            (sample.pdf(), "application/pdf"),
        ],
        ids=["jpeg", "png", "gif", "webp", "heic", "heix", "mif1-heic", "heif", "pdf"],
    )
    def test_each_kind_taken_is_recognised_by_its_first_bytes(self, data, expected):
        """The magic numbers (and a HEIF file's brands) name the type."""
        assert expected == sniff(data)

    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (sample.iso_bmff(b"avif", b"mif1", b"avif"), "image/avif"),
            (sample.iso_bmff(b"isom", b"isom", b"mp41"), "video/mp4"),
            (sample.zip_file(), "application/zip"),
            (sample.html(), None),
            (b"", None),
        ],
        ids=["avif", "mp4", "zip", "html", "empty"],
    )
    def test_look_alikes_are_named_for_what_they_are(self, data, expected):
        """An AVIF or an MP4 is an ISO media file too, and no HEIC; text is no known type."""
        assert expected == sniff(data)

    def test_a_truncated_ftyp_box_is_no_heif(self):
        """A box that claims more bytes than there are is not read past the data."""
        data = sample.heic()[:14]
        assert None is sniff(data)


class TestJudging:
    def test_an_image_is_taken_with_the_type_its_bytes_say(self):
        """The carrier's claimed type plays no part: a PNG is a PNG."""
        data = sample.png()
        assert Accepted("image/png", len(data)) == judge(Download(data))

    def test_a_pdf_is_taken(self):
        assert Accepted("application/pdf", len(sample.pdf())) == judge(Download(sample.pdf()))

    @pytest.mark.parametrize("data", [sample.html(), sample.zip_file(), b"\x00" * 100])
    def test_other_types_are_refused_with_the_reason(self, data):
        """Anything but the images and PDF is refused, saying what is taken."""
        verdict = judge(Download(data))
        assert isinstance(verdict, Refused)
        assert "images (JPEG, PNG, GIF, HEIC/HEIF, WebP) and PDF only" in verdict.reason

    def test_a_known_type_that_is_not_taken_is_named(self):
        """An MP4 video: the refusal says what it was."""
        verdict = judge(Download(sample.iso_bmff(b"isom", b"isom")))
        assert isinstance(verdict, Refused)
        assert verdict.reason.startswith("video/mp4 is not taken")

    def test_an_empty_item_is_refused(self):
        assert Refused("empty") == judge(Download(b""))

    def test_exactly_the_limit_is_taken(self):
        """5 MB is allowed; the limit is inclusive."""
        data = sample.jpeg(MAX_MEDIA_BYTES)
        assert Accepted("image/jpeg", MAX_MEDIA_BYTES) == judge(Download(data))

    def test_one_byte_more_than_the_limit_is_refused(self):
        """A whole download one byte too large is refused, whatever its type."""
        data = sample.jpeg(MAX_MEDIA_BYTES + 1)
        assert Refused(f"larger than 5 MB ({MAX_MEDIA_BYTES + 1} bytes)") == judge(
            Download(data, size=len(data))
        )

    def test_an_incomplete_download_is_too_large(self):
        """The source stopped reading at the limit: too large, size unknown."""
        verdict = judge(Download(sample.jpeg(1000)[:101], complete=False), limit=100)
        assert Refused("larger than 100 bytes") == verdict

    def test_a_declared_size_over_the_limit_is_refused_unread(self):
        """Content-Length said too much: nothing was read, the size is reported."""
        assert Refused("larger than 5 MB (9000000 bytes)") == judge(
            Download(b"", complete=False, size=9_000_000)
        )
