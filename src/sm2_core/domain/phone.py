"""Phone numbers, always E.164 inside the system."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from sm2_core.errors import InvalidInput

#: Québec dealers write local numbers without a country code.
DEFAULT_REGION = "CA"


def normalize_phone(text: str, *, region: str = DEFAULT_REGION) -> str:
    """``(418) 555-0101`` → ``+14185550101``; raises InvalidInput for anything not a number."""
    e164, problem = _e164(text, region)
    if e164 is None:
        raise InvalidInput(f"{text!r} is {problem}", fields={"phone": problem})
    return e164


@lru_cache(maxsize=4096)
def _e164(text: str, region: str) -> tuple[str | None, str]:
    # Cached: every inbound text's sender goes through here, and the same few hundred dealer
    # numbers come back all day; phonenumbers' metadata matching is the slow part of receipt.
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None, "not a phone number"
    if not phonenumbers.is_valid_number(number):
        return None, "not a valid phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""
