"""A typo is read as a model only with evidence (no exact reading, the word's shape, a year,
brand or VIN beside it), and loses to an exact reading; ordinary French and English words one
letter from a model name stay words (issue 16, class 2)."""

from __future__ import annotations

import pytest
from parsed_rows import PARSER, Row, rows


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # "intégré" is one letter from Integra, "marche" from "Mach-E", "commandé" from Commander.
        (
            "clé pour la Corolla 2019, démarreur intégré svp stock T7741",
            (2019, "Toyota", "Corolla", None, "T7741", "KEY_PROGRAMMING"),
        ),
        (
            "L'air clim marche pu dans le Kona 2020, stock H20-1189",
            (2020, "Hyundai", "Kona", None, "H20-1189", "AC_SERVICE"),
        ),
        (
            "la clim marche pas sur la Camry 2021 stock T21-40",
            (2021, "Toyota", "Camry", None, "T21-40", "AC_SERVICE"),
        ),
        (
            "le client a commandé un démarreur à distance pour son Tucson 2022 stock H22-7781",
            (2022, "Hyundai", "Tucson", None, "H22-7781", "REMOTE_STARTER"),
        ),
        (
            "summer tires back on the Accord 2021 stock H21-66",
            (2021, "Honda", "Accord", None, "H21-66", "TIRE_CHANGE"),
        ),
        (
            "la radio intégrée gèle, mise à jour logiciel Camry 2022 stock T22-881",
            (2022, "Toyota", "Camry", None, "T22-881", "SOFTWARE_UPDATE"),
        ),
    ],
)
def test_everyday_words_near_a_model_name_stay_words(body: str, expected: Row) -> None:
    assert rows(body) == [expected]


@pytest.mark.parametrize(
    ("body", "make", "model"),
    [
        ("freins Silverdo 2020 stock G5512", "Chevrolet", "Silverado"),  # a year beside it
        ("debosselage de la porte du Odysey 2019", "Honda", "Odyssey"),
        ("Hyundai Ellantra freins stock H18-22", "Hyundai", "Elantra"),  # its brand before it
        ("PDI sur le Highlnder svp stock T24-11", "Toyota", "Highlander"),  # written as a name
        ("pdi Hyundia Kona 2024", "Hyundai", "Kona"),  # a misspelt brand before its model
        ("oil change Outbak 2019 stock S19-221", "Subaru", "Outback"),
        ("remplacer la batterie du Tucon 2020", "Hyundai", "Tucson"),
    ],
)
def test_a_typo_with_evidence_is_read_and_flagged(body: str, make: str, model: str) -> None:
    result = PARSER.parse_text(body)
    assert [(r.make, r.model) for r in result.requests] == [(make, model)]


@pytest.mark.parametrize(
    ("body", "make", "model"),
    [
        ("diagnostique voyant moteur Jeta 2018 3VWD17AJ6JM210788", "Volkswagen", "Jetta"),
        ("VW Jeta 2018 oil change", "Volkswagen", "Jetta"),
    ],
)
def test_a_four_letter_typo_needs_its_brand_or_vin(body: str, make: str, model: str) -> None:
    assert [(r.make, r.model) for r in PARSER.parse_text(body).requests] == [(make, model)]


@pytest.mark.parametrize(
    "body",
    [
        "oil change jeta 2018 stock V18-1",  # four letters, no brand or VIN: not enough
        "VW Jeta oil change stock V18-2",  # four letters, a brand but no year: not enough
        "pdi teluride stock K23-1",  # lower case, no year or brand: no evidence
    ],
)
def test_a_typo_without_evidence_is_not_guessed(body: str) -> None:
    assert all(r.model is None for r in PARSER.parse_text(body).requests)


def test_an_exact_model_beats_a_typo_elsewhere_in_the_text() -> None:
    """The message names its vehicle exactly; a capitalised near-miss is taken for a word."""
    got = rows("Tucson 2022 stock H22-1 brakes, then drive it to Cascade Auto Glass")
    assert [(r[1], r[2]) for r in got] == [("Hyundai", "Tucson")]


def test_a_first_letter_is_rarely_mistyped() -> None:
    """ "Summer", "Paris", "quick" are one letter from Hummer, Yaris, Buick, but not typos."""
    for body in (
        "Summer tires, stock T22-1",
        "client à Paris, PDI stock T22-2",
        "Quick PDI stock T22-3",
    ):
        assert all(r.make is None for r in PARSER.parse_text(body).requests), body


def test_a_typo_reading_costs_confidence() -> None:
    exact = PARSER.parse_text("freins Silverado 2020 stock G5512")
    typo = PARSER.parse_text("freins Silverdo 2020 stock G5512")
    assert typo.confidence < exact.confidence
    assert any("misspelling" in w for w in typo.warnings)
