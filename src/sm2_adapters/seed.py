"""The demo reference data (zones, services, dealerships, technicians, rules, parts, prices),
loaded idempotently."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import cache
from importlib import resources
from uuid import NAMESPACE_URL, uuid5

from sm2_core.domain.entities import Service
from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor
from sm2_core.domain.terms import split_terms
from sm2_core.parsing import CatalogSnapshot
from sm2_core.services import ImportReport, Services

#: Dependencies first: dealerships and technicians name zones, technicians name services,
#: prices name dealerships and services.
SEED_ORDER = (
    ReferenceKind.ZONES,
    ReferenceKind.SERVICES,
    ReferenceKind.DEALERSHIPS,
    ReferenceKind.TECHNICIANS,
    ReferenceKind.RULES,
    ReferenceKind.PARTS,
    ReferenceKind.PRICES,
)
SEED_ACTOR = Actor(name="system:seed", role=Role.ADMIN)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def read_csv_with_lines(text: str) -> tuple[list[str], list[dict[str, str]], list[int]]:
    """The header, the rows and each row's line in the file (blank lines are skipped but
    counted, so errors point at the right line)."""
    reader = csv.DictReader(io.StringIO(text))
    rows, lines = [], []
    for row in reader:
        rows.append(row)
        lines.append(reader.line_num)
    return list(reader.fieldnames or []), rows, lines


def demo_csv(kind: ReferenceKind) -> str:
    """The demo data of ``kind`` as the CSV text ``sm2 import`` reads; it ships in the package."""
    return resources.files("sm2_adapters.seed_data").joinpath(f"{kind}.csv").read_text("utf-8")


def demo_rows(kind: ReferenceKind) -> list[dict[str, str]]:
    return read_csv(demo_csv(kind))


def demo_services() -> tuple[Service, ...]:
    """The demo catalog's services as entities, with their words (ids stable across runs)."""
    return tuple(
        Service(
            id=uuid5(NAMESPACE_URL, f"sm2:demo-service:{row['code']}"),
            code=row["code"],
            name=row["name"],
            name_fr=row["name_fr"],
            base_price=Decimal(row["base_price"]),
            requires_approval=row["requires_approval"] == "true",
            terms_en=split_terms(row["terms_en"]),
            terms_fr=split_terms(row["terms_fr"]),
            hints_en=split_terms(row["hints_en"]),
            hints_fr=split_terms(row["hints_fr"]),
            duration_minutes=int(row["duration_minutes"]),
        )
        for row in demo_rows(ReferenceKind.SERVICES)
    )


@cache
def demo_catalog() -> CatalogSnapshot:
    """What the parsers know without a database: the catalog ``sm2 seed --demo`` installs."""
    return CatalogSnapshot.of(demo_services())


async def seed_demo(services: Services) -> list[ImportReport]:
    """Load the demo data; running it again changes nothing."""
    return [
        await services.imports.import_rows(kind, demo_rows(kind), actor=SEED_ACTOR)
        for kind in SEED_ORDER
    ]
