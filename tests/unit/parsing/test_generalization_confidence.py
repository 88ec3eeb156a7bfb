"""Doubtful evidence costs confidence: readings likely wrong fall below the 0.6 review line,
plain right ones stay above it (issue 16, class 6)."""

from __future__ import annotations

import pytest

from sm2_adapters.parsing import OfflineParser

PARSER = OfflineParser()
REVIEW = 0.6


@pytest.mark.parametrize(
    "body",
    [
        "PDI Sportage 2024 stock K24-1190",
        "changement d'huile Civic 2021 stock H21-330",
        "Need a key for a 2023 Audi Q5 VIN WA1BNAFY4PP057830",
        "PDI x2 Telluride 2024 stock K5120 K5124",
        "Ram 1500 2009 1D7HV13T49S701552 needs a new battery",
    ],
)
def test_plain_right_readings_stay_above_the_review_line(body: str) -> None:
    assert PARSER.parse_text(body).confidence >= REVIEW


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        # A vehicle named in words no vocabulary knows, beside its year or brand.
        ("PDI EV3 2025 stock K25-011", "not recognised"),
        ("Kia EV3 2025 PDI stock K25-012", "not recognised"),
        ("Telurride 2023 oil change stock K23-881", "not recognised"),
        # A count the vehicles read do not match.
        ("PDI x3 Sportage 2025 stock K25-100 K25-101", "3 vehicles"),
        ("3 units to detail: F4410, F4415 (2022 Escape)", "3 vehicles"),
        # A coin toss between makes selling the same model.
        ("PDI Grand Caravan stock C21-440", "several brands"),
        # A VIN whose check digit fails.
        ("PDI Seltos 2024 KNDEUCAA1R7512345", "check digit"),
    ],
)
def test_doubtful_readings_fall_below_the_review_line(body: str, warning: str) -> None:
    result = PARSER.parse_text(body)
    assert result.confidence < REVIEW, result
    assert any(warning in w for w in result.warnings), result.warnings


def test_a_guessed_stock_number_costs_more_than_one_after_a_keyword() -> None:
    keyword = PARSER.parse_text("PDI Sportage 2024 stock K24-1190")
    guessed = PARSER.parse_text("PDI Sportage 2024 K24-1190")
    assert guessed.confidence < keyword.confidence


def test_an_unknown_name_costs_more_than_a_missing_one() -> None:
    """ "Kia 2025" names no model; "Kia EV3 2025" names one the parser does not know."""
    unnamed = PARSER.parse_text("PDI Kia 2025 stock K25-1")
    unknown = PARSER.parse_text("PDI Kia EV3 2025 stock K25-1")
    assert unknown.confidence < unnamed.confidence
