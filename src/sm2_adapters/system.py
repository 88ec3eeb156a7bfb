"""The real system, built from settings: PostgreSQL (server or embedded), the task queue, and
each integration when configured (a clear refusal when not).

Building is synchronous (start or attach to the embedded server, migrate, create closed pools);
``open()``/``close()`` open the pools in the event loop that will use them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import attrs
import psycopg
from procrastinate import App
from procrastinate.exceptions import ConnectorException
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.blobs import blobs_from_settings
from sm2_adapters.bootstrap import build_services
from sm2_adapters.catalog import LiveCatalog
from sm2_adapters.clock import SystemClock
from sm2_adapters.openai import CombinedParser
from sm2_adapters.postgres.database import make_pool, migrate
from sm2_adapters.postgres.embedded import resolve_database_url, stop_embedded_server
from sm2_adapters.postgres.events import PostgresEventFeed
from sm2_adapters.postgres.health import PostgresHealth
from sm2_adapters.postgres.inbound import PostgresInboundStore
from sm2_adapters.postgres.migrate import MigrationStatus
from sm2_adapters.postgres.migrate import status as migration_status
from sm2_adapters.postgres.outage import keep_working
from sm2_adapters.postgres.queue import TASK_QUEUE
from sm2_adapters.postgres.ratelimit import PostgresRateLimiter
from sm2_adapters.postgres.reference_cache import PostgresReferenceCache
from sm2_adapters.postgres.spool import Spool, SpoolingInboundStore
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.quickbooks import QuickBooksIntegration, quickbooks_from_settings
from sm2_adapters.security import Argon2Hasher
from sm2_adapters.settings import Settings
from sm2_adapters.tasks import (
    ProcrastinateQueue,
    ServicesRef,
    build_task_app,
    due_tasks,
    install_schema,
)
from sm2_adapters.twilio import (
    twilio_inbox_from_settings,
    twilio_media_from_settings,
    twilio_sender_from_settings,
)
from sm2_adapters.webpush import push_sender_from_settings
from sm2_core.errors import IntegrationError
from sm2_core.parsing import CatalogSnapshot
from sm2_core.ports import (
    AccountingGateway,
    CarrierInbox,
    MediaSource,
    MessageParser,
    RateLimiter,
    SmsSender,
)
from sm2_core.runtime import Runtime
from sm2_core.services import Services

#: How often a worker that hears of each new task looks for tasks anyway (one it missed).
LISTENING_POLL_SECONDS = 0.5
#: How often a worker that hears of nothing looks for tasks: an idle look is one short query.
IN_PROCESS_POLL_SECONDS = 0.05


@attrs.define(kw_only=True)
class System:
    settings: Settings
    database_url: str = attrs.field(repr=False)
    pool: AsyncConnectionPool[AsyncConnection[Any]]
    task_app: App
    services: Services
    uow: PostgresUnitOfWorkFactory
    clock: SystemClock
    limiter: PostgresRateLimiter
    events: PostgresEventFeed
    health: PostgresHealth
    parser: CombinedParser
    quickbooks: QuickBooksIntegration
    tasks_ref: ServicesRef
    inbound: SpoolingInboundStore
    _replaying: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.pool.open(wait=True)
        await self.task_app.open_async(pool=self.pool)
        # Texts spooled while the database was away (by this process or one before it).
        self._replaying = asyncio.create_task(self.inbound.replay_forever())

    async def close(self) -> None:
        if self._replaying is not None:
            self._replaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replaying
        await self.inbound.aclose()
        await self.parser.aclose()
        await self.task_app.close_async()
        await self.pool.close()

    async def run_tasks(self, *, rounds: int = 20) -> int:
        """Run tasks until none is waiting, those that tasks queue included (tests, demos);
        procrastinate does not say how many ran, so this answers 0."""
        for _ in range(rounds):
            await self.run_worker(wait=False)
            if not await due_tasks(self.task_app):
                break
        return 0

    async def run_worker(
        self, *, concurrency: int = 4, wait: bool = True, listen: bool = True
    ) -> None:
        """Process queued tasks; with ``wait=False`` return once the queue is empty.

        ``listen=False`` polls the queue (every ``IN_PROCESS_POLL_SECONDS``) instead of
        hearing every new task: a worker inside a web process would otherwise handle one
        notification per received text. A lost database is waited for (``postgres.outage``).
        """

        async def work() -> None:
            await self.task_app.run_worker_async(
                listen_notify=listen,
                # Told of each task, a worker polls only as a safety net; polling instead, it
                # polls often enough that a text waits for it a small part of the time a text
                # may take to become a job (docs/performance.md).
                fetch_job_polling_interval=LISTENING_POLL_SECONDS
                if listen
                else IN_PROCESS_POLL_SECONDS,
                queues=[TASK_QUEUE],
                concurrency=concurrency,
                wait=wait,
                # Done is done: the table stays the size of the backlog (failures are kept).
                delete_jobs="successful",
                install_signal_handlers=False,
            )

        if not wait:
            await work()
            return

        async def work_until_stopped() -> None:
            await work()
            # A waiting worker stops on its own only when one of procrastinate's side tasks (the
            # heartbeat, the periodic deferrer) failed, as they do on a lost connection: taken
            # as one, so that it waits for the database and starts again instead of ending.
            raise ConnectorException("the task worker stopped: one of its side tasks failed")

        # A database restart must not end the worker: it waits for the database and resumes,
        # or raises DatabaseUnavailable so that its process exits and is restarted.
        await keep_working(
            work_until_stopped, self.pool, give_up_after=self.settings.worker_give_up_seconds
        )


def _parser(settings: Settings, limiter: RateLimiter, catalog: LiveCatalog) -> CombinedParser:
    """Offline first; the LLM for unsure texts when OPENAI_API_KEY is set; both read the live
    catalog."""
    from sm2_adapters.parsing.offline import OfflineParser

    return CombinedParser.from_settings(
        settings, offline=OfflineParser(catalog), limiter=limiter, catalog=catalog
    )


def _reader(catalog: LiveCatalog) -> MessageParser:
    """What reads dealers' replies on pages ("apply to job"): the offline parser alone."""
    from sm2_adapters.parsing.offline import OfflineParser

    return OfflineParser(catalog)


