"""A word introduced as a stock number is a stock number, even when it is shaped like a model
("stock C300", "#Q7-112"); it never makes a second, phantom vehicle (issue 16, class 3)."""

from __future__ import annotations

import pytest
from parsed_rows import Row, rows


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "changement d'huile sur Civic 2021 stock S000",
            (2021, "Honda", "Civic", None, "S000", "OIL_CHANGE"),
        ),
        (
            "Key programming for Sierra 2023 stock C300",
            (2023, "GMC", "Sierra", None, "C300", "KEY_PROGRAMMING"),
        ),
        (
            "stk E350 freins sur Highlander 2019",
            (2019, "Toyota", "Highlander", None, "E350", "BRAKE_SERVICE"),
        ),
        (
            "Vidange Accord 2020 no de stock A220",
            (2020, "Honda", "Accord", None, "A220", "OIL_CHANGE"),
        ),
        (
            "#Q7-112 brakes please, Explorer 2021",
            (2021, "Ford", "Explorer", None, "Q7-112", "BRAKE_SERVICE"),
        ),
        ("#X5-0091 PDI Kona 2024", (2024, "Hyundai", "Kona", None, "X5-0091", "PDI")),
        ("pneus CX-30 2022 stk M3-1188", (2022, "Mazda", "CX-30", None, "M3-1188", "TIRE_CHANGE")),
        (
            "batterie Elantra 2019 stock# RX350",
            (2019, "Hyundai", "Elantra", None, "RX350", "BATTERY_REPLACEMENT"),
        ),
    ],
)
def test_model_shaped_stock_number_after_a_keyword(body: str, expected: Row) -> None:
    assert rows(body) == [expected]


def test_a_stock_list_of_model_shaped_numbers() -> None:
    assert [r[4] for r in rows("PDI Sportage 2024 stock S450, S451 et S452")] == [
        "S450",
        "S451",
        "S452",
    ]


@pytest.mark.parametrize(
    ("body", "make", "model"),
    [
        ("oil change C300 2019 stock M19-44", "Mercedes-Benz", "C-Class"),
        ("clé pour la RAV4 2020 stock T20-9", "Toyota", "RAV4"),
        ("PDI unité Q5 2024 A24-112", "Audi", "Q5"),
    ],
)
def test_a_model_beside_a_stock_number_stays_a_model(body: str, make: str, model: str) -> None:
    """A model's very name after "stock"/"unité", or a model with no keyword, is still a model."""
    got = rows(body)
    assert [(r[1], r[2]) for r in got] == [(make, model)]
