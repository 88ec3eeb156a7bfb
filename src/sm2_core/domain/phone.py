"""Phone numbers, always E.164 inside the system."""

from __future__ import annotations

import phonenumbers

from sm2_core.errors import InvalidInput

#: Québec dealers write local numbers without a country code.
DEFAULT_REGION = "CA"


def normalize_phone(text: str, *, region: str = DEFAULT_REGION) -> str:
    """``(418) 555-0101`` → ``+14185550101``; raises InvalidInput for anything not a number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(
            f"{text!r} is not a phone number", fields={"phone": "not a phone number"}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            f"{text!r} is not a valid phone number", fields={"phone": "not a valid phone number"}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
