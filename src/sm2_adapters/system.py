"""The real system, opened from settings: PostgreSQL (server or embedded), the task queue, and
each integration when configured (a clear refusal when not)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
from procrastinate import App
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from sm2_adapters.bootstrap import build_services
from sm2_adapters.clock import SystemClock
from sm2_adapters.postgres.database import open_database
from sm2_adapters.postgres.uow import PostgresUnitOfWorkFactory
from sm2_adapters.security import Argon2Hasher
from sm2_adapters.settings import Settings
from sm2_adapters.tasks import ProcrastinateQueue, ServicesRef, build_task_app, install_schema
from sm2_adapters.unconfigured import AccountingNotConfigured, SmsNotConfigured
from sm2_core.ports import AccountingGateway, MessageParser, SmsSender
from sm2_core.services import Services


@attrs.define(kw_only=True)
class System:
    settings: Settings
    database_url: str = attrs.field(repr=False)
    pool: AsyncConnectionPool[AsyncConnection[Any]]
    task_app: App
    services: Services
    uow: PostgresUnitOfWorkFactory

    async def run_worker(self, *, concurrency: int = 4, wait: bool = True) -> None:
        """Process queued tasks; with ``wait=False`` return once the queue is empty."""
        await self.task_app.run_worker_async(
            queues=["sm2"],
            concurrency=concurrency,
            wait=wait,
            install_signal_handlers=False,
        )


def _parser(settings: Settings) -> MessageParser:
    from sm2_adapters.parsing.offline import OfflineParser

    return OfflineParser()


def _sms(settings: Settings) -> SmsSender:
    return SmsNotConfigured()


def _accounting(settings: Settings) -> AccountingGateway:
    return AccountingNotConfigured()


@asynccontextmanager
async def open_system(
    settings: Settings, *, apply_migrations: bool = True, pool_size: int = 10
) -> AsyncIterator[System]:
    """Everything a web process, a worker or a CLI command needs, closed on exit."""
    url, pool = await open_database(
        settings.database_url,
        settings.data_dir,
        apply_migrations=apply_migrations,
        max_size=pool_size,
    )
    try:
        if apply_migrations:
            await asyncio.to_thread(install_schema, url)
        ref = ServicesRef()
        app = build_task_app(url, ref)
        async with app.open_async():
            uow = PostgresUnitOfWorkFactory(pool)
            ref.services = build_services(
                uow=uow,
                clock=SystemClock(),
                parser=_parser(settings),
                tasks=ProcrastinateQueue(app),
                sms=_sms(settings),
                accounting=_accounting(settings),
                hasher=Argon2Hasher(),
            )
            yield System(
                settings=settings,
                database_url=url,
                pool=pool,
                task_app=app,
                services=ref.services,
                uow=uow,
            )
    finally:
        await pool.close()
