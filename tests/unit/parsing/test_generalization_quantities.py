"""Counts of vehicles ("x2", "2x", "qty 3", "deux", "3 units") are never a model, and a count
with several stock numbers makes one request per stock number (issue 16, class 1)."""

from __future__ import annotations

import pytest
from parsed_rows import PARSER, rows


@pytest.mark.parametrize(
    ("body", "stocks", "vehicle"),
    [
        (
            "PDI x2 - stock K3310 et K3311, Telluride 2023",
            ["K3310", "K3311"],
            (2023, "Kia", "Telluride"),
        ),
        (
            "x3 PDI Carnival 2025 stk K8801, K8802, K8803",
            ["K8801", "K8802", "K8803"],
            (2025, "Kia", "Carnival"),
        ),
        (
            "Esthétique X2 sur RAV4 2024 stock T24-310 et T24-311",
            ["T24-310", "T24-311"],
            (2024, "Toyota", "RAV4"),
        ),
        (
            "2x remote start, Tucson 2025 stock H25-77 / H25-78",
            ["H25-77", "H25-78"],
            (2025, "Hyundai", "Tucson"),
        ),
        (
            "qty 3 PDI Seltos 2024 stock K2210, K2211, K2212",
            ["K2210", "K2211", "K2212"],
            (2024, "Kia", "Seltos"),
        ),
        (
            "qté: 2 vidanges Civic 2022 stock H22-40 et H22-41",
            ["H22-40", "H22-41"],
            (2022, "Honda", "Civic"),
        ),
        ("deux PDI Niro 2024 stock K7001 et K7002", ["K7001", "K7002"], (2024, "Kia", "Niro")),
        (
            "3 units to detail, Escape 2023: F3301, F3302, F3303",
            ["F3301", "F3302", "F3303"],
            (2023, "Ford", "Escape"),
        ),
    ],
)
def test_a_count_is_not_a_model_and_each_stock_is_a_request(
    body: str, stocks: list[str], vehicle: tuple[int, str, str]
) -> None:
    got = rows(body)
    assert [r[4] for r in got] == stocks
    assert all(r[:3] == vehicle for r in got), got
    assert not any(r[2] in ("X2", "X3") for r in got)


def test_a_count_with_no_model_named_leaves_the_model_empty() -> None:
    """ "PDI x2" with two stock numbers: two PDIs, and no BMW X2 made up."""
    assert rows("PDI x2 stock K7710 et K7711") == [
        (None, None, None, None, "K7710", "PDI"),
        (None, None, None, None, "K7711", "PDI"),
    ]


@pytest.mark.parametrize(
    ("body", "model"),
    [
        ("BMW X2 2022 oil change stock B2231", "X2"),
        ("bmw x3 2021 pneus d'hiver stock B21-40", "X3"),
        ("X3 2021 pneus d'hiver WBAYH2C03N9212345", "X3"),  # a BMW VIN vouches for it
        ("Oil change X5 2020", "X5"),  # a lone "X5" against its year still names the car
    ],
)
def test_a_bmw_x_model_is_still_a_model(body: str, model: str) -> None:
    result = PARSER.parse_text(body)
    assert [(r.make, r.model) for r in result.requests] == [("BMW", model)]
    assert not any("vehicles" in w for w in result.warnings)


def test_a_count_the_vehicles_do_not_match_is_flagged_below_review_line() -> None:
    """Three announced, two stock numbers read: a vehicle was missed, a human must look."""
    result = PARSER.parse_text("PDI x3 Sportage 2025 stock K25-100 K25-101")
    assert len(result.requests) == 2
    assert any("3 vehicles" in w for w in result.warnings)
    assert result.confidence < 0.6


def test_a_count_that_matches_costs_nothing() -> None:
    matched = PARSER.parse_text("PDI x2 Sportage 2025 stock K25-100 K25-101")
    plain = PARSER.parse_text("PDI Sportage 2025 stock K25-100 K25-101")
    assert matched.confidence == plain.confidence


@pytest.mark.parametrize(
    ("body", "stocks"),
    [
        (
            "esthetique x4: T25-1, T25-2, T25-3, T25-4 tous des Corolla 2025",
            ["T25-1", "T25-2", "T25-3", "T25-4"],
        ),
        ("PDI 2 units, Kona 2025: h25-10 et h25-11", ["H25-10", "H25-11"]),
    ],
)
def test_a_count_vouches_for_the_list_of_stock_numbers_it_announces(
    body: str, stocks: list[str]
) -> None:
    """Short numbers no keyword introduces are read because the count says how many."""
    assert [r[4] for r in rows(body)] == stocks
