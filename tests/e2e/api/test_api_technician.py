"""/api/technician/jobs: a technician sees and moves only its own jobs."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from api_harness import ADMIN, JULIE, MAZDA, TOYOTA, Api, assert_problem

from sm2_core.domain.job import Vehicle

DONE = {
    "notes": "Two keys cut and programmed",
    "parts": [{"name": "Smart key", "quantity": 2}],
    "labour_minutes": 45,
}


async def act(api: Api, job_id: Any, step: str, body: Any = None) -> Any:
    url = f"/api/technician/jobs/{job_id}/{step}"
    return await api.client.post(url, headers=api.tech, json=body)


class TestMyJobs:
    async def test_lists_only_my_jobs(self, api: Api) -> None:
        """The list holds the caller's jobs, not another technician's nor unassigned ones."""
        mine = await api.scheduled()
        await api.scheduled(TOYOTA, JULIE, service="OIL_CHANGE")
        await api.job()
        response = await api.client.get("/api/technician/jobs", headers=api.tech)
        assert 200 == response.status_code, response.text
        assert [str(mine.id)] == [job["id"] for job in response.json()]

    async def test_in_progress_comes_first(self, api: Api) -> None:
        """A job in progress is listed before scheduled ones."""
        await api.scheduled()
        started = await api.in_progress()
        response = await api.client.get("/api/technician/jobs", headers=api.tech)
        assert str(started.id) == response.json()[0]["id"]

    async def test_done_jobs_only_on_request(self, api: Api) -> None:
        """Completed jobs are hidden unless include_done=true."""
        done = await api.completed()
        default = await api.client.get("/api/technician/jobs", headers=api.tech)
        everything = await api.client.get(
            "/api/technician/jobs", headers=api.tech, params={"include_done": "true"}
        )
        assert [] == default.json()
        assert [str(done.id)] == [job["id"] for job in everything.json()]

    async def test_my_job_in_detail(self, api: Api) -> None:
        """A technician reads one of its jobs."""
        job = await api.scheduled()
        response = await api.client.get(f"/api/technician/jobs/{job.id}", headers=api.tech)
        assert (200, "SCHEDULED") == (response.status_code, response.json()["status"])

    async def test_each_job_says_where_to_go(self, api: Api) -> None:
        """The list and a job carry the dealership's name, phone, address and a link that
        opens the phone's maps app; a dealership without an address has none."""
        toyota = await api.scheduled()
        await api.services.admin.update(
            "dealerships", api.dealers[MAZDA], {"address": "  "}, actor=ADMIN
        )
        mazda = await api.scheduled(MAZDA)
        listed = await api.client.get("/api/technician/jobs", headers=api.tech)
        one = await api.client.get(f"/api/technician/jobs/{toyota.id}", headers=api.tech)
        places = {job["id"]: job["place"] for job in listed.json()}
        assert (
            {
                "name": "Toyota Sainte-Foy",
                "phone": TOYOTA,
                "address": "2555 chemin Sainte-Foy, Québec, QC G1V 1T8",
                "maps_url": "https://www.google.com/maps/search/?api=1&query="
                "2555%20chemin%20Sainte-Foy%2C%20Qu%C3%A9bec%2C%20QC%20G1V%201T8",
            }
            == places[str(toyota.id)]
            == one.json()["place"]
        )
        assert {
            "name": "Mazda Saint-Georges",
            "phone": MAZDA,
            "address": None,
            "maps_url": None,
        } == (places[str(mazda.id)])


class TestOtherJobsDoNotExist:
    @pytest.mark.parametrize("step", ["GET", "accept", "complete"])
    async def test_another_techs_job_is_404(self, api: Api, step: str) -> None:
        """Another technician's job is a 404 whether read, accepted or completed."""
        job = await api.scheduled(TOYOTA, JULIE, service="OIL_CHANGE")
        if step == "GET":
            response = await api.client.get(f"/api/technician/jobs/{job.id}", headers=api.tech)
        else:
            response = await act(api, job.id, step, DONE)
        assert_problem(response, 404)
        assert "SCHEDULED" == (await api.get_job(job.id))["status"]

    @pytest.mark.parametrize("step", ["accept", "complete"])
    async def test_an_unassigned_or_unknown_job_is_404(self, api: Api, step: str) -> None:
        """Jobs on the board or that do not exist are 404 to a technician."""
        job = await api.job()
        assert_problem(await act(api, job.id, step, DONE), 404)
        assert_problem(await act(api, uuid4(), step, DONE), 404)


