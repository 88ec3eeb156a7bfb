"""Reference data repositories: one generic table mapping, SQL built from fixed column lists."""

from __future__ import annotations

from typing import Any, Generic, TypeVar
from uuid import UUID

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from sm2_adapters.postgres.errors import translated
from sm2_adapters.postgres.mapping import entity_params, to_entity
from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.errors import NotFound

T = TypeVar("T")


class TableRepository(Generic[T]):
    """Add, get, update and list one entity type kept in one table of the same columns."""

    def __init__(
        self,
        conn: AsyncConnection[Any],
        *,
        table: str,
        entity: type[T],
        kind: str,
        columns: tuple[str, ...],
        order: str = "name",
    ) -> None:
        self._conn = conn
        self._table = sql.Identifier(table)
        self._entity = entity
        self._kind = kind
        self._columns = columns
        self._order = sql.SQL(order)

    def _params(self, item: T) -> dict[str, Any]:
        values = entity_params(item)
        return {c: values[c] for c in self._columns}

    async def _one(self, query: sql.Composed, params: dict[str, Any]) -> T | None:
        async with self._conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query, params)
            row = await cur.fetchone()
        return None if row is None else to_entity(row, self._entity)

    async def add(self, item: T) -> None:
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            self._table,
            sql.SQL(", ").join(map(sql.Identifier, self._columns)),
            sql.SQL(", ").join(map(sql.Placeholder, self._columns)),
        )
        async with translated(self._kind):
            await self._conn.execute(query, self._params(item))

    async def get(self, item_id: UUID) -> T:
        query = sql.SQL("SELECT * FROM {} WHERE id = %(id)s").format(self._table)
        found = await self._one(query, {"id": item_id})
        if found is None:
            raise NotFound(self._kind, item_id)
        return found

    async def lock(self, item_id: UUID) -> T:
        """The row, locked until the unit of work ends: changes that decide on it take turns."""
        query = sql.SQL("SELECT * FROM {} WHERE id = %(id)s FOR UPDATE").format(self._table)
        found = await self._one(query, {"id": item_id})
        if found is None:
            raise NotFound(self._kind, item_id)
        return found

    async def update(self, item: T) -> None:
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
            for c in self._columns
            if c != "id"
        )
        query = sql.SQL("UPDATE {} SET {} WHERE id = %(id)s").format(self._table, assignments)
        async with translated(self._kind):
            cur = await self._conn.execute(query, self._params(item))
        if cur.rowcount == 0:
            raise NotFound(self._kind, self._params(item)["id"])

    async def all(self, *, include_inactive: bool = False) -> list[T]:
        where = sql.SQL("") if include_inactive else sql.SQL("WHERE is_active")
        query = sql.SQL("SELECT * FROM {} {} ORDER BY lower({}::text), id").format(
            self._table, where, self._order
        )
        async with self._conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(query)
            return [to_entity(row, self._entity) for row in await cur.fetchall()]

    async def _find(self, column: str, value: str) -> T | None:
        query = sql.SQL("SELECT * FROM {} WHERE lower({}) = lower(%(v)s)").format(
            self._table, sql.Identifier(column)
        )
        return await self._one(query, {"v": value})

    async def by_phone(self, phone: str) -> T | None:
        return await self._find("phone", phone)

    async def by_code(self, code: str) -> T | None:
        return await self._find("code", code)

    async def by_name(self, name: str) -> T | None:
        return await self._find("name", name)

    async def by_username(self, username: str) -> T | None:
        return await self._find("username", username)


def repositories(conn: AsyncConnection[Any]) -> dict[str, TableRepository[Any]]:
    """The reference repositories of one unit of work."""
    return {
        "zones": TableRepository(
            conn,
            table="zones",
            entity=Zone,
            kind="zone",
            columns=("id", "name", "description", "latitude", "longitude", "is_active"),
        ),
        "services": TableRepository(
            conn,
            table="services",
            entity=Service,
            kind="service",
            order="code",
            columns=(
                "id",
                "code",
                "name",
                "name_fr",
                "base_price",
                "requires_approval",
                "is_active",
                "qb_item_id",
                "terms_en",
                "terms_fr",
                "hints_en",
                "hints_fr",
                "duration_minutes",
                "requires_photos",
                "included_minutes",
            ),
        ),
        "dealerships": TableRepository(
            conn,
            table="dealerships",
            entity=Dealership,
            kind="dealership",
            columns=(
                "id",
                "name",
                "phone",
                "email",
                "zone_id",
                "is_audit_flagged",
                "is_active",
                "language",
                "qb_customer_id",
                "notify_on",
                "address",
                "hourly_rate",
            ),
        ),
        "technicians": TableRepository(
            conn,
            table="technicians",
            entity=Technician,
            kind="technician",
            columns=("id", "name", "phone", "zone_id", "skills", "status", "is_active", "language"),
        ),
        "rules": TableRepository(
            conn,
            table="ranking_rules",
            entity=RankingRule,
            kind="rule",
            order="description",
            columns=(
                "id",
                "description",
                "dealership_id",
                "service_code",
                "make",
                "target_urgency",
                "ranking_score",
                "is_active",
            ),
        ),
        "users": TableRepository(
            conn,
            table="users",
            entity=User,
            kind="user",
            order="username",
            columns=(
                "id",
                "username",
                "role",
                "password_hash",
                "technician_id",
                "is_active",
                "session_generation",
            ),
        ),
    }
