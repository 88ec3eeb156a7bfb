"""The Vehicle Identification Number as a value object (49 CFR 565)."""

from __future__ import annotations

import re

import attrs

from sm2_core.domain.wmi import make_for_wmi
from sm2_core.errors import InvalidInput

_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VALID_CHARS = frozenset(_TRANSLITERATION)
# Letters a person may type for a digit; VINs never contain them.
_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "I": "1"})
_SEPARATORS = re.compile(r"[\s\-.]")
# Position 10 cycles every 30 years; the letters and digits in order from 1980 (or 2010).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


def check_digit(vin: str) -> str:
    """The check digit (position 9) that the other 16 characters call for."""
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def has_valid_check_digit(vin: str) -> bool:
    return len(vin) == 17 and all(c in _VALID_CHARS for c in vin) and vin[8] == check_digit(vin)


def normalize_vin_text(text: str) -> str:
    """Upper case without spaces, dashes or dots: how a VIN is compared and stored as typed."""
    return _SEPARATORS.sub("", text).upper()


@attrs.frozen
class Vin:
    """A VIN whose characters and check digit are valid. Build it with :meth:`parse`."""

    value: str = attrs.field()

    @value.validator
    def _check(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if not has_valid_check_digit(value):
            raise InvalidInput(f"{value!r} is not a valid VIN", fields={"vin": "invalid VIN"})

    @classmethod
    def parse(cls, text: str) -> Vin:
        """Normalise case and separators; fix O/Q/I typed for 0/0/1 only when that validates."""
        raw = normalize_vin_text(text)
        if len(raw) != 17:
            raise InvalidInput(
                f"a VIN has 17 characters, {text!r} has {len(raw)}",
                fields={"vin": "must be 17 characters"},
            )
        if has_valid_check_digit(raw):
            return cls(raw)
        fixed = raw.translate(_LOOKALIKES)
        if fixed != raw and has_valid_check_digit(fixed):
            return cls(fixed)
        if not all(c in _VALID_CHARS for c in fixed):
            reason = "contains characters a VIN never has"
        else:
            reason = f"check digit is {raw[8]!r}, expected {check_digit(fixed)!r}"
        raise InvalidInput(f"{text!r} is not a valid VIN: {reason}", fields={"vin": reason})

    def __str__(self) -> str:
        return self.value

    @property
    def wmi(self) -> str:
        """World manufacturer identifier: positions 1-3."""
        return self.value[:3]

    @property
    def model_year(self) -> int | None:
        """Position 10, with position 7 telling the 30-year cycle (letter there → 2010 or later).

        The position-7 rule holds for passenger cars, MPVs and light trucks, which is what
        dealers send us.
        """
        index = _YEAR_CODES.find(self.value[9])
        if index < 0:
            return None
        base = 2010 if self.value[6].isalpha() else 1980
        return base + index

    @property
    def make(self) -> str | None:
        """The brand for common WMIs, as NHTSA writes it; None when unknown."""
        return make_for_wmi(self.value)