class TestAccept:
    async def test_accept_starts_the_job(self, api: Api) -> None:
        """Accepting a SCHEDULED job makes it IN_PROGRESS."""
        job = await api.scheduled()
        response = await act(api, job.id, "accept")
        assert 200 == response.status_code, response.text
        assert "IN_PROGRESS" == response.json()["status"]

    async def test_accepting_twice_is_409(self, api: Api) -> None:
        """A job already in progress cannot be accepted again."""
        job = await api.in_progress()
        assert_problem(await act(api, job.id, "accept"), 409)

    async def test_a_second_job_over_20_km_away_is_refused(self, api: Api) -> None:
        """With a Sainte-Foy job in progress, a Saint-Georges one is refused by the 20 km rule."""
        await api.in_progress(TOYOTA)
        far = await api.scheduled(MAZDA)
        body = assert_problem(await act(api, far.id, "accept"), 409)
        assert "20 km rule" == body["rule"]
        assert "20 km" in body["title"]
        assert "SCHEDULED" == (await api.get_job(far.id))["status"]

    async def test_a_second_job_nearby_is_fine(self, api: Api) -> None:
        """Two jobs in progress in the same zone break no rule."""
        await api.in_progress(TOYOTA)
        near = await api.scheduled(TOYOTA)
        assert 200 == (await act(api, near.id, "accept")).status_code


class TestComplete:
    async def test_complete_records_the_report(self, api: Api) -> None:
        """Completing stores notes, parts and labour; the invoice waits for approval."""
        job = await api.in_progress()
        response = await act(api, job.id, "complete", DONE)
        assert 200 == response.status_code, response.text
        body = response.json()
        assert ("COMPLETED", "PENDING_APPROVAL") == (body["status"], body["invoice_state"])
        report = body["completion"]
        assert (DONE["notes"], 45) == (report["notes"], report["labour_minutes"])
        assert DONE["parts"] == report["parts"]
        assert report["completed_at"]

    async def test_a_scheduled_job_cannot_be_completed(self, api: Api) -> None:
        """Completing before accepting is a 409."""
        job = await api.scheduled()
        assert_problem(await act(api, job.id, "complete", DONE), 409)

    @pytest.mark.parametrize(
        "body",
        [
            {"labour_minutes": -5},
            {"labour_minutes": 24 * 60 + 1},
            {"labour_minutes": 10, "mileage": 12000},
            {"notes": "no minutes"},
            {"labour_minutes": 10, "parts": [{"name": "", "quantity": 1}]},
            {"labour_minutes": 10, "parts": [{"name": "Key", "quantity": 0}]},
            {"labour_minutes": "ten"},
            [],
        ],
    )
    async def test_an_invalid_report_is_422(self, mem_api: Api, body: Any) -> None:
        """A negative duration, an unknown field or a bad part is a 422; the job stays put."""
        job = await mem_api.in_progress()
        problem = assert_problem(await act(mem_api, job.id, "complete", body), 422)
        assert problem["invalid_params"]
        assert "IN_PROGRESS" == (await mem_api.get_job(job.id))["status"]


class TestVehicleOfMyJob:
    async def test_the_job_shows_its_vehicle(self, mem_api: Api) -> None:
        """What the technician needs on site: the vehicle and the service."""
        vehicle = Vehicle(year=2019, make="Toyota", model="Tacoma", stock_no="T-77")
        job = await mem_api.scheduled(vehicle=vehicle)
        response = await mem_api.client.get(f"/api/technician/jobs/{job.id}", headers=mem_api.tech)
        data = response.json()
        assert ("Tacoma", "T-77", "KEY_PROGRAMMING") == (
            data["vehicle_data"]["model"],
            data["vehicle_data"]["stock_no"],
            data["service_code"],
        )
