"""GET /api/technician/events: a technician's live stream carries their own jobs only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from api_harness import JULIE, MARC, TOYOTA, Api, bearer
from api_sse import Sse, Stream, open_stream

from sm2_core.domain.enums import Role
from sm2_core.domain.records import DomainEvent, StoredEvent
from sm2_web.auth import SESSION_COOKIES
from sm2_web.routes.technician_events import technician_shape

PATH = "/api/technician/events"
#: On PostgreSQL an event is read once no older transaction is running on the server (another
#: test run's, say): waits for an event are generous; waits for silence stay short.
WITHIN = 10.0


def stream(api: Api, headers: dict[str, str], last_event_id: int | None = None) -> Any:
    resume = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    return open_stream(api.app, PATH, {**headers, **resume})


async def connected(events: Stream) -> None:
    assert 200 == events.status
    assert "connected" == (await events.next()).comment


def data(message: Sse) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(message.data or "{}")
    return decoded


async def nothing_more(events: Stream) -> None:
    with pytest.raises(TimeoutError):
        await events.event(within=0.5)


async def julie(api: Api) -> dict[str, str]:
    """Headers of a second technician's login (Julie Tremblay)."""
    user = await api.add_user("julie", "julie-password-1", Role.TECH, api.techs[JULIE])
    return bearer(api.token(user))


async def unassign(api: Api, job_id: UUID) -> None:
    version = (await api.get_job(job_id))["version"]
    response = await api.client.patch(
        f"/api/jobs/{job_id}",
        headers={**api.admin, "If-Match": str(version)},
        json={"tech_id": None},
    )
    assert 200 == response.status_code, response.text


async def last_id(api: Api) -> int:
    feed = api.system.events if api.kind == "postgres" else api.system.bus
    found: int = await feed.last_id()
    return found


class TestOwnJobsOnly:
    async def test_each_technician_gets_their_own_assignment(self, api: Api) -> None:
        """Marc's stream carries Marc's job, Julie's carries Julie's; a new unassigned job
        reaches neither."""
        julies = await julie(api)
        async with stream(api, api.tech) as marc_events, stream(api, julies) as julie_events:
            await connected(marc_events)
            await connected(julie_events)
            marcs_job = await api.scheduled()
            julies_job = await api.scheduled(TOYOTA, JULIE, service="OIL_CHANGE")
            to_marc = await marc_events.event(within=WITHIN)
            to_julie = await julie_events.event(within=WITHIN)
            await nothing_more(marc_events)
            await nothing_more(julie_events)
        assert ("job.updated", str(marcs_job.id)) == (to_marc.event, data(to_marc)["job_id"])
        assert ("job.updated", str(julies_job.id)) == (to_julie.event, data(to_julie)["job_id"])
        assert ("assign", "SCHEDULED", str(api.techs[MARC])) == (
            data(to_marc)["action"],
            data(to_marc)["status"],
            data(to_marc)["tech_id"],
        )

    async def test_a_job_taken_away_is_announced_with_previous_tech_id(self, api: Api) -> None:
        """Unassigned from Marc: his stream says so (previous_tech_id is his, tech_id null)."""
        job = await api.scheduled()
        async with stream(api, api.tech) as events:
            await connected(events)
            await unassign(api, job.id)
            # The assignment's own event may reach a stream opened just after it (the feed
            # delivers each event once it is sure no older one is still to commit).
            taken = await events.event("job.updated", within=WITHIN)
            if data(taken)["action"] == "assign":
                taken = await events.event("job.updated", within=WITHIN)
        expected = {
            "job_id": str(job.id),
            "action": "unassign",
            "status": "PENDING",
            "tech_id": None,
            "previous_tech_id": str(api.techs[MARC]),
        }
        assert expected == {key: data(taken)[key] for key in expected}

    async def test_only_what_the_page_needs_is_sent(self, api: Api) -> None:
        """A technician's event names the job and its state; invoicing is not theirs to see."""
        job = await api.job()
        async with stream(api, api.tech) as events:
            await connected(events)
            await api.assign(job.id)
            sent = data(await events.event(within=WITHIN))
        assert {
            "name",
            "subject_id",
            "occurred_at",
            "job_id",
            "job_code",
            "action",
            "status",
            "urgency",
            "version",
            "tech_id",
        } == set(sent)
        assert job.job_code == sent["job_code"]