def _sms(settings: Settings) -> SmsSender:
    return twilio_sender_from_settings(settings)


def build_system(
    settings: Settings,
    *,
    apply_migrations: bool = True,
    pool_size: int = 20,
    sms: SmsSender | None = None,
    accounting: AccountingGateway | None = None,
    before_task: Callable[[], Awaitable[None]] | None = None,
    inbox: CarrierInbox | None = None,
    media: MediaSource | None = None,
) -> System:
    """``sms``, ``accounting``, ``inbox`` and ``media`` replace the configured integrations (the
    demo's fakes); ``before_task`` is awaited before each task this process's worker runs."""
    url = resolve_database_url(settings.database_url, settings.data_dir)
    if apply_migrations:
        migrate(url)
        install_schema(url)
    pool = make_pool(url, min_size=max(1, pool_size // 2), max_size=pool_size)
    ref = ServicesRef(before_task)
    app = build_task_app(url, ref, timezone=settings.timezone)
    uow = PostgresUnitOfWorkFactory(pool, task_queue=TASK_QUEUE)
    clock = SystemClock()
    limiter = PostgresRateLimiter(pool)
    catalog = LiveCatalog(uow, ttl_seconds=settings.catalog_ttl_seconds)
    parser = _parser(settings, limiter, catalog)
    # One integration object: the gateway, the routes and the CLI share its token lock.
    quickbooks = quickbooks_from_settings(settings, pool, clock=clock)
    spool = Spool(settings.data_dir / "spool")
    inbound = SpoolingInboundStore(PostgresInboundStore(pool, queue=TASK_QUEUE), spool)
    ref.services = build_services(
        uow=uow,
        clock=clock,
        parser=parser,
        tasks=ProcrastinateQueue(app),
        sms=sms or _sms(settings),
        accounting=accounting or quickbooks.gateway,
        hasher=Argon2Hasher(),
        inbound=inbound,
        inbox=inbox or twilio_inbox_from_settings(settings),
        watcher=catalog,
        media=media or twilio_media_from_settings(settings),
        blobs=blobs_from_settings(settings),
        push=push_sender_from_settings(settings),
        public_url=settings.public_url,
        push_ack_seconds=settings.push_ack_seconds,
        timezone=settings.timezone,
        summary_at=settings.summary_at,
        reader=_reader(catalog),
        reference=PostgresReferenceCache(pool),
        invoice_status=quickbooks.payments,
        poll_every=timedelta(minutes=settings.qbo_cdc_minutes),
        working_day_hours=settings.working_day_hours,
        tax_rates=settings.tax_rates,
    )
    return System(
        settings=settings,
        database_url=url,
        pool=pool,
        task_app=app,
        services=ref.services,
        uow=uow,
        clock=clock,
        limiter=limiter,
        parser=parser,
        events=PostgresEventFeed(pool, url),
        health=PostgresHealth(pool, app, settings, quickbooks, spool=spool),
        quickbooks=quickbooks,
        tasks_ref=ref,
        inbound=inbound,
    )


def configured_catalog(settings: Settings) -> CatalogSnapshot | None:
    """The catalog of the database ``SM2_DATABASE_URL`` names, read once (``sm2 parse``); None
    when none is configured. IntegrationError when it cannot be read: parsing with another
    catalog than the one asked for would mislead."""
    if not settings.database_url:
        return None
    return asyncio.run(_read_catalog(settings.database_url))


async def _read_catalog(url: str) -> CatalogSnapshot:
    from sm2_adapters.postgres.reference import repositories

    try:
        async with await psycopg.AsyncConnection.connect(url, connect_timeout=5) as conn:
            tables = repositories(conn)
            services = await tables["services"].all()
            dealerships = await tables["dealerships"].all(include_inactive=True)
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
        raise IntegrationError(
            "postgresql",
            "the database's schema is not up to date; run `sm2 db upgrade`",
            transient=False,
        ) from exc
    except psycopg.Error as exc:
        raise IntegrationError(
            "postgresql",
            f"cannot read the services catalog ({type(exc).__name__})",
            transient=True,
        ) from exc
    return CatalogSnapshot.of(services, dealerships)


def upgrade_database(settings: Settings) -> list[str]:
    """Apply pending migrations and install the queue's schema (starting the embedded server
    when no database is configured); the migration files applied, in order."""
    url = resolve_database_url(settings.database_url, settings.data_dir)
    applied = migrate(url)
    install_schema(url)
    return [migration.filename for migration in applied]


def database_status(settings: Settings) -> MigrationStatus:
    """Which migrations are applied (and when) and which are pending."""
    url = resolve_database_url(settings.database_url, settings.data_dir)
    with psycopg.connect(url) as conn:
        return migration_status(conn)


def stop_embedded_database(settings: Settings) -> bool:
    """Stop the embedded server of ``settings.data_dir``; False when none was running."""
    return stop_embedded_server(settings.data_dir)


@asynccontextmanager
async def open_system(
    settings: Settings, *, apply_migrations: bool = True, pool_size: int = 10
) -> AsyncIterator[System]:
    """Everything a worker or a CLI command needs, closed on exit."""
    system = await asyncio.to_thread(
        build_system, settings, apply_migrations=apply_migrations, pool_size=pool_size
    )
    await system.open()
    try:
        yield system
    finally:
        await system.close()


def _conforms(system: System) -> Runtime:
    """Checked by mypy: the real system has the shape the drivers take."""
    return system
