"""The durable task queue on PostgreSQL (procrastinate): at-least-once, retried with backoff.

Every task of the core's registry (``sm2_core.tasks.TASKS``) is registered here under its name
and routed to ``Services.run_task``; the use cases behind them are idempotent, so a task that
runs twice (a worker died after the work but before the ack) does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import psycopg
from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.schema import SchemaManager
from psycopg.types.json import Jsonb

from sm2_adapters.payment_tasks import register_payment_tasks
from sm2_adapters.postgres import report_days
from sm2_adapters.postgres.backlog import PARSE_TASK_INDEX
from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_adapters.postgres.send_backlog import SEND_TASK_INDEXES
from sm2_core.errors import NotConfigured, Sm2Error
from sm2_core.ports import T_Task
from sm2_core.services import ReconcileReport, Services
from sm2_core.tasks import TASKS, TaskKind, TaskPayload

log = logging.getLogger(__name__)

#: 2, 4, 8 ... 512 s between tries: rides out a Twilio or Intuit outage of several minutes.
RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)
#: Seconds without a heartbeat after which a worker is taken for dead (procrastinate's default:
#: workers beat every 10 s).
STALLED_AFTER = 30
_SCHEMA_LOCK = 0x534D325F51554555  # "SM2_QUEU": one process installs the queue's schema
#: How often the worker compares our texts with Twilio's record, and how far back it looks:
#: each text is looked at by several runs, so one failed run loses nothing.
RECONCILE_CRON = "*/10 * * * *"
RECONCILE_WINDOW = timedelta(hours=1)


async def _go_ahead() -> None:
    return None


class ServicesRef:
    """Tasks are registered before the services exist (the services need the queue).

    ``before_task`` runs before each task: ``sm2 serve`` makes its in-process worker wait there
    for a lull in web requests.
    """

    def __init__(self, before_task: Callable[[], Awaitable[None]] | None = None) -> None:
        self.services: Services | None = None
        self.before_task: Callable[[], Awaitable[None]] = before_task or _go_ahead

    def get(self) -> Services:
        if self.services is None:
            raise RuntimeError("the task worker started before its services were built")
        return self.services


def build_task_app(
    url: str, ref: ServicesRef, *, max_pool_size: int = 10, timezone: str = "America/Toronto"
) -> App:
    """Opened on its own pool, or with ``open_async(pool=...)`` on the system's: sharing it
    spares procrastinate's per-checkout liveness query on every fetch, defer and ack.
    ``timezone``: the company's, whose days the reports count."""
    app = App(connector=PsycopgConnector(conninfo=url, min_size=1, max_size=max_pool_size))
    for kind in TASKS.kinds:
        _register(app, kind, ref)

    @app.periodic(cron="* * * * *", periodic_id="requeue")
    @app.task(name="requeue_waiting_messages", queue=TASK_QUEUE, queueing_lock="requeue")
    async def requeue_waiting_messages(timestamp: int) -> None:
        # Safety net for "nothing lost": a text stored but never queued gets parsed anyway.
        await ref.get().receipt.requeue_waiting()

    reconciler = Reconciler(ref)

    @app.periodic(cron=RECONCILE_CRON, periodic_id="reconcile")
    @app.task(name="reconcile_with_twilio", queue=TASK_QUEUE, queueing_lock="reconcile")
    async def reconcile_with_twilio(timestamp: int) -> None:
        # Safety net for webhooks Twilio could not deliver at all (our process down, network).
        await reconciler.run(datetime.fromtimestamp(timestamp, UTC) - RECONCILE_WINDOW)

    @app.periodic(cron="* * * * *", periodic_id="summary")
    @app.task(name="send_morning_summary", queue=TASK_QUEUE, queueing_lock="summary")
    async def send_morning_summary(timestamp: int) -> None:
        # Every minute: the first run past the configured time of a day sends it, once.
        await ref.get().notifications.morning_summary()

    register_payment_tasks(app, ref)

    @app.periodic(cron="* * * * *", periodic_id="report_days")
    @app.task(name="fold_report_days", queue=TASK_QUEUE, queueing_lock="report_days")
    async def fold_report_days(timestamp: int) -> None:
        # Past days' report figures summed once, so a year's report reads days, not jobs.
        folded = await report_days.fold(url, timezone)
        if folded:
            log.info("reports: %d day(s) folded", folded)

    @app.periodic(cron="* * * * *", periodic_id="stalled")
    @app.task(name="retry_stalled_jobs", queue=TASK_QUEUE, queueing_lock="stalled")
    async def retry_stalled_jobs(timestamp: int) -> None:
        await retry_stalled(app)

    return app


