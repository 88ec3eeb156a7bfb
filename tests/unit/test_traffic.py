"""The in-process worker yields to web requests: a task waits for a lull, never for ever."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import uuid4

import httpx
import pytest

from sm2_adapters.memory import MemoryRateLimiter, build_memory_system
from sm2_adapters.memory.fakes import MemoryHealth
from sm2_adapters.tasks import ServicesRef, build_task_app
from sm2_web import WebConfig, create_app
from sm2_web import traffic as traffic_module
from sm2_web.traffic import RecentTraffic


class FakeTime:
    """A clock that moves only when the code under test sleeps; requests can arrive meanwhile."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self.on_sleep: list[RecentTraffic] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds
        for traffic in self.on_sleep:  # a request arrives during every wait
            traffic.seen()


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(traffic_module.asyncio, "sleep", fake.sleep)
    return fake


class TestLull:
    async def test_no_requests_no_wait(self, fake_time: FakeTime) -> None:
        """An idle web side: the task starts at once."""
        await RecentTraffic(clock=fake_time).lull()
        assert [] == fake_time.slept

    async def test_a_task_waits_out_a_recent_request(self, fake_time: FakeTime) -> None:
        """A request 10 ms ago: the task waits the remaining 40 ms of quiet, then runs."""
        traffic = RecentTraffic(clock=fake_time)
        traffic.seen()
        fake_time.now += 0.01
        await traffic.lull(quiet=0.05, patience=1.0)
        assert [0.04] == fake_time.slept

    async def test_a_steady_stream_of_requests_delays_a_task_by_patience_only(
        self, fake_time: FakeTime
    ) -> None:
        """Requests keep coming: the task still runs once its patience is spent."""
        traffic = RecentTraffic(clock=fake_time)
        fake_time.on_sleep.append(traffic)
        traffic.seen()
        started = fake_time.now
        await traffic.lull(quiet=0.05, patience=0.3)
        assert 0.3 == pytest.approx(fake_time.now - started)


class TestWiring:
    async def test_every_request_is_seen_by_the_app(self) -> None:
        """The request-log middleware tells the gauge of each routed request (an unknown path
        never reaches the middleware, and costs the worker nothing)."""
        seen: list[str] = []

        class Recorder(RecentTraffic):
            def seen(self) -> None:
                seen.append("request")

        system = build_memory_system()
        app = create_app(
            system.services,
            config=WebConfig(jwt_secret="t" * 32, twilio_verify=False),
            clock=system.clock,
            limiter=MemoryRateLimiter(system.clock),
            events_feed=system.bus,
            health_probe=MemoryHealth(),
            traffic=Recorder(),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/api/jobs")
            await client.get("/no/such/page")
            await client.post(
                "/webhooks/twilio/sms",
                content=urlencode({"From": "+14185550102", "Body": "x", "MessageSid": "SMt"}),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        assert ["request"] * 2 == seen

    async def test_each_task_passes_the_gate_before_it_runs(self) -> None:
        """Tasks registered on the queue call ``before_task`` first, then the use case."""
        calls: list[str] = []
        ref = ServicesRef()

        async def gate() -> None:
            calls.append("gate")

        class Services:
            async def run_task(self, task: object) -> None:
                calls.append(type(task).__name__)

        ref.before_task = gate
        ref.services = Services()  # type: ignore[assignment]
        app = build_task_app("postgresql://unused", ref)
        await app.tasks["parse_message"](message_id=str(uuid4()))
        assert ["gate", "ParseMessage"] == calls
