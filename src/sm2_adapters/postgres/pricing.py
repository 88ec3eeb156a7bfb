"""The parts catalog (``parts``) and dealerships' own prices (``prices``), migration 0016."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.reference import TableRepository
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.ports import PartRepository, PriceRepository

_MATCHING = sql.SQL(
    "SELECT * FROM parts WHERE is_active"
    " AND (lower(name) = ANY(%(keys)s) OR (sku <> '' AND lower(sku) = ANY(%(keys)s)))"
    " ORDER BY lower(name), id"
)
_PRICE_OF = sql.SQL(
    "SELECT * FROM prices WHERE dealership_id = %(dealer)s AND service_code = upper(%(code)s)"
    " AND is_active"
)


class PostgresPartRepository(TableRepository[CatalogPart]):
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        super().__init__(
            conn,
            table="parts",
            entity=CatalogPart,
            kind="part",
            columns=("id", "name", "sku", "price", "is_active"),
        )

    async def matching(self, names: Sequence[str]) -> list[CatalogPart]:
        # Names are stored with their spaces collapsed; the indexes are on lower().
        keys = sorted({" ".join(n.split()).lower() for n in names} - {""})
        if not keys:
            return []
        async with self._conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(_MATCHING, {"keys": keys})
            return [to_entity(row, CatalogPart) for row in await cur.fetchall()]


class PostgresPriceRepository(TableRepository[DealershipPrice]):
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        super().__init__(
            conn,
            table="prices",
            entity=DealershipPrice,
            kind="price",
            columns=("id", "dealership_id", "service_code", "price", "is_active"),
            order="service_code",
        )

    async def price_of(self, dealership_id: UUID, service_code: str) -> DealershipPrice | None:
        return await self._one(_PRICE_OF.format(), {"dealer": dealership_id, "code": service_code})


def _conforms(parts: PostgresPartRepository, prices: PostgresPriceRepository) -> None:
    """Checked by mypy: the adapters have the shapes of the ports."""
    _: PartRepository = parts
    __: PriceRepository = prices
