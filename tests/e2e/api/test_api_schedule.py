"""Appointment windows through PATCH /api/jobs/{id}, the Schedule rule, and GET /api/schedule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from api_harness import JULIE, MARC, Api, assert_problem, param_names

TORONTO = ZoneInfo("America/Toronto")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Québec City."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TORONTO)


def tomorrow(api: Api) -> date:
    return api.clock.now().astimezone(TORONTO).date() + timedelta(days=1)


async def patch(api: Api, job_id: UUID, body: dict[str, Any]) -> Any:
    version = (await api.get_job(job_id))["version"]
    return await api.client.patch(
        f"/api/jobs/{job_id}", headers={**api.admin, "If-Match": str(version)}, json=body
    )


def window(start: datetime, end: datetime | None = None) -> dict[str, Any]:
    return {"window_start": start.isoformat(), "window_end": end.isoformat() if end else None}


class TestWindow:
    async def test_assign_and_schedule_in_one_patch(self, api: Api) -> None:
        """tech_id and the window in one PATCH: SCHEDULED, with the window stored as sent."""
        job = await api.job()
        day = tomorrow(api)
        response = await patch(
            api, job.id, {"tech_id": str(api.techs[MARC]), **window(at(day, 9), at(day, 11))}
        )
        assert 200 == response.status_code, response.text
        body = response.json()
        assert "SCHEDULED" == body["status"]
        assert at(day, 9) == datetime.fromisoformat(body["window_start"])
        assert at(day, 11) == datetime.fromisoformat(body["window_end"])
        timeline = (await api.get_job(job.id))["audit_timeline"]
        assert "schedule" == timeline[-1]["action"]

    async def test_a_window_alone_and_cleared(self, api: Api) -> None:
        """A start alone is a window of the service's duration; null clears it."""
        job = await api.job()
        day = tomorrow(api)
        response = await patch(api, job.id, {"window_start": at(day, 14).isoformat()})
        assert 200 == response.status_code, response.text
        assert response.json()["window_end"] is None
        response = await patch(api, job.id, {"window_start": None})
        assert 200 == response.status_code, response.text
        assert (None, None) == (response.json()["window_start"], response.json()["window_end"])

    async def test_end_before_start_is_422_naming_window_end(self, api: Api) -> None:
        job = await api.job()
        day = tomorrow(api)
        response = await patch(api, job.id, window(at(day, 11), at(day, 9)))
        assert "window_end" in param_names(assert_problem(response, 422))

    async def test_longer_than_12_hours_is_422(self, api: Api) -> None:
        job = await api.job()
        day = tomorrow(api)
        response = await patch(api, job.id, window(at(day, 6), at(day, 19)))
        assert "window_end" in param_names(assert_problem(response, 422))

    async def test_a_time_without_offset_is_422(self, api: Api) -> None:
        job = await api.job()
        response = await patch(api, job.id, {"window_start": "2030-01-05T09:00:00"})
        assert_problem(response, 422)


class TestOverlap:
    async def test_overlapping_windows_are_refused_with_the_schedule_rule(self, api: Api) -> None:
        """Marc is booked 9–11; another job 10–12 for him is a 409 naming the rule, and the
        job is left as it was."""
        day = tomorrow(api)
        first = await api.job()
        assert (
            200
            == (
                await patch(
                    api,
                    first.id,
                    {"tech_id": str(api.techs[MARC]), **window(at(day, 9), at(day, 11))},
                )
            ).status_code
        )
        second = await api.job()
        response = await patch(
            api, second.id, {"tech_id": str(api.techs[MARC]), **window(at(day, 10), at(day, 12))}
        )
        problem = assert_problem(response, 409)
        assert "Schedule" == problem["rule"]
        assert first.job_code in problem["detail"]
        unchanged = await api.get_job(second.id)
        assert ("PENDING", None) == (unchanged["status"], unchanged["window_start"])

    async def test_allow_overlap_books_it_and_is_audited(self, api: Api) -> None:
        day = tomorrow(api)
        first = await api.job()
        await patch(
            api, first.id, {"tech_id": str(api.techs[MARC]), **window(at(day, 9), at(day, 11))}
        )
        second = await api.job()
        response = await patch(
            api,
            second.id,
            {
                "tech_id": str(api.techs[MARC]),
                **window(at(day, 10), at(day, 12)),
                "allow_overlap": True,
            },
        )
        assert 200 == response.status_code, response.text
        entry = (await api.get_job(second.id))["audit_timeline"][-1]
        assert (True, [first.job_code]) == (
            entry["new_values"]["allow_overlap"],
            entry["new_values"]["overlaps"],
        )

    async def test_back_to_back_windows_do_not_overlap(self, api: Api) -> None:
        day = tomorrow(api)
        first, second = await api.job(), await api.job()
        for job, hours in ((first, (9, 11)), (second, (11, 12))):
            body = {"tech_id": str(api.techs[MARC]), **window(at(day, hours[0]), at(day, hours[1]))}
            assert 200 == (await patch(api, job.id, body)).status_code

    async def test_another_technician_is_free(self, api: Api) -> None:
        day = tomorrow(api)
        first = await api.job()
        await patch(
            api, first.id, {"tech_id": str(api.techs[MARC]), **window(at(day, 9), at(day, 11))}
        )
        second = await api.job(service="OIL_CHANGE")
        body = {"tech_id": str(api.techs[JULIE]), **window(at(day, 9), at(day, 11))}
        assert 200 == (await patch(api, second.id, body)).status_code


class TestScheduleDay:
    async def test_a_day_lists_each_technicians_jobs_and_the_pending_ones(self, api: Api) -> None:
        day = tomorrow(api)
        booked = await api.job()
        await patch(
            api, booked.id, {"tech_id": str(api.techs[MARC]), **window(at(day, 13), at(day, 15))}
        )
        waiting = await api.job()
        response = await api.client.get(
            "/api/schedule", params={"date": day.isoformat()}, headers=api.admin
        )
        assert 200 == response.status_code, response.text
        body = response.json()
        marc = next(t for t in body["technicians"] if t["name"] == MARC)
        assert [booked.job_code] == [j["job_code"] for j in marc["jobs"]]
        assert [str(waiting.id)] == [j["id"] for j in body["unscheduled"]]
        assert "America/Toronto" == body["timezone"]

    async def test_a_bad_date_is_422(self, api: Api) -> None:
        response = await api.client.get(
            "/api/schedule", params={"date": "tomorrow"}, headers=api.admin
        )
        assert "date" in param_names(assert_problem(response, 422))

    async def test_technicians_cannot_read_it(self, api: Api) -> None:
        """A technician's token is not for the admin API (its audience is sm2-tech)."""
        assert_problem(await api.client.get("/api/schedule", headers=api.tech), 401)
