"""The services catalog as the LLM sees it: codes it may answer with and their names in both
languages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import attrs

from sm2_adapters.seed import demo_services


class CatalogService(Protocol):
    """What the parser needs of a service; ``sm2_core.domain.entities.Service`` fits."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def name_fr(self) -> str: ...

    @property
    def terms_en(self) -> tuple[str, ...]: ...

    @property
    def terms_fr(self) -> tuple[str, ...]: ...


@attrs.frozen
class CatalogEntry:
    code: str
    name: str
    name_fr: str
    terms_en: tuple[str, ...] = ()
    terms_fr: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """Both languages' words, interleaved so a cut keeps some of each."""
        pairs = zip(self.terms_en, self.terms_fr, strict=False)
        mixed = [t for pair in pairs for t in pair]
        shorter = min(len(self.terms_en), len(self.terms_fr))
        return (*mixed, *self.terms_en[shorter:], *self.terms_fr[shorter:])


def catalog_entries(services: Iterable[CatalogService]) -> tuple[CatalogEntry, ...]:
    """Plain, frozen copies sorted by code, so the prompt and schema do not depend on the
    order the caller listed them in (a stable prompt is also a cacheable one)."""
    unique = {
        s.code: CatalogEntry(s.code, s.name, s.name_fr, s.terms_en, s.terms_fr) for s in services
    }
    return tuple(unique[code] for code in sorted(unique))


def seed_catalog() -> tuple[CatalogEntry, ...]:
    """The catalog ``sm2 seed --demo`` installs; for callers without a database at hand."""
    return catalog_entries(demo_services())
