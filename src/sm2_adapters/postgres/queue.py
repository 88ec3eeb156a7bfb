"""Writing procrastinate jobs from our own statements and transactions.

procrastinate's Python API defers on a connection of its own choosing, one statement per call.
Receipt and the SMS outbox need the job written by *their* transaction (both or neither), so
they call the function its API calls, ``procrastinate_defer_jobs_v1``. That function is part of
procrastinate's versioned schema; the dependency's version range pins it, and the integration
tests run what is written here through procrastinate's real worker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from sm2_core.tasks import TASKS, TaskPayload

#: The procrastinate queue every SM2 task goes to (and every SM2 worker reads).
TASK_QUEUE = "sm2"

#: One job: queue name, task name, its priority (``TaskKind.priority``), then its arguments as a
#: jsonb object (the task's kwargs), and when it may run (NULL: at once).
JOB_ROW = (
    "ROW({queue}, {task}, {priority}, NULL, NULL, {args}, {at})::procrastinate_job_to_defer_v1"
)


def defer_jobs_sql(count: int, *, scheduled: bool = False) -> str:
    at = "%s::timestamptz" if scheduled else "NULL"
    one = JOB_ROW.format(queue="%s", task="%s", priority="%s", args="%s", at=at)
    rows = ", ".join([one] * count)
    return f"SELECT procrastinate_defer_jobs_v1(ARRAY[{rows}])"


class PendingTasks:
    """Tasks added during a unit of work, written by it just before it commits."""

    def __init__(self, queue: str) -> None:
        self._queue = queue
        self.items: list[tuple[TaskPayload, datetime | None]] = []

    def add(self, task: TaskPayload, *, at: datetime | None = None) -> None:
        self.items.append((task, at))

    async def flush(self, conn: AsyncConnection[Any]) -> None:
        if not self.items:
            return
        scheduled = any(at is not None for _, at in self.items)
        params: list[Any] = []
        for task, at in self.items:
            name, args = TASKS.encode(task)
            params += [self._queue, name, TASKS.kind_of(task).priority, Jsonb(args)]
            if scheduled:
                params.append(at)
        await conn.execute(defer_jobs_sql(len(self.items), scheduled=scheduled), params)
        self.items.clear()
