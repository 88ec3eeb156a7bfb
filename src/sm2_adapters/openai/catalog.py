"""The services catalog as the LLM sees it: codes it may answer with and their names in both
languages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import attrs

from sm2_adapters.seed import demo_rows
from sm2_core.domain.enums import ReferenceKind


class CatalogService(Protocol):
    """What the parser needs of a service; ``sm2_core.domain.entities.Service`` fits."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def name_fr(self) -> str: ...


@attrs.frozen
class CatalogEntry:
    code: str
    name: str
    name_fr: str


def catalog_entries(services: Iterable[CatalogService]) -> tuple[CatalogEntry, ...]:
    """Plain, frozen copies sorted by code, so the prompt and schema do not depend on the
    order the caller listed them in (a stable prompt is also a cacheable one)."""
    unique = {s.code: CatalogEntry(s.code, s.name, s.name_fr) for s in services}
    return tuple(unique[code] for code in sorted(unique))


def seed_catalog() -> tuple[CatalogEntry, ...]:
    """The catalog ``sm2 seed --demo`` installs; for callers without a database at hand."""
    rows = demo_rows(ReferenceKind.SERVICES)
    return catalog_entries(CatalogEntry(row["code"], row["name"], row["name_fr"]) for row in rows)
