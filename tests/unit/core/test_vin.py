"""The VIN value object: parsing, normalisation, the lookalike correction, model year and make."""

from __future__ import annotations

import pytest
from core_helpers import make_vin
from hypothesis import given
from hypothesis import strategies as st

from sm2_core.domain.vin import (
    Vin,
    check_digit,
    has_valid_check_digit,
    normalize_vin_text,
)
from sm2_core.errors import InvalidInput

HONDA_ACCORD_2003 = "1HGCM82633A004352"
AUDI_Q5_2023 = "WA1BNAFY4PP057830"
WITH_X_CHECK_DIGIT = "1M8GDM9AXKP042788"
LEGAL = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


class TestParse:
    @pytest.mark.parametrize("text", [HONDA_ACCORD_2003, AUDI_Q5_2023, WITH_X_CHECK_DIGIT])
    def test_valid_vin_parses_to_itself(self, text: str) -> None:
        """A VIN typed correctly is kept exactly."""
        assert text == Vin.parse(text).value

    @pytest.mark.parametrize(
        "typed",
        [
            "1hgcm82633a004352",
            "1HG CM826 33A 004352",
            "1HG-CM826-33A-004352",
            " 1hg.cm82633a.004352 ",
            "1HGCM82633A\t004352",
        ],
    )
    def test_case_spaces_dashes_and_dots_are_normalised(self, typed: str) -> None:
        """Lower case and separators people type do not change the VIN."""
        assert HONDA_ACCORD_2003 == Vin.parse(typed).value

    def test_str_is_the_value(self) -> None:
        """A Vin prints as its 17 characters."""
        assert HONDA_ACCORD_2003 == str(Vin.parse(HONDA_ACCORD_2003))

    def test_normalize_vin_text_keeps_lookalikes(self) -> None:
        """Normalising as typed changes case and separators only, never letters."""
        assert "1HGCM8O633AOO4352" == normalize_vin_text("1hg-cm8o633a oo4352")


class TestLookalikeCorrection:
    @pytest.mark.parametrize(
        ("typed", "expected"),
        [
            ("1HGCM82633AOO4352", HONDA_ACCORD_2003),  # O typed for 0
            ("IHGCM82633A004352", HONDA_ACCORD_2003),  # I typed for 1
            ("1HGCM82633A0Q4352", HONDA_ACCORD_2003),  # Q typed for 0
            ("1m8gdm9axkpo42788", WITH_X_CHECK_DIGIT),  # lower-case o, X check digit
        ],
    )
    def test_lookalike_letters_are_corrected_when_the_check_digit_validates(
        self, typed: str, expected: str
    ) -> None:
        """O, Q and I typed for 0 and 1 are fixed when the fixed VIN is valid."""
        assert expected == Vin.parse(typed).value

    def test_lookalike_is_not_corrected_when_the_check_digit_still_fails(self) -> None:
        """A VIN with an O and a wrong check digit is refused, not half-fixed."""
        with pytest.raises(InvalidInput) as caught:
            Vin.parse("1HGCM82643AOO4352")
        assert "vin" in caught.value.fields


class TestInvalid:
    @pytest.mark.parametrize("text", ["", "1HGCM82633A00435", "1HGCM82633A0043521", "WAU"])
    def test_wrong_length_is_refused(self, text: str) -> None:
        """A VIN has exactly 17 characters once separators are gone."""
        with pytest.raises(InvalidInput) as caught:
            Vin.parse(text)
        assert {"vin": "must be 17 characters"} == caught.value.fields

    def test_wrong_check_digit_is_refused_and_says_what_was_expected(self) -> None:
        """A typo that breaks the check digit is an error naming the expected digit."""
        with pytest.raises(InvalidInput) as caught:
            Vin.parse("1HGCM82643A004352")
        assert "expected" in caught.value.fields["vin"]

    @pytest.mark.parametrize(
        "text", ["1HGCM82633A00435*", "1HGCM82633A00435É", "1HGCM82633A00435_"]
    )
    def test_characters_a_vin_never_has_are_refused(self, text: str) -> None:
        """Punctuation and accented letters are never part of a VIN."""
        with pytest.raises(InvalidInput) as caught:
            Vin.parse(text)
        assert "contains characters a VIN never has" == caught.value.fields["vin"]

    def test_constructor_refuses_an_invalid_value(self) -> None:
        """A Vin cannot be built around an invalid value, even without parse."""
        with pytest.raises(InvalidInput):
            Vin("1HGCM82643A004352")

    def test_constructor_does_not_normalise(self) -> None:
        """Only parse normalises: the constructor takes the stored form only."""
        with pytest.raises(InvalidInput):
            Vin(HONDA_ACCORD_2003.lower())


