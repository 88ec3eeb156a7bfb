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
# The jobs to write, one jsonb array of {task, priority, args, at} (``TaskKind.priority``; the
# task's kwargs; when it may run, null: at once), in their order. One short statement whatever
# their number: psycopg converts it once and PostgreSQL plans it once, where a statement with a
# ROW(...) per job was parsed anew on both sides for each batch (a tenth of a parse batch's
# CPU for its confirmations' tasks).
DEFER_JOBS = f"""
SELECT procrastinate_defer_jobs_v1(array_agg(
    {JOB_ROW.format(queue="%(queue)s", task="t.task", priority="t.priority", args="t.args", at="t.at")}
    ORDER BY t.n))
FROM ROWS FROM (jsonb_to_recordset(%(jobs)s)
                AS (task text, priority integer, args jsonb, at timestamptz))
     WITH ORDINALITY AS t(task, priority, args, at, n)
"""


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
        jobs = []
        for task, at in self.items:
            name, args = TASKS.encode(task)
            jobs.append(
                {
                    "task": name,
                    "priority": TASKS.kind_of(task).priority,
                    "args": args,
                    "at": at.isoformat() if at is not None else None,
                }
            )
        await conn.execute(DEFER_JOBS, {"queue": self._queue, "jobs": Jsonb(jobs)})
        self.items.clear()
