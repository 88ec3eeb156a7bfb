"""What invoices are priced from, besides the services: the parts catalog and the prices a
dealership was given for a service instead of its base price."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import attrs

#: A part's name or SKU as people type them; the catalog and the preview say so.
MAX_PART_NAME = 200
MAX_SKU = 60


@attrs.frozen
class CatalogPart:
    """A part technicians fit, billed at ``price`` apiece. A technician's report names it by
    its name or its SKU, in any case."""

    id: UUID
    name: str
    price: Decimal
    sku: str = ""
    """The supplier's or the company's reference; empty when it has none."""
    is_active: bool = True
    """An inactive part is no longer matched: a report naming it is flagged."""

    def answers_to(self, reported: str) -> bool:
        """Whether a technician's part name names this part (its name or its SKU)."""
        key = part_key(reported)
        return bool(key) and key in {part_key(self.name), part_key(self.sku)}


def part_key(text: str) -> str:
    """How part names and SKUs are compared: trimmed, inner spaces collapsed, any case."""
    return " ".join(text.split()).casefold()


@attrs.frozen
class DealershipPrice:
    """A dealership's own price for a service: its invoices bill it instead of the service's
    base price while it is active."""

    id: UUID
    dealership_id: UUID
    service_code: str
    price: Decimal
    is_active: bool = True