class TestModelYear:
    @pytest.mark.parametrize(
        ("vin", "year"),
        [(HONDA_ACCORD_2003, 2003), (AUDI_Q5_2023, 2023), (WITH_X_CHECK_DIGIT, 1989)],
    )
    def test_known_vins(self, vin: str, year: int) -> None:
        """Real VINs decode to the year they were built for."""
        assert year == Vin.parse(vin).model_year

    @pytest.mark.parametrize(
        ("position_7", "position_10", "year"),
        [
            ("1", "A", 1980),
            ("A", "A", 2010),
            ("5", "Y", 2000),
            ("5", "1", 2001),
            ("5", "9", 2009),
            ("K", "N", 2022),
            ("K", "S", 2025),
            ("K", "9", 2039),
        ],
    )
    def test_position_7_chooses_the_30_year_cycle(
        self, position_7: str, position_10: str, year: int
    ) -> None:
        """A digit at position 7 means 1980-2009, a letter means 2010-2039."""
        vin = make_vin(f"1FT123{position_7}X{position_10}P000001")
        assert year == Vin.parse(vin).model_year

    @pytest.mark.parametrize("position_10", ["U", "Z", "0"])
    def test_no_year_for_codes_not_used_for_years(self, position_10: str) -> None:
        """U, Z and 0 at position 10 name no model year."""
        assert Vin.parse(make_vin(f"1FT123X1{position_10}P000001")).model_year is None


class TestMake:
    @pytest.mark.parametrize(
        ("wmi", "make"),
        [
            ("WAU", "Audi"),
            ("WA1", "Audi"),
            ("TRU", "Audi"),
            ("1FT", "Ford"),
            ("2T1", "Toyota"),
            ("1HG", "Honda"),
            ("5YJ", "Tesla"),
            ("WBA", "BMW"),
            ("3VW", "Volkswagen"),
            ("1G1", "Chevrolet"),
            ("1GT", "GMC"),
            ("KNA", "Kia"),
            ("JM1", "Mazda"),
            ("WDD", "Mercedes-Benz"),
        ],
    )
    def test_common_brands(self, wmi: str, make: str) -> None:
        """The WMI (positions 1-3) names the brands dealers send us."""
        vin = Vin.parse(make_vin(f"{wmi}12345NA000001"))
        assert (wmi, make) == (vin.wmi, vin.make)

    def test_four_character_code_wins_over_three(self) -> None:
        """Where makers share a WMI, the 4th character decides (1GT0 Chevrolet, 1GT1 GMC)."""
        chevrolet = Vin.parse(make_vin("1GT0345A1N000001"))
        gmc = Vin.parse(make_vin("1GT1345A1N000001"))
        assert ("Chevrolet", "GMC") == (chevrolet.make, gmc.make)

    def test_unknown_maker_has_no_make(self) -> None:
        """A WMI nobody assigned gives no make rather than a guess."""
        assert Vin.parse("11111111111111111").make is None


# --- properties -------------------------------------------------------------------------------

sixteen_legal = st.text(alphabet=LEGAL.replace("U", "").replace("Z", ""), min_size=16, max_size=16)


@st.composite
def valid_vins(draw: st.DrawFn) -> str:
    """16 random legal characters with the check digit they call for."""
    return make_vin(draw(sixteen_legal))


class TestVinProperties:
    @given(valid_vins())
    def test_every_valid_vin_parses_to_itself(self, vin: str) -> None:
        """Whatever the characters, a VIN with the right check digit is accepted unchanged."""
        assert vin == Vin.parse(vin).value

    @given(valid_vins(), st.data())
    def test_formatting_never_changes_the_vin(self, vin: str, data: st.DataObject) -> None:
        """Lower case and separators inserted anywhere give the same VIN."""
        typed = "".join(
            data.draw(st.sampled_from(["", " ", "-", "."]))
            + data.draw(st.sampled_from([c, c.lower()]))
            for c in vin
        )
        assert vin == Vin.parse(typed).value

    @given(
        valid_vins(),
        st.integers(min_value=0, max_value=16),
        st.sampled_from(LEGAL + "IOQioq*#é/ "),
    )
    def test_single_change_is_refused_or_yields_a_valid_vin(
        self, vin: str, position: int, char: str
    ) -> None:
        """One changed character is refused or yields a VIN that validates, never a wrong one."""
        typed = vin[:position] + char + vin[position + 1 :]
        try:
            parsed = Vin.parse(typed)
        except InvalidInput:
            return
        # Accepted only as typed, or with its O/Q/I lookalikes corrected.
        as_typed = normalize_vin_text(typed)
        corrected = as_typed.translate(str.maketrans("OQI", "001"))
        assert parsed.value in (as_typed, corrected)
        assert has_valid_check_digit(parsed.value)
        assert check_digit(parsed.value) == parsed.value[8]

    @given(
        sixteen_legal,
        st.integers(min_value=0, max_value=15),
        st.sampled_from([("0", "O"), ("0", "Q"), ("1", "I")]),
    )
    def test_a_lookalike_typed_for_its_digit_is_corrected(
        self, sixteen: str, position: int, swap: tuple[str, str]
    ) -> None:
        """Typing O or Q for a 0, or I for a 1, anywhere still gives the original VIN."""
        digit, letter = swap
        vin = make_vin(sixteen[:position] + digit + sixteen[position + 1 :])
        index = position if position < 8 else position + 1
        typed = vin[:index] + letter + vin[index + 1 :]
        assert vin == Vin.parse(typed).value