class Reconciler:
    """The periodic reconciliation: a failure is logged once, while it lasts, and the next
    period tries again (no retries of its own: the next run covers the same texts)."""

    def __init__(self, ref: ServicesRef) -> None:
        self._ref = ref
        self._failing: str | None = None
        """The message of the failure last logged; None while runs succeed."""

    async def run(self, since: datetime) -> ReconcileReport | None:
        try:
            report = await self._ref.get().receipt.reconcile(since=since)
        except NotConfigured as exc:
            log.debug("reconciliation with Twilio skipped: %s", exc.message)
            return None
        except Sm2Error as exc:
            if exc.message != self._failing:
                log.warning("reconciliation with Twilio failed (tried again next run): %s", exc)
            self._failing = exc.message
            return None
        if self._failing is not None:
            log.info("reconciliation with Twilio works again")
            self._failing = None
        if report.stored:
            log.warning("reconciliation: %d text(s) never reached us, stored now", report.stored)
        for refused in report.refused:
            log.warning("reconciliation: Twilio's text %s refused: %s", refused.sid, refused.reason)
        return report


async def retry_stalled(app: App) -> int:
    """Put back in the queue the tasks of workers that died mid-task (killed, out of memory):
    procrastinate leaves them "doing" for ever. Their worker has sent no heartbeat for
    ``STALLED_AFTER`` seconds; every task is idempotent, so running one again does no harm."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(
            queue=TASK_QUEUE, seconds_since_heartbeat=STALLED_AFTER
        )
    )
    for job in stalled:
        log.warning("task %s #%s: its worker is gone, queued again", job.task_name, job.id)
        await app.job_manager.retry_job(job)
    return len(stalled)


def _register(app: App, kind: TaskKind[Any], ref: ServicesRef) -> None:
    async def run(**args: Any) -> None:
        task = kind.decode(args)
        await ref.before_task()
        await ref.get().run_task(task)

    run.__name__ = kind.name
    app.task(name=kind.name, retry=RETRY, queue=TASK_QUEUE)(run)


class ProcrastinateQueue:
    """The TaskQueue port over procrastinate."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def defer(self, task: TaskPayload) -> None:
        name, args = TASKS.encode(task)
        priority = TASKS.kind_of(task).priority
        await self._app.configure_task(name=name, queue=TASK_QUEUE, priority=priority).defer_async(
            **args
        )

    async def not_queued(self, tasks: Sequence[T_Task]) -> list[T_Task]:
        if not tasks:
            return []
        encoded = [TASKS.encode(task) for task in tasks]
        # One pass over the queue (a hash anti-join on the job's name and arguments), whatever
        # its size; the answer is the positions of the tasks not found.
        rows = await self._app.connector.execute_query_all_async(
            _NOT_QUEUED,
            tasks=Jsonb([{"name": name, "args": args} for name, args in encoded]),
            stalled_after=STALLED_AFTER,
        )
        return [tasks[int(row["n"]) - 1] for row in rows]


#: Waiting, or running on a worker that is alive (a dead worker's job is retried by
#: ``retry_stalled``, on the same heartbeat rule as procrastinate's own stalled-job query).
_NOT_QUEUED: LiteralString = """
SELECT p.n
FROM jsonb_array_elements(%(tasks)s) WITH ORDINALITY AS p (value, n)
WHERE NOT EXISTS (
    SELECT 1 FROM procrastinate_jobs j
    WHERE j.task_name = p.value->>'name' AND j.args = p.value->'args' AND (
        j.status = 'todo'
        OR j.status = 'doing' AND EXISTS (
            SELECT 1 FROM procrastinate_workers w
            WHERE w.id = j.worker_id
              AND w.last_heartbeat >= now() - make_interval(secs => %(stalled_after)s)
        )
    )
)
ORDER BY p.n
"""


def install_schema(url: str) -> bool:
    """Create procrastinate's tables once, and our index on them; True when this call created
    the tables."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            created = not (exists and exists[0])
            if created:
                with conn.transaction():
                    conn.execute(SchemaManager.get_schema())
            indexes = {"sm2_parse_task_message": PARSE_TASK_INDEX, **SEND_TASK_INDEXES}
            for name, statement in indexes.items():
                missing = conn.execute("SELECT to_regclass(%s) IS NULL", (name,)).fetchone()
                if missing and missing[0]:
                    # Checked first: even IF NOT EXISTS would lock the queue's table at every
                    # start.
                    conn.execute(statement)
            return created
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


async def queue_depth(app: App) -> dict[str, int]:
    """Jobs per status in the sm2 queue, for health."""
    rows = await app.connector.execute_query_all_async(
        "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs"
        " WHERE queue_name = %(queue)s GROUP BY status",
        queue=TASK_QUEUE,
    )
    return {row["status"]: int(row["n"]) for row in rows}


async def due_tasks(app: App) -> int:
    """Tasks waiting that may run now (not those deferred to a later time)."""
    row = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE queue_name = %(queue)s"
        " AND status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())",
        queue=TASK_QUEUE,
    )
    return int(row["n"])
