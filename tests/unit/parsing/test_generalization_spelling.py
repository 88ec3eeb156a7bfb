"""A model matches however its punctuation and spacing are typed: "ID.4", "ID4", "id 4",
"CX-5", "cx5", "cx 5", "F-150", "F150", "f 150" (issue 16, class 5)."""

from __future__ import annotations

import pytest

from sm2_adapters.parsing import OfflineParser

PARSER = OfflineParser()

VARIANTS = [
    *[(typed, "Volkswagen", "ID.4") for typed in ("ID.4", "ID4", "id 4", "Id.4", "ID-4", "ID. 4")],
    *[(typed, "Volkswagen", "ID. Buzz") for typed in ("ID. Buzz", "ID Buzz", "id.buzz")],
    *[(typed, "Mazda", "CX-5") for typed in ("CX-5", "cx5", "cx 5", "CX.5")],
    *[(typed, "Mazda", "CX-30") for typed in ("CX-30", "cx30", "cx 30")],
    *[(typed, "Ford", "F-150") for typed in ("F-150", "F150", "f 150", "f-150")],
    *[(typed, "Honda", "HR-V") for typed in ("HR-V", "HRV", "hr v")],
    *[(typed, "Toyota", "RAV4") for typed in ("RAV4", "rav-4", "Rav 4")],
    *[(typed, "Toyota", "bZ4X") for typed in ("bZ4X", "bz4x", "BZ 4X")],
    *[(typed, "Hyundai", "Ioniq 5") for typed in ("Ioniq 5", "ioniq5", "IONIQ-5")],
]


@pytest.mark.parametrize(("typed", "make", "model"), VARIANTS)
@pytest.mark.parametrize(
    "template", ["PDI {} 2023 stock V23-0114", "pneus d'hiver sur le {} 2022 svp"]
)
def test_model_however_typed(template: str, typed: str, make: str, model: str) -> None:
    result = PARSER.parse_text(template.format(typed))
    assert [(r.make, r.model) for r in result.requests] == [(make, model)]


def test_a_full_stop_between_sentences_still_ends_the_phrase() -> None:
    """Only a name's own full stop joins words: "RAV4. 2 clés" is no RAV42 or year."""
    result = PARSER.parse_text("clé pour le RAV4 2021. Merci, stock T21-9")
    assert [(r.year, r.model, r.stock_no) for r in result.requests] == [(2021, "RAV4", "T21-9")]


def test_a_year_typed_with_the_letter_o() -> None:
    result = PARSER.parse_text("Besoin d'une clé pour un Rogue 2O21 stock N21-55")
    assert [(r.year, r.model) for r in result.requests] == [(2021, "Rogue")]
