"""The production app: settings from the environment, PostgreSQL, a task worker in-process.

``uvicorn sm2_web.serve:app_from_env --factory`` is what ``sm2 serve`` runs in each process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from sm2_adapters.heap import settled_heap
from sm2_adapters.settings import Settings
from sm2_adapters.system import build_system
from sm2_core.runtime import Runtime
from sm2_web.app import create_app
from sm2_web.config import WebConfig
from sm2_web.routes import quickbooks as quickbooks_routes
from sm2_web.traffic import RecentTraffic

log = logging.getLogger("sm2.serve")
#: Set by ``sm2 serve --no-worker`` for web processes that leave tasks to ``sm2 worker``.
RUN_WORKER_ENV = "SM2_SERVE_RUN_WORKER"


def web_config(settings: Settings) -> WebConfig:
    if not settings.jwt_secret:
        log.warning("SM2_JWT_SECRET is not set: using a generated development key")
    if not settings.twilio_verify:
        log.warning("SM2_TWILIO_VERIFY=off: inbound webhooks are NOT authenticated (dev only)")
    return WebConfig(
        jwt_secret=settings.effective_jwt_secret,
        public_url=settings.public_url,
        cors_origins=settings.cors_origins,
        trusted_proxies=settings.trusted_proxies,
        twilio_auth_token=settings.twilio_auth_token,
        twilio_verify=settings.twilio_verify,
        qbo_webhook_verifier=settings.qbo_webhook_verifier,
        secure_cookies=settings.public_url.startswith("https://"),
    )


def app_for_runtime(
    runtime: Runtime,
    *,
    config: WebConfig,
    run_worker: bool,
    traffic: RecentTraffic | None = None,
    settle_heap: bool = False,
) -> Litestar:
    """The app over a running SM2 (PostgreSQL or in memory); ``traffic`` hears of each request
    (the tracker the runtime's worker waits on, when it was built with one). ``settle_heap``:
    this process serves nothing else (``settled_heap``)."""

    @asynccontextmanager
    async def running(_: Litestar) -> AsyncIterator[None]:
        await runtime.open()
        # Polls instead of hearing every new task: a worker inside a web process would
        # otherwise handle one notification per received text.
        worker = asyncio.create_task(runtime.run_worker(listen=False)) if run_worker else None
        if worker is not None:
            worker.add_done_callback(_exit_when_the_worker_fails)
        if settle_heap:
            settled_heap()
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await runtime.close()

    return create_app(
        runtime.services,
        config=config,
        clock=runtime.clock,
        limiter=runtime.limiter,
        events_feed=runtime.events,
        health_probe=runtime.health,
        quickbooks=runtime.quickbooks,
        lifespans=[running],
        extra_handlers=quickbooks_routes.QUICKBOOKS_HANDLERS,
        traffic=traffic,
    )


#: The exit status of a web process whose task worker could not recover.
WORKER_FAILED_EXIT = 3


def _exit_when_the_worker_fails(worker: asyncio.Task[None]) -> None:
    """A web process whose worker died would keep answering while no text became a job: it
    exits instead, non-zero, for its supervisor (systemd, uvicorn's process manager, the
    container runtime) to start a fresh one."""
    if worker.cancelled() or worker.exception() is None:
        return
    log.critical(
        "the task worker stopped (%s); exiting for the supervisor to restart this process",
        worker.exception(),
    )
    logging.shutdown()
    os._exit(WORKER_FAILED_EXIT)


def app_from_env() -> Litestar:
    settings = Settings.from_env()
    run_worker = os.environ.get(RUN_WORKER_ENV, "1") != "0"
    if not run_worker:
        return app_for_runtime(
            build_system(settings), config=web_config(settings), run_worker=False, settle_heap=True
        )
    # Parsing yields to the webhook and the portals, never the other way round.
    traffic = RecentTraffic()
    system = build_system(settings, before_task=traffic.lull)
    return app_for_runtime(
        system, config=web_config(settings), run_worker=True, traffic=traffic, settle_heap=True
    )
