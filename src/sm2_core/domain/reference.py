"""The reference data intake decides with, read once for a whole batch of texts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from sm2_core.domain.entities import Dealership, RankingRule, Service


@attrs.frozen
class IntakeReference:
    dealerships: Mapping[str, Dealership]
    """Every dealership, active or not, by phone: a sender is matched here."""
    services: Mapping[str, Service]
    """The active services, by code."""
    rules: tuple[RankingRule, ...]
    """The active ranking rules."""

    @classmethod
    def of(
        cls,
        *,
        dealerships: Iterable[Dealership],
        services: Iterable[Service],
        rules: Iterable[RankingRule],
    ) -> IntakeReference:
        """From the tables' rows: every dealership, and the services and rules to keep (the
        inactive ones are dropped here)."""
        return cls(
            dealerships={d.phone: d for d in dealerships},
            services={s.code: s for s in services if s.is_active},
            rules=tuple(r for r in rules if r.is_active),
        )

    def sender(self, phone: str) -> Dealership | None:
        """The active dealership texting from ``phone``; None for a stranger or one that left."""
        dealership = self.dealerships.get(phone)
        return dealership if dealership is not None and dealership.is_active else None
