"""The unit of work on PostgreSQL: one pooled connection, one transaction, events at commit."""

from __future__ import annotations

from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, Self

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.postgres.backlog import PostgresParseBacklog, QueueStatistics
from sm2_adapters.postgres.conversations import PostgresConversationRepository
from sm2_adapters.postgres.corrections import PostgresCorrectionRepository
from sm2_adapters.postgres.invoices import PostgresInvoiceRepository
from sm2_adapters.postgres.jobs import PostgresJobRepository
from sm2_adapters.postgres.media import PostgresMediaRepository
from sm2_adapters.postgres.notify import (
    PostgresNoticeRepository,
    PostgresOptOutRepository,
    PostgresPushSubscriptionRepository,
)
from sm2_adapters.postgres.payments import PostgresChangePollRepository
from sm2_adapters.postgres.photos import PostgresPhotoRepository
from sm2_adapters.postgres.pricing import PostgresPartRepository, PostgresPriceRepository
from sm2_adapters.postgres.queue import TASK_QUEUE, PendingTasks
from sm2_adapters.postgres.records import (
    PendingEvents,
    PostgresAuditRepository,
    PostgresMessageRepository,
    PostgresOutboxRepository,
)
from sm2_adapters.postgres.reference import TableRepository, repositories
from sm2_adapters.postgres.reports import PostgresReportSource
from sm2_adapters.postgres.send_backlog import PostgresSendBacklog
from sm2_core.ports import UnitOfWork


class PostgresUnitOfWork:
    """Commits when the block ends cleanly; any exception rolls everything back."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        task_queue: str,
        statistics: QueueStatistics,
    ) -> None:
        self._pool = pool
        self._queue = task_queue
        self._statistics = statistics
        self._stack: AsyncExitStack | None = None
        self.events = PendingEvents()
        self.tasks = PendingTasks(task_queue)

    async def __aenter__(self) -> Self:
        stack = AsyncExitStack()
        conn = await stack.enter_async_context(self._pool.connection())
        await stack.enter_async_context(conn.transaction())
        self._stack = stack
        self._bind(conn)
        return self

    def _bind(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        self.jobs = PostgresJobRepository(conn)
        ref: dict[str, TableRepository[Any]] = repositories(conn)
        self.zones, self.services = ref["zones"], ref["services"]
        self.dealerships, self.technicians = ref["dealerships"], ref["technicians"]
        self.rules, self.users = ref["rules"], ref["users"]
        self.parts = PostgresPartRepository(conn)
        self.prices = PostgresPriceRepository(conn)
        self.audit = PostgresAuditRepository(conn)
        self.messages = PostgresMessageRepository(conn)
        self.outbox = PostgresOutboxRepository(conn)
        self.media = PostgresMediaRepository(conn)
        self.photos = PostgresPhotoRepository(conn)
        self.corrections = PostgresCorrectionRepository(conn)
        self.invoices = PostgresInvoiceRepository(conn)
        self.change_polls = PostgresChangePollRepository(conn)
        self.notices = PostgresNoticeRepository(conn)
        self.push_subscriptions = PostgresPushSubscriptionRepository(conn)
        self.opt_outs = PostgresOptOutRepository(conn)
        self.conversations = PostgresConversationRepository(conn)
        self.reports = PostgresReportSource(conn)
        self.backlog = PostgresParseBacklog(conn, self._queue, self._statistics)
        self.send_backlog = PostgresSendBacklog(conn, self._queue, self._statistics)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._stack is not None
        stack, self._stack = self._stack, None
        if exc_type is None:
            try:
                if self.events.items or self.tasks.items:
                    # One round trip for both: they are written, not read back (a pipeline
                    # with nothing in it would still cost a round trip to leave).
                    async with self.conn.pipeline():
                        await self.events.flush(self.conn)
                        await self.tasks.flush(self.conn)
            except BaseException as flush_error:
                # Events and tasks belong to the change: without them nothing is committed.
                await stack.__aexit__(type(flush_error), flush_error, flush_error.__traceback__)
                raise
        await stack.__aexit__(exc_type, exc, tb)


class PostgresUnitOfWorkFactory:
    """``task_queue``: the procrastinate queue that tasks added in a unit of work go to."""

    def __init__(
        self, pool: AsyncConnectionPool[AsyncConnection[Any]], *, task_queue: str = TASK_QUEUE
    ) -> None:
        self.pool = pool
        self.task_queue = task_queue
        # One per process: its units of work share when the queue's statistics were refreshed.
        self.statistics = QueueStatistics()

    def __call__(self) -> UnitOfWork:
        return PostgresUnitOfWork(self.pool, self.task_queue, self.statistics)
