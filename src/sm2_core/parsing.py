"""What a message parser returns: the shape every parser (offline, LLM) agrees on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

import attrs

from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.enums import Language, Urgency
from sm2_core.domain.window import WhenSaid


@attrs.frozen
class ParsedRequest:
    """One vehicle and the work asked for it, as read from a message."""

    year: int | None = None
    make: str | None = None
    """The brand's full name as NHTSA writes it (``Chevrolet``, ``Mercedes-Benz``)."""
    model: str | None = None
    """As the brand writes it (``F-150``, ``CR-V``, ``Grand Cherokee``)."""
    vin: str | None = None
    """17 characters upper case, corrected when the correction validates; as typed otherwise."""
    stock_no: str | None = None
    service_code: str | None = None
    """A code of the services catalog, or None when no service was recognised."""


@attrs.frozen
class ParseResult:
    """Everything a parser read from one message."""

    requests: tuple[ParsedRequest, ...]
    """One per vehicle; empty when the message asks for no work."""
    confidence: float
    """0..1, honest: lower when fields are missing, guessed or contradict each other."""
    language: Language
    parser: str
    """Which parser produced it: ``offline`` or ``openai``."""
    urgency: Urgency = Urgency.MEDIUM
    """The urgency the words of the message ask for (``asap``, ``client attend`` → HIGH)."""
    warnings: tuple[str, ...] = ()
    """Doubts a human should see, e.g. "VIN check digit does not match"."""
    when: WhenSaid | None = None
    """When the text says the work is wanted ("demain matin"), relative to when it was sent;
    ``sm2_core.domain.window.resolve`` makes it a window."""

    @property
    def is_work(self) -> bool:
        return bool(self.requests)


@attrs.frozen(eq=False)
class CatalogSnapshot:
    """The reference data a parse reads: the catalog's active services with their words, and
    the dealerships (whose names tell the brand they sell).

    Compared by identity: a source hands out the same snapshot until the data changes, so a
    parser rebuilds its tables only for a new one.
    """

    services: tuple[Service, ...]
    dealerships: Mapping[UUID, Dealership] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls, services: Iterable[Service], dealerships: Iterable[Dealership] = ()
    ) -> CatalogSnapshot:
        return cls(
            services=tuple(sorted((s for s in services if s.is_active), key=lambda s: s.code)),
            dealerships={d.id: d for d in dealerships},
        )

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.services)
