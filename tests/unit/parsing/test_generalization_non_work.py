"""Texts that ask for no work, written the way dealers write them: thanks, questions about a
visit, cancellations, billing, keywords (issue 16, corpus classes)."""

from __future__ import annotations

import pytest

from sm2_adapters.parsing import OfflineParser

PARSER = OfflineParser()


@pytest.mark.parametrize(
    "body",
    [
        "C'est beau merci ben, le RAV4 est prêt pour le client",
        "Le PDI du Seltos est-tu fait?",
        "Le tech a-t-il fini la clé du Tucson?",
        "Did the tech get the keys for the Civic? Customer is asking",
        "Did you guys finish the PDI on the Sportage?",
        "Annulez la clé pour le Civic svp, client a retrouvé sa clé",
        "Annule le PDI du Sportage stock K4471 svp, il a été vendu ce matin",
        "Facture reçue pour le PDI du Tucson, merci",
        "Le tech peut-tu passer à 14h au lieu de 13h?",
        "ok parfait 👍",
        "HELP",
    ],
)
def test_no_work_is_created(body: str) -> None:
    assert PARSER.parse_text(body).requests == ()


@pytest.mark.parametrize(
    "body",
    [
        "Peux-tu faire un PDI sur le Seltos 2024 stock K24-11?",
        "Can you do a PDI on the Sportage 2025 stock K25-1 today?",
        "Did you get my text? Need a key for the Civic 2021 stock H21-5",
    ],
)
def test_a_request_phrased_as_a_question_is_still_work(body: str) -> None:
    assert len(PARSER.parse_text(body).requests) == 1