class TestResume:
    async def test_a_replay_keeps_the_callers_jobs_only(self, api: Api) -> None:
        """Events missed while away are replayed from Last-Event-ID, filtered the same way."""
        seen = await last_id(api)
        marcs_job = await api.scheduled()
        await api.scheduled(TOYOTA, JULIE, service="OIL_CHANGE")
        await api.job()
        async with stream(api, api.tech, last_event_id=seen) as events:
            await connected(events)
            replayed = await events.event(within=WITHIN)
            await nothing_more(events)
        assert ("job.updated", str(marcs_job.id)) == (replayed.event, data(replayed)["job_id"])
        assert replayed.id is not None
        assert int(replayed.id) > seen

    async def test_an_id_beyond_the_last_event_gets_a_reset(self, api: Api) -> None:
        """As on the admins' stream: reload, then follow from the newest event."""
        await api.job()
        newest = await last_id(api)
        async with stream(api, api.tech, last_event_id=newest + 1000) as events:
            await connected(events)
            reset = await events.event(within=WITHIN)
        assert ("reset", str(newest)) == (reset.event, reset.id)


class TestWhoMayListen:
    async def test_an_admin_token_gets_no_stream(self, api: Api) -> None:
        """The technicians' stream is not the admins': their token is refused (401)."""
        async with open_stream(api.app, PATH, api.admin) as events:
            assert 401 == events.status

    async def test_nobody_gets_no_stream(self, mem_api: Api) -> None:
        async with open_stream(mem_api.app, PATH, {}) as events:
            assert 401 == events.status

    async def test_the_portals_cookie_opens_it(self, mem_api: Api) -> None:
        """The jobs page's EventSource sends the session cookie, no header."""
        cookie = f"{SESSION_COOKIES[Role.TECH]}={mem_api.token(mem_api.tech_user)}"
        async with open_stream(mem_api.app, PATH, {"Cookie": cookie}) as events:
            await connected(events)
            job = await mem_api.scheduled()
            assigned = await events.event(within=WITHIN)
        assert str(job.id) == data(assigned)["job_id"]


def stored(name: str, **values: Any) -> StoredEvent:
    job_id = uuid4()
    event = DomainEvent(
        name=name,
        subject_id=job_id,
        occurred_at=datetime(2026, 5, 4, 12, tzinfo=UTC),
        data={"job_id": str(job_id), "job_code": "SM2-2026-001", "status": "SCHEDULED", **values},
    )
    return StoredEvent(id=7, event=event)


class TestTheTechniciansView:
    """What one technician's stream makes of an event, whatever the event log holds."""

    MARC, JULIE = uuid4(), uuid4()

    def test_a_job_handed_to_someone_else_does_not_name_them(self) -> None:
        """Marc learns the job left him, not who has it now."""
        moved = stored("job.updated", tech_id=str(self.JULIE), previous_tech_id=str(self.MARC))
        message = technician_shape(self.MARC)(moved)
        assert message is not None
        sent = json.loads(str(message.data))
        assert (None, str(self.MARC)) == (sent["tech_id"], sent["previous_tech_id"])

    def test_the_new_technician_does_not_learn_the_previous_one(self) -> None:
        moved = stored("job.updated", tech_id=str(self.JULIE), previous_tech_id=str(self.MARC))
        message = technician_shape(self.JULIE)(moved)
        assert message is not None
        sent = json.loads(str(message.data))
        assert str(self.JULIE) == sent["tech_id"]
        assert "previous_tech_id" not in sent

    @pytest.mark.parametrize(
        "name", ["invoice.synced", "invoice.failed", "message.status", "conversation.message"]
    )
    def test_the_dispatchers_events_never_reach_a_technician(self, name: str) -> None:
        """Even one about the technician's own job."""
        assert technician_shape(self.MARC)(stored(name, tech_id=str(self.MARC))) is None

    def test_a_login_without_a_technician_gets_nothing(self) -> None:
        assert technician_shape(None)(stored("job.updated", tech_id=None)) is None
