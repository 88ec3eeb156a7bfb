"""Many rows in one statement: a JSON array of records, typed by the table's own row type.

``jsonb_populate_recordset(NULL::<table>, …)`` reads each field as the table declares its
column, so one statement text (prepared once, whatever the number of rows) writes any number
of rows in one round trip, and a column added to a table needs no list of types kept here. A
batch of texts writes its jobs, audit entries, confirmations and events this way: PostgreSQL
spends on one statement what a statement per row would cost it many times over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, LiteralString

import msgspec
from psycopg import AsyncConnection, sql
from psycopg.types.json import Jsonb


def _unwrap(value: Any) -> Any:
    # A JSONB column's value travels as the JSON it is.
    if isinstance(value, Jsonb):
        return value.obj
    raise NotImplementedError(f"cannot write {type(value).__name__} as JSON")


_ENCODER = msgspec.json.Encoder(enc_hook=_unwrap)


def records(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as one JSON array, the statements' parameter (UUIDs, times and enums as the
    text PostgreSQL reads them)."""
    return _ENCODER.encode(rows).decode()


# Statements rendered once to text: psycopg would otherwise compose them again on every call.
@cache
def insert_statement(table: LiteralString, columns: tuple[LiteralString, ...]) -> str:
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    # In the array's order: serial columns (events' ids, audit entries' seq) count up with it.
    return (
        sql.SQL(
            "INSERT INTO {table} ({names}) SELECT {names}"
            " FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) WITH ORDINALITY AS r"
            " ORDER BY r.ordinality"
        )
        .format(table=sql.Identifier(table), names=names)
        .as_string()
    )


async def insert_many(
    conn: AsyncConnection[Any],
    table: LiteralString,
    columns: tuple[LiteralString, ...],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """INSERT ``rows`` (each a mapping of at least ``columns``) in one statement."""
    if rows:
        await conn.execute(insert_statement(table, columns), (records(rows),))


@cache
def update_statement(
    table: LiteralString, columns: tuple[LiteralString, ...], key: LiteralString = "id"
) -> str:
    assignments = sql.SQL(", ").join(
        sql.SQL("{c} = r.{c}").format(c=sql.Identifier(c)) for c in columns if c != key
    )
    return (
        sql.SQL(
            "UPDATE {table} AS t SET {assignments}"
            " FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) AS r"
            " WHERE t.{key} = r.{key} RETURNING t.{key}"
        )
        .format(table=sql.Identifier(table), assignments=assignments, key=sql.Identifier(key))
        .as_string()
    )


async def update_many(
    conn: AsyncConnection[Any],
    table: LiteralString,
    columns: tuple[LiteralString, ...],
    rows: Sequence[Mapping[str, Any]],
    key: LiteralString = "id",
) -> set[Any]:
    """UPDATE the rows of ``table`` whose ``key`` the given rows name, setting ``columns``;
    the keys found."""
    if not rows:
        return set()
    cur = await conn.execute(update_statement(table, columns, key), (records(rows),))
    return {row[0] for row in await cur.fetchall()}
