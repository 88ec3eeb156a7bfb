"""The queue's statistics are refreshed at most every so often per process: a burst's every
batch is a backlog, and analyzing the table for each would cost more than it saves."""

from __future__ import annotations

from typing import Any, cast

from psycopg import AsyncConnection

from sm2_adapters.postgres.backlog import QueueStatistics


class Recorder:
    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute(self, statement: str) -> None:
        self.statements.append(statement)


async def test_a_refresh_waits_for_its_interval() -> None:
    now = [100.0]
    statistics = QueueStatistics(every=10.0, clock=lambda: now[0])
    conn = Recorder()
    as_conn = cast("AsyncConnection[Any]", conn)

    await statistics.refresh(as_conn)
    now[0] = 109.0
    await statistics.refresh(as_conn)
    assert conn.statements == ["ANALYZE (SKIP_LOCKED) procrastinate_jobs"]

    now[0] = 110.5
    await statistics.refresh(as_conn)
    assert len(conn.statements) == 2
