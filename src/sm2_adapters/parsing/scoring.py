"""Confidence from evidence: what was found, how it was read, and whether it agrees.

The number decides when the LLM is asked and when a human reviews, so each penalty stands
for a way the reading can be wrong, not for a field being merely absent from the message.
"""

from __future__ import annotations

from collections.abc import Sequence

from sm2_adapters.parsing.assemble import Vehicle

CEILING, FLOOR = 0.99, 0.05

# Each rule: (penalty, warning or None). Kept as named numbers so the bench can be read
# against them.
NO_SERVICE = 0.45
SERVICE_HINT_ONLY = 0.15
SERVICE_FUZZY = 0.1
SEVERAL_SERVICES = 0.05
# A VIN typo is kept as written, for a human to check against the car (below the line).
VIN_BAD_CHECK_DIGIT = 0.45
VIN_INCOMPLETE = 0.3
VIN_CORRECTED = 0.02
NO_IDENTIFIER = 0.15
STOCK_ONLY = 0.05
STOCK_GUESSED = 0.15
NO_MODEL = 0.1
NO_MODEL_BUT_VIN = 0.03
MODEL_FUZZY = 0.12
# A coin toss between makes selling the same model (no brand, VIN, year or dealership
# brand to tell): as likely wrong as right, so below the review line.
MAKE_AMBIGUOUS = 0.3
NO_MAKE = 0.05
NO_YEAR = 0.08
INHERITED = 0.03
YEAR_WITHOUT_MODEL = 0.1
# No model, and a name-like word no vocabulary knows beside the year or brand ("Kia EV3
# 2025"): the text named a vehicle the parser did not understand; a human should look.
UNKNOWN_MODEL_WORD = 0.3
NO_VEHICLE = 0.2
# One vehicle of several has no year while another's was written ("Forester et Outback 2021"):
# the year may have been meant for both; a human should say.
YEAR_MAYBE_SHARED = 0.3
# A contradiction with a valid VIN must always reach a human (below the 0.6 review line).
CONFLICT = {"brand in text": 0.45, "year in text": 0.2, "does not make": 0.25}


def _service(v: Vehicle, warn: list[str]) -> float:
    if v.service is None:
        warn.append("no service recognised")
        return NO_SERVICE
    penalty = 0.0
    if not v.service.strong:
        penalty += SERVICE_HINT_ONLY
    if v.service.fuzzy:
        penalty += SERVICE_FUZZY
        warn.append(f"service {v.service.code} read from a misspelling")
    if v.service_codes > 1:
        penalty += SEVERAL_SERVICES
        warn.append(f"several services asked for one vehicle; kept {v.service.code}")
    return penalty + (INHERITED if "service" in v.inherited else 0.0)


def _identity(v: Vehicle, warn: list[str]) -> float:
    if v.vin is not None:
        if not v.vin.complete:
            warn.append(f"VIN {v.vin.value} is not 17 characters")
            return VIN_INCOMPLETE
        if not v.vin.valid:
            warn.append(f"VIN check digit does not match ({v.vin.value})")
            return VIN_BAD_CHECK_DIGIT
        return VIN_CORRECTED if v.vin.corrected else 0.0
    if v.stock is not None:
        if v.stock.guessed:
            warn.append(f"{v.stock.value} read as a stock number without a keyword")
            return STOCK_GUESSED
        return STOCK_ONLY
    return NO_IDENTIFIER


def _description(v: Vehicle, warn: list[str]) -> float:
    decoded = v.vin is not None and v.vin.valid
    penalty = 0.0
    if not (v.vin or v.stock or v.model or v.make):
        warn.append("no vehicle named")
        penalty += NO_VEHICLE
    if v.model is None:
        penalty += NO_MODEL_BUT_VIN if decoded else NO_MODEL
        if v.unknown_name:
            penalty += UNKNOWN_MODEL_WORD
            warn.append("vehicle model not recognised")
        elif v.year is not None and not decoded:
            penalty += YEAR_WITHOUT_MODEL
            warn.append("vehicle model not recognised")
    if v.model_fuzzy:
        penalty += MODEL_FUZZY
        warn.append(f"model {v.model} read from a misspelling")
    if v.make_ambiguous:
        penalty += MAKE_AMBIGUOUS
        warn.append(f"{v.model} is sold by several brands; guessed {v.make}")
    penalty += NO_MAKE if v.make is None else 0.0
    penalty += NO_YEAR if v.year is None else 0.0
    penalty += INHERITED * len(v.inherited & {"model", "year"})
    return penalty


def _conflicts(v: Vehicle, warn: list[str]) -> float:
    penalty = 0.0
    for conflict in v.conflicts:
        warn.append(conflict)
        penalty += next((p for key, p in CONFLICT.items() if key in conflict), 0.2)
    return penalty


def score(vehicles: Sequence[Vehicle], extra_penalty: float = 0.0) -> tuple[float, list[str]]:
    """The message's confidence (its weakest request) and the doubts found on the way."""
    warnings: list[str] = []
    worst = 1.0
    written_years = {v.year for v in vehicles if v.year is not None and not v.year_from_vin}
    for v in vehicles:
        penalty = sum(f(v, warnings) for f in (_service, _identity, _description, _conflicts))
        if v.year is None and written_years and not (v.vin and v.vin.valid):
            warnings.append(f"no year for the {v.model or 'vehicle'}; another one's may apply")
            penalty += YEAR_MAYBE_SHARED
        worst = min(worst, 1.0 - penalty)
    value = min(CEILING, max(FLOOR, worst - extra_penalty))
    return value, list(dict.fromkeys(warnings))
