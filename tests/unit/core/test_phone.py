"""Phone numbers: everything inside the system is E.164."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sm2_core.domain.phone import normalize_phone
from sm2_core.errors import InvalidInput


class TestNormalize:
    @pytest.mark.parametrize(
        "typed",
        [
            "(418) 555-0101",
            "418-555-0101",
            "418.555.0101",
            "418 555 0101",
            "4185550101",
            "1-418-555-0101",
            "+1 418 555 0101",
            "+14185550101",
        ],
    )
    def test_local_formats_of_a_quebec_number(self, typed: str) -> None:
        """Québec dealers write numbers without a country code; all become +1 E.164."""
        assert "+14185550101" == normalize_phone(typed)

    def test_international_number_keeps_its_country(self) -> None:
        """A number with its own country code is not forced into North America."""
        assert "+33142685300" == normalize_phone("+33 1 42 68 53 00")

    def test_region_decides_how_local_numbers_are_read(self) -> None:
        """The default region is only a default: a UK caller's local number reads as UK."""
        assert "+442079460018" == normalize_phone("020 7946 0018", region="GB")


class TestInvalid:
    @pytest.mark.parametrize("text", ["", "hello", "not a phone", "+"])
    def test_text_that_is_no_number(self, text: str) -> None:
        """Words are refused with the field named."""
        with pytest.raises(InvalidInput) as caught:
            normalize_phone(text)
        assert ["phone"] == list(caught.value.fields)

    @pytest.mark.parametrize("text", ["123", "555-0101", "418 555 010", "+1 418 555 01011"])
    def test_digits_that_make_no_valid_number(self, text: str) -> None:
        """Too few or too many digits for a real number are refused."""
        with pytest.raises(InvalidInput) as caught:
            normalize_phone(text)
        assert ["phone"] == list(caught.value.fields)


# --- properties -------------------------------------------------------------------------------

AREA_CODES = ["418", "581", "367", "514", "438", "450", "819", "613", "416", "604", "212", "617"]


@st.composite
def nanp_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    """(area code, exchange, subscriber) of a plausible North American number."""
    area = draw(st.sampled_from(AREA_CODES))
    exchange = draw(st.from_regex(r"[2-9][0-9]{2}", fullmatch=True))
    assume(exchange[1:] != "11")  # N11 codes are services, not exchanges
    subscriber = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    return area, exchange, subscriber


def _valid_e164(parts: tuple[str, str, str]) -> str:
    try:
        return normalize_phone("".join(parts))
    except InvalidInput:
        assume(False)
        raise


FORMATS = [
    "{a}{e}{s}",
    "({a}) {e}-{s}",
    "{a}-{e}-{s}",
    "{a}.{e}.{s}",
    "{a} {e} {s}",
    "1{a}{e}{s}",
    "1-{a}-{e}-{s}",
    "+1 ({a}) {e}-{s}",
    "+1{a}{e}{s}",
    " {a} {e} {s} ",
]


class TestPhoneProperties:
    @given(nanp_numbers())
    def test_e164_output_is_a_fixed_point(self, parts: tuple[str, str, str]) -> None:
        """Normalising an E.164 number again gives the same number."""
        e164 = _valid_e164(parts)
        assert e164 == normalize_phone(e164)

    @given(nanp_numbers(), st.lists(st.sampled_from(FORMATS), min_size=2, max_size=4))
    def test_formatting_variants_normalise_identically(
        self, parts: tuple[str, str, str], formats: list[str]
    ) -> None:
        """However a NANP number is written, it is the same number inside the system."""
        a, e, s = parts
        expected = _valid_e164(parts)
        assert [expected] * len(formats) == [
            normalize_phone(f.format(a=a, e=e, s=s)) for f in formats
        ]

    @given(nanp_numbers())
    def test_nanp_numbers_are_plus_one_and_ten_digits(self, parts: tuple[str, str, str]) -> None:
        """The stored form is +1 followed by the ten digits, nothing else."""
        assert "+1" + "".join(parts) == _valid_e164(parts)
