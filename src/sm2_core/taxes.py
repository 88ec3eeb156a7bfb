"""Sales taxes as the invoice preview estimates them before QuickBooks computes the real ones.

QuickBooks charges the taxes of the tax code on every line (``SM2_QBO_TAX_CODE``); the preview
shows a dispatcher what that will come to before approving. Québec's GST and QST are each
charged on the subtotal (the QST no longer on the GST since 2013), each rounded to the cent, as
QuickBooks rounds them. A company elsewhere sets its own rates (``SM2_TAX_RATES``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import attrs

from sm2_core.errors import InvalidInput

CENT = Decimal("0.01")
MAX_PERCENT = Decimal(100)


@attrs.frozen
class TaxRate:
    name: str
    percent: Decimal
    """5 for 5 %; at most 100."""

    @property
    def places(self) -> int:
        """The decimals the percent is written with: 0 for 5, 3 for 9.975."""
        exponent = self.percent.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0


@attrs.frozen
class TaxAmount:
    rate: TaxRate
    amount: Decimal


QUEBEC = (TaxRate("GST", Decimal("5")), TaxRate("QST", Decimal("9.975")))
"""Québec's sales taxes: the federal GST and the province's QST."""


def estimate(subtotal: Decimal, rates: Iterable[TaxRate]) -> tuple[TaxAmount, ...]:
    """Each rate on the subtotal, to the cent (half up)."""
    return tuple(
        TaxAmount(rate, (subtotal * rate.percent / 100).quantize(CENT, ROUND_HALF_UP))
        for rate in rates
    )


def parse_rates(text: str, *, source: str = "SM2_TAX_RATES") -> tuple[TaxRate, ...]:
    """``GST=5;QST=9.975`` (names and percents; ``;`` or ``,`` between them; empty: no tax).
    A malformed entry is an InvalidInput that names ``source`` and the entry."""
    rates: list[TaxRate] = []
    for entry in (e.strip() for e in text.replace(",", ";").split(";")):
        if not entry:
            continue
        name, sep, value = (part.strip() for part in entry.partition("="))
        percent = _percent(value) if sep and name else None
        if percent is None:
            raise InvalidInput(
                f"{source}: {entry!r} is not NAME=PERCENT with a percent from 0 to 100 "
                '(for Québec: "GST=5;QST=9.975")'
            )
        if any(r.name.casefold() == name.casefold() for r in rates):
            raise InvalidInput(f"{source}: {name!r} is named twice")
        rates.append(TaxRate(name, percent))
    return tuple(rates)


def _percent(value: str) -> Decimal | None:
    try:
        percent = Decimal(value.removesuffix("%").strip())
    except InvalidOperation:
        return None
    return percent if percent.is_finite() and 0 <= percent <= MAX_PERCENT else None
