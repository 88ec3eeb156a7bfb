"""A model name several makes sell: the brand written decides, else a valid VIN's maker, else the
one make that sold it that year, else the dealership's brand; only then a flagged guess
(issue 16, class 4)."""

from __future__ import annotations

import pytest

from sm2_adapters.parsing import OfflineParser
from sm2_adapters.parsing.vehicles import brands_in

PARSER = OfflineParser()

DODGE_CARAVAN_2010 = "2D4RN5D16AR412345"
CHRYSLER_CARAVAN_2021 = "2C4RC1BG2MR812345"
MERCEDES_SPRINTER_2020 = "W1W40CHY3LT712345"
DODGE_SPRINTER_2006 = "WD0PE845265912345"
LINCOLN_2004 = "1LNHM86S04Y612345"
LEXUS_2015 = "JTHBL5EF5F5112345"
DODGE_TRUCK_2010 = "1D7RV1GT4AS212345"
RAM_2019 = "3C6JR6DT7KG512345"


def make_model(body: str, hint: frozenset[str] = frozenset()) -> tuple[str | None, str | None]:
    result = PARSER.parse_text(body, makes_hint=hint)
    assert len(result.requests) == 1, result
    return result.requests[0].make, result.requests[0].model


@pytest.mark.parametrize(
    ("body", "make", "model"),
    [
        (f"Grand Caravan brakes {DODGE_CARAVAN_2010}", "Dodge", "Grand Caravan"),
        (f"clé Grand Caravan {CHRYSLER_CARAVAN_2021}", "Chrysler", "Grand Caravan"),
        (f"Sprinter PDI {MERCEDES_SPRINTER_2020}", "Mercedes-Benz", "Sprinter"),
        (f"vieux Sprinter diag vin {DODGE_SPRINTER_2006}", "Dodge", "Sprinter"),
        (f"LS remote starter {LINCOLN_2004}", "Lincoln", "LS"),
        (f"LS oil change {LEXUS_2015}", "Lexus", "LS"),
        (f"Ram 1500 battery {DODGE_TRUCK_2010}", "Dodge", "Ram 1500"),
        (f"Ram 1500 battery {RAM_2019}", "Ram", "1500"),
    ],
)
def test_a_valid_vins_maker_decides(body: str, make: str, model: str) -> None:
    """Even against the dealership's brand: the VIN outranks the hint."""
    assert make_model(body, frozenset({"Chrysler", "Mercedes-Benz", "Lexus", "Ram"})) == (
        make,
        model,
    )


@pytest.mark.parametrize(
    ("body", "make", "model"),
    [
        ("Grand Caravan 2016 PDI stock C16-1", "Dodge", "Grand Caravan"),
        ("Grand Caravan 2022 PDI stock C22-1", "Chrysler", "Grand Caravan"),
        ("Sprinter 2008 oil change", "Dodge", "Sprinter"),
        ("Ram 1500 2009 clé", "Dodge", "Ram 1500"),
        ("Ram 1500 2022 clé", "Ram", "1500"),
    ],
)
def test_the_one_make_selling_it_that_year_decides(body: str, make: str, model: str) -> None:
    assert make_model(body) == (make, model)


def test_the_brand_written_decides() -> None:
    assert make_model("Dodge Ram 1500 2012 battery", frozenset({"Ram"})) == ("Dodge", "Ram 1500")
    assert make_model("Lincoln LS oil change stock L1-22") == ("Lincoln", "LS")


@pytest.mark.parametrize(
    ("hint", "make"),
    [(frozenset({"Dodge"}), "Dodge"), (frozenset({"Chrysler", "Jeep", "Ram"}), "Chrysler")],
)
def test_the_dealerships_brand_breaks_a_tie(hint: frozenset[str], make: str) -> None:
    result = PARSER.parse_text("PDI Grand Caravan stock C21-440", makes_hint=hint)
    assert result.requests[0].make == make
    assert not any("several brands" in w for w in result.warnings)


def test_without_anything_to_decide_the_make_is_a_flagged_guess() -> None:
    result = PARSER.parse_text("PDI Grand Caravan stock C21-440")
    assert result.requests[0].make in ("Dodge", "Chrysler")
    assert any("several brands" in w for w in result.warnings)
    assert result.confidence < 0.6


def test_the_hint_never_changes_a_model_only_one_make_sells() -> None:
    """A Kia dealer texting about a trade-in Civic: still a Honda."""
    assert make_model("clé Civic 2019 stock U19-4", frozenset({"Kia"})) == ("Honda", "Civic")
    assert make_model("clé pour le Civic", frozenset({"Kia"})) == ("Honda", "Civic")


@pytest.mark.parametrize(
    ("name", "makes"),
    [
        ("Kia de Québec", {"Kia"}),
        ("Ste-Foy Toyota", {"Toyota"}),
        ("Audi Lévis", {"Audi"}),
        ("Chevrolet Buick GMC de Lévis", {"Chevrolet", "Buick", "GMC"}),
        ("Lévis Chrysler Dodge Jeep Ram", {"Chrysler", "Dodge", "Jeep", "Ram"}),
        ("Mercedes-Benz Québec", {"Mercedes-Benz"}),
        ("Land Rover Québec", {"Land Rover"}),
        ("VW Ste-Foy", {"Volkswagen"}),
        ("HYUNDAI STE-FOY", {"Hyundai"}),
        ("Garage Tremblay et fils", set()),
        ("", set()),
    ],
)
def test_brands_in_a_dealerships_name(name: str, makes: set[str]) -> None:
    assert brands_in(name) == frozenset(makes)
