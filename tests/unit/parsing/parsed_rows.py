"""A parse as rows of its six judged fields, for tables of expected readings."""

from __future__ import annotations

from sm2_adapters.parsing import OfflineParser

PARSER = OfflineParser()

Row = tuple[int | None, str | None, str | None, str | None, str | None, str | None]


def rows(body: str) -> list[Row]:
    result = PARSER.parse_text(body)
    return [(r.year, r.make, r.model, r.vin, r.stock_no, r.service_code) for r in result.requests]
