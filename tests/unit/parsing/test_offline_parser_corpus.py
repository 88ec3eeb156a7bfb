"""The labeled sample from the dealerships: the accuracy floor the product is judged on."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs

from sm2_adapters.parsing import OfflineParser
from sm2_core.domain.entities import Service
from sm2_core.domain.terms import split_terms
from sm2_core.parsing import CatalogSnapshot

CORPUS = Path(__file__).resolve().parents[2] / "data" / "sms_corpus.jsonl"
FIELDS = ("year", "make", "model", "vin", "stock_no", "service_code")


def _key(value: object) -> str | None:
    return None if value is None else "".join(c for c in str(value).lower() if c.isalnum())


def _score(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> tuple[int, int]:
    """(right, compared) fields; a missing or extra request costs all six of its fields."""
    right = 0
    for i in range(min(len(got), len(expected))):
        right += sum(_key(got[i][f]) == _key(expected[i][f]) for f in FIELDS)
    return right, max(len(got), len(expected)) * len(FIELDS)


def _messages() -> list[dict[str, Any]]:
    assert CORPUS.is_file(), f"labeled corpus missing at {CORPUS}"
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


class TestCorpus:
    def test_field_accuracy_floor(self) -> None:
        """At least 97% of the six fields of every request are right."""
        parser = OfflineParser()
        right = compared = 0
        for message in _messages():
            got = [attrs.asdict(r) for r in parser.parse_text(message["body"]).requests]
            r, c = _score(got, message["expected"])
            right, compared = right + r, compared + c
        assert compared > 0
        assert right / compared >= 0.97

    def test_every_non_work_message_recognised(self) -> None:
        """Texts that ask for nothing never create a job."""
        parser = OfflineParser()
        non_work = [m for m in _messages() if not m["expected"]]
        assert non_work
        assert [m["body"] for m in non_work if parser.parse_text(m["body"]).requests] == []


RUNTIME_CORPUS = CORPUS.with_name("sms_corpus_runtime.jsonl")
RUNTIME_CATALOG = CORPUS.with_name("services_runtime.csv")


def _runtime_catalog() -> CatalogSnapshot:
    """The demo services and four added as an admin would (names and words, no code)."""
    with RUNTIME_CATALOG.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return CatalogSnapshot.of(
        Service(
            id=uuid4(),
            code=row["code"],
            name=row["name"],
            name_fr=row["name_fr"],
            base_price=Decimal(row["base_price"]),
            terms_en=split_terms(row["terms_en"]),
            terms_fr=split_terms(row["terms_fr"]),
            hints_en=split_terms(row["hints_en"]),
            hints_fr=split_terms(row["hints_fr"]),
        )
        for row in rows
    )


class TestServicesAddedAtRunTime:
    def test_texts_naming_services_the_code_never_saw(self) -> None:
        """Labeled texts for services that exist only as catalog rows are read as well."""
        parser = OfflineParser(_runtime_catalog())
        with RUNTIME_CORPUS.open(encoding="utf-8") as lines:
            messages = [json.loads(line) for line in lines if line.strip()]
        right = compared = 0
        for message in messages:
            got = [attrs.asdict(r) for r in parser.parse_text(message["body"]).requests]
            r, c = _score(got, message["expected"])
            right, compared = right + r, compared + c
        assert right / compared >= 0.97
