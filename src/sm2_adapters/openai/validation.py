"""The model's answer checked against what we know for sure, and turned into a ParseResult.

The model is fluent but not trusted: VINs go through ``Vin.parse`` (which also fixes O/I/Q typed
for digits when that validates), years must be plausible, service codes must be in the catalog,
makes are spelled the NHTSA way. Each doubt becomes a warning (a review reason on the job) and
lowers the confidence, so the confidence is evidence of our checks, not the model's say-so.
"""

from __future__ import annotations

from collections.abc import Collection

import attrs

from sm2_adapters.openai.output import LlmAnswer, LlmRequest
from sm2_core.derivation import vin_warnings
from sm2_core.domain.vin import Vin, normalize_vin_text
from sm2_core.domain.wmi import WMI_MAKES
from sm2_core.drafting import vehicle_from_request
from sm2_core.errors import InvalidInput
from sm2_core.parsing import ParsedRequest, ParseResult

PARSER_NAME = "openai"
#: An answer that passes every check: high, but short of certainty (it is still a guess).
CLEAN_CONFIDENCE = 0.9
#: Lost per doubt a human should look at.
WARNING_PENALTY = 0.15
#: Lost per request without a service: it needs a human too (the job says "Service not
#: recognised"), but the reason is already given by the core, so no warning is added here.
MISSING_SERVICE_PENALTY = 0.1
MIN_CONFIDENCE = 0.1
#: 17-character VINs (and so the model years worth reading) start with model year 1981.
MIN_YEAR = 1981
#: Makers sell next year's models from early in the year before.
MAX_YEARS_AHEAD = 2

_KNOWN_MAKES = {m.casefold().replace("-", "").replace(" ", ""): m for m in WMI_MAKES.values()}


@attrs.frozen
class Checked:
    request: ParsedRequest
    warnings: tuple[str, ...] = ()


def to_parse_result(answer: LlmAnswer, *, codes: Collection[str], this_year: int) -> ParseResult:
    """``answer`` after our checks, with a confidence earned from them."""
    warnings: list[str] = []
    requests: tuple[ParsedRequest, ...] = ()
    if answer.is_work:
        checked = [check_request(r, codes=codes, this_year=this_year) for r in answer.requests]
        requests = tuple(c.request for c in checked if not _is_empty(c.request))
        warnings.extend(w for c in checked for w in c.warnings)
        if not requests:
            warnings.append("The text asks for work but names no vehicle")
    elif answer.requests:
        # Trust the explicit classification: a thank-you that mentions a car must make no job.
        # The contradiction still costs confidence, so a surer reading can win over this one.
        warnings.append("LLM listed vehicles in a text it judged not to be a work request")
    unique = tuple(dict.fromkeys(warnings))
    missing = sum(1 for r in requests if r.service_code is None)
    confidence = CLEAN_CONFIDENCE - WARNING_PENALTY * len(unique)
    confidence -= MISSING_SERVICE_PENALTY * missing
    return ParseResult(
        requests=requests,
        confidence=max(MIN_CONFIDENCE, round(confidence, 3)),
        language=answer.language,
        parser=PARSER_NAME,
        urgency=answer.urgency,
        warnings=unique,
    )


def check_request(request: LlmRequest, *, codes: Collection[str], this_year: int) -> Checked:
    warnings: list[str] = []
    year = _check_year(request.year, this_year, warnings)
    service_code = _check_service(request.service_code, codes, warnings)
    vin, vin_year = _check_vin(request.vin)
    if vin_year is not None and year is not None and vin_year != year:
        warnings.append(f"VIN {vin} says model year {vin_year} but the text says {year}")
    parsed = ParsedRequest(
        year=year,
        make=normalize_make(request.make),
        model=_text(request.model),
        vin=vin,
        stock_no=_stock(request.stock_no),
        service_code=service_code,
    )
    # The core's own rules fill year and make from a valid VIN and word the VIN doubts; using
    # them keeps one wording, so a job does not list the same doubt twice.
    vehicle = vehicle_from_request(parsed)
    warnings.extend(vin_warnings(vehicle))
    filled = attrs.evolve(parsed, year=vehicle.year, make=vehicle.make)
    return Checked(filled, tuple(warnings))


def normalize_make(make: str | None) -> str | None:
    """NHTSA's spelling for the brands we know (GMC, Mercedes-Benz, MINI), title case otherwise."""
    text = _text(make)
    if text is None:
        return None
    known = _KNOWN_MAKES.get(text.casefold().replace("-", "").replace(" ", ""))
    if known:
        return known
    return text.title()


def _check_year(year: int | None, this_year: int, warnings: list[str]) -> int | None:
    if year is None or MIN_YEAR <= year <= this_year + MAX_YEARS_AHEAD:
        return year
    warnings.append(f"Model year {year} is implausible; ignored")
    return None


def _check_service(code: str | None, codes: Collection[str], warnings: list[str]) -> str | None:
    if code is None or code in codes:
        return code
    warnings.append(f"LLM answered service {code!r}, which is not in the catalog")
    return None


def _check_vin(text: str | None) -> tuple[str | None, int | None]:
    """The VIN as corrected and its model year; as typed (upper case, no separators) when it
    does not validate, leaving the warning to the core's wording."""
    raw = _text(text)
    if raw is None:
        return None, None
    try:
        vin = Vin.parse(raw)
    except InvalidInput:
        return normalize_vin_text(raw), None
    return vin.value, vin.model_year


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def _stock(value: str | None) -> str | None:
    text = _text(value)
    return _text(text.lstrip("#")) if text else None


def _is_empty(request: ParsedRequest) -> bool:
    return not any(attrs.astuple(request))
