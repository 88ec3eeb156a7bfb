"""The texts waiting for their first send, handed out in batches, on procrastinate's own queue.

Each text in the outbox has its ``send_sms`` job (the unit of work that queued the text wrote
both). A lease takes the oldest due jobs that never ran whose texts may go by SMS now, skipping
jobs and texts another worker has locked: the jobs stay ``todo`` but are scheduled ``seconds``
ahead, so neither procrastinate's fetch nor another lease takes them meanwhile, and
``attempts = 1`` so that once due again each runs on its own, with procrastinate's retries.
The unit of work that records what the carrier answered deletes the jobs of the texts it
settled, and makes those of the texts to try again due.

Two partial indexes on procrastinate's table, created with its schema
(``sm2_adapters.tasks.install_schema``): the jobs a lease may take, in order, whatever the
number of other tasks waiting (a burst's parse tasks come first in procrastinate's own index);
and the jobs of a text, by its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from sm2_adapters.postgres.backlog import QueueStatistics
from sm2_adapters.postgres.mapping import to_entity
from sm2_adapters.postgres.records import fetch_dicts
from sm2_core.domain.records import OutboundSms
from sm2_core.tasks import SEND_SMS

(_ARGUMENT,) = SEND_SMS.argument_names
_TASK = SEND_SMS.name
#: What ``install_schema`` creates, by name.
SEND_TASK_INDEXES = {
    "sm2_send_task_due": (
        f"CREATE INDEX IF NOT EXISTS sm2_send_task_due ON procrastinate_jobs (id)"
        f" WHERE task_name = '{_TASK}' AND status = 'todo' AND attempts = 0"
    ),
    "sm2_send_task_outbox": (
        f"CREATE INDEX IF NOT EXISTS sm2_send_task_outbox ON procrastinate_jobs"
        f" ((args->>'{_ARGUMENT}')) WHERE task_name = '{_TASK}'"
    ),
}

# Every send task has the same priority: in the order the texts were queued. The jobs are taken
# first, by the index of the jobs a lease may take, and only then their texts, each by its key:
# planned as one join, PostgreSQL may start from the texts instead (a scan of the whole outbox
# per lease; with stale statistics, a scan of the queue per text: minutes under a burst). A job
# whose text may not go now (pushed, tried, its number opted out) is skipped, so a batch may be
# smaller than ``more``. The text's row is locked with its job: a text is in one lease at most,
# and never in a lease while another unit of work changes it.
_LEASE = f"""
WITH job AS MATERIALIZED (
    SELECT id, (args->>'{_ARGUMENT}')::uuid AS outbox_id
    FROM procrastinate_jobs
    WHERE task_name = '{_TASK}' AND status = 'todo' AND attempts = 0
      AND queue_name = %(queue)s
      AND (scheduled_at IS NULL OR scheduled_at <= now())
      AND (args->>'{_ARGUMENT}') <> %(own)s::text
    ORDER BY id
    LIMIT %(more)s
    FOR UPDATE SKIP LOCKED
), due AS MATERIALIZED (
    SELECT job.id, job.outbox_id
    FROM job JOIN outbound_sms AS sms ON sms.id = job.outbox_id
    WHERE sms.status = 'QUEUED' AND sms.channel <> 'PUSH'
      AND NOT EXISTS (SELECT 1 FROM opt_outs WHERE opt_outs.phone = sms.to_number)
    FOR UPDATE OF sms SKIP LOCKED
), leased AS (
    UPDATE procrastinate_jobs AS queued
    SET scheduled_at = now() + make_interval(secs => %(seconds)s), attempts = 1
    FROM due WHERE queued.id = due.id
    RETURNING queued.id, due.outbox_id
)
SELECT sms.* FROM leased JOIN outbound_sms AS sms ON sms.id = leased.outbox_id
ORDER BY leased.id
"""

_DONE = (
    f"DELETE FROM procrastinate_jobs WHERE task_name = '{_TASK}' AND status = 'todo'"
    f" AND (args->>'{_ARGUMENT}') = ANY(%s)"
)
_AGAIN = (
    f"UPDATE procrastinate_jobs SET scheduled_at = now() + make_interval(secs => %s)"
    f" WHERE task_name = '{_TASK}' AND status = 'todo' AND attempts > 0"
    f" AND (args->>'{_ARGUMENT}') = ANY(%s)"
)


class PostgresSendBacklog:
    """The ``SendBacklog`` port on a unit of work's connection."""

    def __init__(self, conn: AsyncConnection[Any], queue: str, statistics: QueueStatistics) -> None:
        self._conn = conn
        self._queue = queue
        self._statistics = statistics

    async def lease(self, outbox_id: UUID, *, more: int, seconds: float) -> list[OutboundSms]:
        if more <= 0:
            return []
        rows = await fetch_dicts(
            self._conn,
            _LEASE,
            {"queue": self._queue, "more": more, "seconds": seconds, "own": outbox_id},
        )
        if len(rows) >= more:
            # A backlog of sends (after a burst): the queue's statistics kept current, as a
            # parse lease keeps them (``QueueStatistics``).
            await self._statistics.refresh(self._conn)
        texts: dict[UUID, OutboundSms] = {}
        for row in rows:
            # A text queued twice (two jobs) comes once.
            texts.setdefault(row["id"], to_entity(row, OutboundSms))
        return list(texts.values())

    async def done(self, outbox_ids: Sequence[UUID]) -> None:
        if outbox_ids:
            await self._conn.execute(_DONE, ([str(i) for i in outbox_ids],))

    async def again(self, outbox_ids: Sequence[UUID], *, seconds: float) -> None:
        if outbox_ids:
            await self._conn.execute(_AGAIN, (seconds, [str(i) for i in outbox_ids]))
