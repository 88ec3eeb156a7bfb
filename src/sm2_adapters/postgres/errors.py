"""psycopg's exceptions → the core's error tree, in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg import errors

from sm2_core.errors import AlreadyExists, InvalidInput


@asynccontextmanager
async def translated(kind: str) -> AsyncIterator[None]:
    """Constraint violations become the errors a caller can act on."""
    try:
        yield
    except errors.UniqueViolation as exc:
        detail = exc.diag.message_detail or exc.diag.constraint_name or ""
        raise AlreadyExists(f"{kind} already exists: {detail}".rstrip(": ")) from exc
    except errors.ForeignKeyViolation as exc:
        detail = exc.diag.message_detail or "a referenced record does not exist"
        raise InvalidInput(f"{kind}: {detail}") from exc
    except errors.DataError as exc:
        # Values PostgreSQL cannot store: a NUL character, a number out of a column's range.
        raise InvalidInput(f"{kind}: {exc.diag.message_primary or 'invalid value'}") from exc
    except (errors.CheckViolation, errors.NotNullViolation) as exc:
        detail = exc.diag.constraint_name or exc.diag.column_name or "constraint"
        raise InvalidInput(f"{kind} violates {detail}") from exc
