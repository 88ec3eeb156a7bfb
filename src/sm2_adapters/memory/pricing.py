"""The parts catalog and dealerships' own prices in memory, keeping the PostgreSQL adapter's
promises: a part's name unique in any case and its SKU too when set; one price per dealership
and service; a price names a dealership and a service that exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from sm2_adapters.memory.repositories import MemoryRepository
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.errors import AlreadyExists, InvalidInput
from sm2_core.ports import PartRepository, PriceRepository

if TYPE_CHECKING:
    from sm2_adapters.memory.store import Tables


class MemoryPartRepository(MemoryRepository[CatalogPart]):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables, "parts", unique=("name",))

    def _check_unique(self, item: CatalogPart) -> None:
        super()._check_unique(item)
        sku = item.sku.casefold()
        if sku and any(
            p.id != item.id and p.sku.casefold() == sku for p in self._tables.parts.values()
        ):
            raise AlreadyExists(f"part with sku {item.sku!r} already exists")

    async def matching(self, names: Sequence[str]) -> list[CatalogPart]:
        return [p for p in await self.all() if any(p.answers_to(name) for name in names)]


class MemoryPriceRepository(MemoryRepository[DealershipPrice]):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables, "prices", order="service_code")

    def _check_unique(self, item: DealershipPrice) -> None:
        # What the foreign keys check first, then the (dealership, service) key.
        if item.dealership_id not in self._tables.dealerships:
            raise InvalidInput(f"price: dealership {item.dealership_id} does not exist")
        if not any(s.code == item.service_code for s in self._tables.services.values()):
            raise InvalidInput(f"price: service {item.service_code} does not exist")
        if any(
            p.id != item.id
            and p.dealership_id == item.dealership_id
            and p.service_code == item.service_code
            for p in self._tables.prices.values()
        ):
            raise AlreadyExists(
                f"price already exists: {item.service_code} for dealership {item.dealership_id}"
            )

    async def price_of(self, dealership_id: UUID, service_code: str) -> DealershipPrice | None:
        code = service_code.upper()
        return next(
            (
                p
                for p in self._tables.prices.values()
                if p.is_active and p.dealership_id == dealership_id and p.service_code == code
            ),
            None,
        )


def _conforms(parts: MemoryPartRepository, prices: MemoryPriceRepository) -> None:
    """Checked by mypy: the fakes have the shapes of the ports."""
    _: PartRepository = parts
    __: PriceRepository = prices
