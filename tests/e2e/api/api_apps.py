"""The app under test, built on the memory system or on PostgreSQL.

Requests go through ``httpx.ASGITransport`` in the test's own event loop, with the app's
lifespan held by a task of its own: Litestar's ``AsyncTestClient`` runs the app on a portal
thread with its own loop, where the PostgreSQL pools opened by the test cannot be used, and it
buffers whole responses, so an endless SSE stream could never be read (``api_sse`` drives those
in-process). Litestar's ``TestClient`` is used where the app needs no set-up (CORS, headers).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from api_harness import Api, ScriptedParser, wall_clock
from litestar import Litestar

import pgtools
from sm2_adapters.memory import build_memory_system
from sm2_adapters.memory.fakes import MemoryHealth, MemoryRateLimiter
from sm2_adapters.settings import Settings
from sm2_adapters.system import build_system
from sm2_core.services import Services
from sm2_web.app import create_app
from sm2_web.config import WebConfig

BASE_URL = "http://testserver"
WEB = WebConfig(jwt_secret="t" * 32, twilio_verify=False, heartbeat_seconds=0.1)


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


@asynccontextmanager
async def serving(
    app: Any, shutdown_errors: list[BaseException]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app's lifespan held by a task of its own, as a server does (pytest-asyncio finalizes
    a fixture in another task, and Litestar's lifespan must end in the task that began it).

    A failure while shutting down is recorded in ``shutdown_errors`` rather than raised, so one
    such bug fails the test written for it instead of every test's teardown.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()
    try:
        async with client_for(app) as client:
            yield client
    finally:
        stop.set()
        try:
            async with asyncio.timeout(10):
                await task
        except BaseException as exc:  # recorded for the shutdown test
            shutdown_errors.append(exc)


def bare_app(config: WebConfig = WEB, health_probe: Any = None) -> Litestar:
    """The app on an empty memory system: enough for what happens before any handler."""
    system = build_memory_system(parser=ScriptedParser(), clock=wall_clock())
    return create_app(
        system.services,
        config=config,
        clock=system.clock,
        limiter=MemoryRateLimiter(system.clock),
        events_feed=system.bus,
        health_probe=health_probe or MemoryHealth(),
    )


@asynccontextmanager
async def memory_api(
    config: WebConfig = WEB,
    wrap: Callable[[Services], Any] | None = None,
    feed: Callable[[Any], Any] | None = None,
) -> AsyncIterator[Api]:
    """A seeded memory system behind the app; ``wrap`` and ``feed`` give the app stand-ins for
    the services and the event feed."""
    parser = ScriptedParser()
    system = build_memory_system(parser=parser, clock=wall_clock())
    app = create_app(
        wrap(system.services) if wrap else system.services,
        config=config,
        clock=system.clock,
        limiter=MemoryRateLimiter(system.clock),
        events_feed=feed(system.bus) if feed else system.bus,
        health_probe=MemoryHealth(),
    )
    api = Api(
        kind="memory",
        app=app,
        services=system.services,
        system=system,
        run=system.run_tasks,
        config=config,
    )
    api.parser = parser
    async with serving(app, api.shutdown_errors) as client:
        await api.setup(client)
        yield api


def reset_database(url: str) -> None:
    """The shared reset, and the task queue emptied too (left-over tasks point at gone rows)."""
    pgtools.reset_database(url)
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if exists and exists[0]:
            # DELETE: a handful of rows, and much faster than TRUNCATE's new files.
            for table in ("periodic_defers", "events", "jobs", "workers"):
                conn.execute(f"DELETE FROM procrastinate_{table}")


def postgres_app(system: Any, config: WebConfig = WEB) -> Any:
    return create_app(
        system.services,
        config=config,
        clock=system.clock,
        limiter=system.limiter,
        events_feed=system.events,
        health_probe=system.health,
    )


@asynccontextmanager
async def postgres_api(url: str, data_dir: Path, config: WebConfig = WEB) -> AsyncIterator[Api]:
    """The app on a real System over the emptied test database, seeded."""
    reset_database(url)
    system = build_system(
        Settings(database_url=url, data_dir=data_dir, summary_at=pgtools.summary_out_of_reach()),
        pool_size=6,
    )
    await system.open()
    try:
        app = postgres_app(system, config)

        async def run() -> None:
            await system.run_worker(wait=False, concurrency=1)

        api = Api(
            kind="postgres",
            app=app,
            services=system.services,
            system=system,
            run=run,
            config=config,
        )
        async with serving(app, api.shutdown_errors) as client:
            await api.setup(client)
            yield api
    finally:
        await system.close()


@asynccontextmanager
async def open_api(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, config: WebConfig = WEB
) -> AsyncIterator[Api]:
    if kind == "memory":
        async with memory_api(config) as api:
            yield api
    else:
        url = request.getfixturevalue("pg_url")
        async with postgres_api(url, tmp_path, config) as api:
            yield api
