"""GET /api/events: live job and message events for admins, resumable with Last-Event-ID."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_apps import memory_api, open_api
from api_harness import ADMIN, BACKENDS, RAV4, Api
from api_sse import Stream, open_stream

from sm2_adapters.settings import Settings
from sm2_adapters.system import build_system


def stream(api: Api, headers: dict[str, str] | None = None, query: str = "") -> Any:
    return open_stream(api.app, "/api/events", {**api.admin, **(headers or {})}, query)


async def connected(events: Stream) -> None:
    """Wait for the first message: from then on the stream is subscribed."""
    assert 200 == events.status
    first = await events.next()
    assert "connected" == first.comment


class TestLive:
    async def test_a_new_job_is_streamed(self, api: Api) -> None:
        """job.created arrives with the job's id and code once a job is made."""
        async with stream(api) as events:
            await connected(events)
            job = await api.job()
            created = await events.event("job.created")
        data = json.loads(created.data or "{}")
        assert (str(job.id), job.job_code) == (data["job_id"], data["job_code"])
        assert created.id is not None
        assert created.id.isdigit()

    async def test_an_assignment_through_the_api_is_streamed(self, api: Api) -> None:
        """A PATCH that assigns the job sends job.updated with the new status and version."""
        job = await api.job()
        async with stream(api) as events:
            await connected(events)
            assert 200 == (await api.assign(job.id)).status_code
            updated = await events.event("job.updated")
        data = json.loads(updated.data or "{}")
        assert ("assign", "SCHEDULED", 2) == (data["action"], data["status"], data["version"])

    async def test_an_unmatched_text_is_streamed(self, api: Api) -> None:
        """A text from an unknown number sends message.unmatched."""
        async with stream(api) as events:
            await connected(events)
            form = {"From": "+15145550123", "Body": "hello?", "MessageSid": "SM-evt-1"}
            assert 200 == (await api.client.post("/webhooks/twilio/sms", data=form)).status_code
            await api.run()  # the parse task finds no dealership for the sender
            unmatched = await events.event("message.unmatched")
        assert "+15145550123" == json.loads(unmatched.data or "{}")["from"]

    async def test_the_stream_is_an_uncached_event_stream(self, mem_api: Api) -> None:
        """text/event-stream, not cached, not buffered by a proxy."""
        async with stream(mem_api) as events:
            await connected(events)
        assert events.headers["content-type"].startswith("text/event-stream")
        assert "no-cache" == events.headers["cache-control"]

    async def test_heartbeats_keep_an_idle_stream_alive(self, mem_api: Api) -> None:
        """With nothing to say the stream sends heartbeat comments (every 0.1 s here)."""
        async with stream(mem_api) as events:
            await connected(events)
            beat = await events.next(within=2)
        assert ("heartbeat", None) == (beat.comment, beat.event)

    async def test_a_tech_token_gets_no_stream(self, mem_api: Api) -> None:
        """The event stream is for admins only."""
        async with open_stream(mem_api.app, "/api/events", mem_api.tech) as events:
            assert 401 == events.status


class TestResume:
    async def _missed(self, api: Api, resume: dict[str, str], query: str = "") -> list[str]:
        async with stream(api) as events:
            await connected(events)
            await api.job()
            seen = await events.event("job.created")
        second, third = await api.job(), await api.job()
        headers = {"Last-Event-ID": seen.id or ""} if resume else {}
        async with stream(api, headers, query.format(id=seen.id)) as events:
            await connected(events)
            replayed = await events.events(2)
        assert [second.job_code, third.job_code] == [
            json.loads(e.data or "{}")["job_code"] for e in replayed
        ]
        return [e.id or "" for e in replayed]

    async def test_last_event_id_replays_what_was_missed(self, api: Api) -> None:
        """Reconnecting with Last-Event-ID first sends the events made meanwhile, in order."""
        ids = await self._missed(api, {"header": "yes"})
        assert sorted(ids, key=int) == ids

    async def test_the_query_parameter_does_the_same(self, mem_api: Api) -> None:
        """?last_event_id=N resumes like the header (for EventSource polyfills)."""
        await self._missed(mem_api, {}, query="last_event_id={id}")


class FlakyFeed:
    """The memory bus, but one read fails the way a dropped database connection does."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus
        self.reads = 0

    async def read_after(self, last_id: int, *, limit: int = 500) -> Any:
        self.reads += 1
        if self.reads == 2:
            raise OSError("connection reset by peer")
        return await self.bus.read_after(last_id, limit=limit)

    async def last_id(self) -> int:
        return await self.bus.last_id()  # type: ignore[no-any-return]

    async def resumable(self, last_id: int) -> bool:
        return await self.bus.resumable(last_id)  # type: ignore[no-any-return]

    def wakeups(self) -> Any:
        return self.bus.wakeups()


class TestResilience:
    async def test_live_events_survive_one_failed_read(self) -> None:
        """After one failed read of the feed, later events still reach the dashboards."""
        async with memory_api(feed=FlakyFeed) as api, stream(api) as events:
            await connected(events)
            await api.job()  # its read fails
            later = await api.job()
            created = await events.event("job.created")
            if json.loads(created.data or "{}")["job_id"] != str(later.id):
                created = await events.event("job.created")
        assert str(later.id) == json.loads(created.data or "{}")["job_id"]


@pytest.mark.postgres
class TestAcrossProcesses:
    async def test_an_event_from_another_process_arrives(self, pg_api: Api, tmp_path: Path) -> None:
        """A job made through a second System (its own pools, as another process) is streamed."""
        other = build_system(
            Settings(database_url=pg_api.system.database_url, data_dir=tmp_path),
            apply_migrations=False,
            pool_size=2,
        )
        await other.open()
        try:
            async with stream(pg_api) as events:
                await connected(events)
                job = await other.services.intake.create_job(
                    dealership_id=next(iter(pg_api.dealers.values())),
                    service_code="OIL_CHANGE",
                    vehicle=RAV4,
                    actor=ADMIN,
                )
                created = await events.event("job.created")
        finally:
            await other.close()
        assert str(job.id) == json.loads(created.data or "{}")["job_id"]


class TestLifespan:
    @pytest.mark.parametrize("kind", BACKENDS)
    async def test_the_app_stops_cleanly(
        self, kind: str, request: pytest.FixtureRequest, tmp_path: Path
    ) -> None:
        """After serving requests the app shuts down without an error."""
        async with open_api(kind, request, tmp_path) as api:
            await api.job()
            assert 200 == (await api.client.get("/api/jobs", headers=api.admin)).status_code
        assert [] == [repr(e) for e in api.shutdown_errors]
