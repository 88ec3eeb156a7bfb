"""The job's version a client edited, for optimistic updates: the ``If-Match`` header (``3``,
``"3"`` or ``W/"3"``) or the body's ``version``. One reading for every route that changes a job."""

from __future__ import annotations

from typing import Annotated

from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter

from sm2_core.errors import InvalidInput

IfMatch = Annotated[
    str | None,
    Parameter(
        header="If-Match",
        description='The job\'s version edited: 3, "3" or W/"3"',
        schema_extra={
            "oneOf": None,
            "type": OpenAPIType.STRING,
            "pattern": r'^(W/)?"?[0-9]{1,9}"?$',
        },
    ),
]


def expected_version(header: str | None, body_version: int | None) -> int:
    """The version from ``If-Match`` first, else from the body; neither is a 422."""
    if header is not None:
        raw = header.strip().removeprefix("W/").strip('"')
        try:
            return int(raw)
        except ValueError:
            raise InvalidInput(
                "If-Match must be the job's version", fields={"If-Match": "not a version"}
            ) from None
    if body_version is not None:
        return body_version
    raise InvalidInput(
        "send the job's version in If-Match or in the body", fields={"version": "required"}
    )
