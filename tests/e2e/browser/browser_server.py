"""The app under the browser: the memory system behind ``create_app``, served by uvicorn on
127.0.0.1 in a thread, with signed Twilio webhooks and the task queue run on the server's loop.

The memory store is not thread-safe, so everything the test does to it (seeding, running the
queued tasks, setting up jobs) is sent to the server's own event loop with ``call``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import uvicorn
from litestar import Litestar
from twilio.request_validator import RequestValidator

from sm2_adapters.clock import SystemClock
from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_adapters.memory.fakes import MemoryHealth, MemoryRateLimiter
from sm2_adapters.seed import SEED_ACTOR, seed_demo
from sm2_core.domain.enums import Language, Role
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_core.ports import JobFilter
from sm2_web.app import create_app
from sm2_web.config import WebConfig
from sm2_web.routes.events import Broadcaster

T = TypeVar("T")

TWILIO_TOKEN = "twilio-test-token"
ADMIN, ADMIN_PASSWORD = "dispatch", "dispatch-password"
TECH_PASSWORD = "technician-password"
#: Technician logins: username → the seeded technician's phone.
TECHS = {"marc": "+14185550201", "julie": "+14185550202"}
ADMIN_ACTOR = Actor(name=ADMIN, role=Role.ADMIN)


class ScriptedParser:
    """Answers what the test scripted for a body; anything else asks for no work."""

    def __init__(self) -> None:
        self.replies: dict[str, ParseResult] = {}

    def script(self, body: str, *requests: ParsedRequest, confidence: float = 0.95) -> str:
        self.replies[body] = ParseResult(
            requests=requests, confidence=confidence, language=Language.FR, parser="scripted"
        )
        return body

    async def parse(self, body: str, *, dealership_id: uuid.UUID | None = None) -> ParseResult:
        return self.replies.get(
            body, ParseResult(requests=(), confidence=0.9, language=Language.FR, parser="scripted")
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PortalServer:
    def __init__(self, *, secure_cookies: bool = False) -> None:
        self.parser = ScriptedParser()
        self.system: MemorySystem = build_memory_system(parser=self.parser, clock=SystemClock())  # type: ignore[arg-type]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = WebConfig(
            jwt_secret="browser-tests-" + "s" * 32,
            # The pages' forms must come from the public URL's origin: the server's own here.
            public_url=self.url,
            twilio_auth_token=TWILIO_TOKEN,
            heartbeat_seconds=1.0,
            secure_cookies=secure_cookies,
        )
        self.broadcaster = Broadcaster(self.system.bus)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.app = self._app()
        self.tech_ids: dict[str, uuid.UUID] = {}
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="on",
                timeout_graceful_shutdown=1,
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def _app(self) -> Litestar:
        @asynccontextmanager
        async def capture_loop(_: Litestar) -> AsyncIterator[None]:
            self.loop = asyncio.get_running_loop()
            yield

        return create_app(
            self.system.services,
            config=self.config,
            clock=self.system.clock,
            limiter=MemoryRateLimiter(self.system.clock),
            events_feed=self.system.bus,
            health_probe=MemoryHealth(),
            broadcaster=self.broadcaster,
            lifespans=[capture_loop],
        )

    # --- running ---------------------------------------------------------------------------

    def start(self) -> PortalServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the portal server did not start")
            time.sleep(0.02)
        self.call(self._seed())
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def call(self, work: Coroutine[Any, Any, T], timeout: float = 15) -> T:
        """Run ``work`` on the server's loop, where the memory store lives."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    async def _seed(self) -> None:
        services = self.system.services
        await seed_demo(services)
        await services.admin.create_user(
            username=ADMIN, role=Role.ADMIN, password=ADMIN_PASSWORD, actor=SEED_ACTOR
        )
        technicians = {t.phone: t for t in await services.admin.all("technicians")}
        for username, phone in TECHS.items():
            tech = technicians[phone]
            self.tech_ids[username] = tech.id
            await services.admin.create_user(
                username=username,
                role=Role.TECH,
                password=TECH_PASSWORD,
                actor=SEED_ACTOR,
                technician_id=tech.id,
            )

    # --- the outside world ---------------------------------------------------------------------

    def send_sms(self, sender: str, body: str) -> httpx.Response:
        """A text as Twilio delivers it (signed against the public URL), then the worker's turn."""
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": "AC" + "0" * 32,
            "From": sender,
            "To": "+14185550000",
            "Body": body,
            "NumMedia": "0",
        }
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(
            self.config.public_url + "/webhooks/twilio/sms", params
        )
        response = httpx.post(
            f"{self.url}/webhooks/twilio/sms",
            data=params,
            headers={"X-Twilio-Signature": signature},
        )
        response.raise_for_status()
        self.run_tasks()
        return response

    def drop_event_streams(self) -> None:
        """End every open SSE stream the way the app drops a client too slow to keep up (the
        end-of-stream marker); browsers then reconnect by themselves."""

        async def drop() -> None:
            self.broadcaster.drop_all()

        self.call(drop())

    def run_tasks(self) -> int:
        return self.call(self.system.run_tasks())

    # --- shortcuts through the services, for what a test only needs as a given ------------------

    def tech_actor(self, username: str) -> Actor:
        return Actor(name=username, role=Role.TECH, technician_id=self.tech_ids[username])

    def dealership_id(self, phone: str) -> uuid.UUID:
        found = self.call(self.system.services.admin.all("dealerships"))
        return next(d.id for d in found if d.phone == phone)

    def create_job(self, dealership_phone: str, service_code: str, vehicle: Vehicle) -> Job:
        return self.call(
            self.system.services.intake.create_job(
                dealership_id=self.dealership_id(dealership_phone),
                service_code=service_code,
                vehicle=vehicle,
                actor=ADMIN_ACTOR,
                request_text=f"{vehicle.describe()} {service_code}",
            )
        )

    def assign(self, job_id: uuid.UUID, username: str) -> Job:
        return self.call(
            self.system.services.dispatch.assign(job_id, self.tech_ids[username], actor=ADMIN_ACTOR)
        )

    def accept(self, job_id: uuid.UUID, username: str) -> Job:
        return self.call(self.system.services.field.accept(job_id, actor=self.tech_actor(username)))

    def jobs(self) -> list[Job]:
        page = self.call(self.system.services.dispatch.list_jobs(JobFilter(), limit=200))
        return list(page.items)
