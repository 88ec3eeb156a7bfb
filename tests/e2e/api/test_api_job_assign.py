"""GET and PATCH /api/jobs/{id}, POST .../verify: detail, versions, assignment rules."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from api_harness import AUDI, JULIE, MARC, NATHALIE, Api, assert_problem, param_names

from sm2_core.domain.job import Vehicle
from sm2_core.serialize import job_detail_primitives

CONTRACT_FIELDS = {
    "id", "job_code", "dealership_id", "tech_id", "service_id", "service_code", "vehicle_data",
    "urgency", "ranking_score", "applied_rules", "status", "invoice_state", "parsing_confidence",
    "qb_invoice_id", "review_reasons", "version", "created_at", "updated_at",
}  # fmt: skip
AUDI_Q5 = Vehicle(year=2023, make="Audi", model="Q5")


def _same_times(value: Any) -> Any:
    """``value`` with ISO 8601 times as datetimes: the API writes UTC as ``Z``, Python
    ``+00:00``, the same instant."""
    if isinstance(value, dict):
        return {k: _same_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_same_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


async def patch(api: Api, job_id: UUID, body: dict[str, Any], if_match: str | None = None) -> Any:
    headers = {**api.admin, **({"If-Match": if_match} if if_match is not None else {})}
    return await api.client.patch(f"/api/jobs/{job_id}", headers=headers, json=body)


class TestDetail:
    async def test_detail_has_the_contract_fields_and_timeline(self, api: Api) -> None:
        """A job in JSON has every contract field, and its audit timeline in order."""
        job = await api.scheduled()
        detail = await api.get_job(job.id)
        assert CONTRACT_FIELDS <= set(detail)
        assert {"year", "make", "model", "vin", "stock_no"} == set(detail["vehicle_data"])
        assert ["create", "assign"] == [e["action"] for e in detail["audit_timeline"]]
        assert {"SCHEDULED"} == {detail["audit_timeline"][1]["new_values"]["status"]}
        assert detail["job_code"].startswith(f"SM2-{detail['created_at'][:4]}-")

    async def test_same_shape_as_the_cli(self, api: Api) -> None:
        """The API shows a job with exactly the fields ``sm2 jobs show --json`` prints (one
        converter, ``sm2_core.serialize``), and the same values."""
        job = await api.scheduled()
        detail = await api.services.dispatch.detail(job.id)
        cli = job_detail_primitives(detail.job, detail.timeline)
        assert _same_times(cli) == _same_times(await api.get_job(job.id))

    async def test_job_codes_count_up_per_year(self, api: Api) -> None:
        """SM2-YYYY-001, then SM2-YYYY-002."""
        first, second = await api.job(), await api.job()
        year = first.created_at.year
        assert [f"SM2-{year}-001", f"SM2-{year}-002"] == [
            (await api.get_job(job.id))["job_code"] for job in (first, second)
        ]

    async def test_unknown_job_is_404(self, api: Api) -> None:
        """A job id nobody has is a 404 problem."""
        assert_problem(await api.client.get(f"/api/jobs/{uuid4()}", headers=api.admin), 404)

    async def test_a_malformed_id_is_404(self, mem_api: Api) -> None:
        """A path that is no job id matches no route."""
        response = await mem_api.client.get("/api/jobs/not-a-uuid", headers=mem_api.admin)
        assert_problem(response, 404)


class TestVersions:
    async def test_assign_with_if_match(self, api: Api) -> None:
        """If-Match with the current version assigns: SCHEDULED, tech set, version bumped."""
        job = await api.job()
        body = {"tech_id": str(api.techs[MARC])}
        response = await patch(api, job.id, body, if_match=str(job.version))
        assert 200 == response.status_code, response.text
        assert ("SCHEDULED", str(api.techs[MARC])) == (
            response.json()["status"],
            response.json()["tech_id"],
        )
        assert job.version + 1 == response.json()["version"]

    @pytest.mark.parametrize("form", ['"{v}"', 'W/"{v}"'])
    async def test_if_match_may_be_quoted_or_weak(self, mem_api: Api, form: str) -> None:
        """If-Match "3" and W/"3" are read as version 3."""
        job = await mem_api.job()
        body = {"tech_id": str(mem_api.techs[MARC])}
        response = await patch(mem_api, job.id, body, if_match=form.format(v=job.version))
        assert 200 == response.status_code, response.text

    async def test_assign_with_the_version_in_the_body(self, api: Api) -> None:
        """ "version" in the body does what If-Match does."""
        job = await api.job()
        response = await patch(api, job.id, {"tech_id": str(api.techs[MARC]), "version": 1})
        assert 200 == response.status_code, response.text
        assert "SCHEDULED" == response.json()["status"]

    async def test_a_stale_version_is_409_and_changes_nothing(self, api: Api) -> None:
        """An edit based on an old version is refused with 409."""
        job = await api.job()
        await patch(api, job.id, {"urgency": "LOW"}, if_match="1")
        response = await patch(api, job.id, {"tech_id": str(api.techs[MARC])}, if_match="1")
        body = assert_problem(response, 409)
        assert "version" in body["detail"]
        assert (None, 2) == ((d := await api.get_job(job.id))["tech_id"], d["version"])

    async def test_two_concurrent_edits_one_wins(self, api: Api) -> None:
        """Two admins editing version 1 at once: one 200, one 409, never both."""
        job = await api.job()
        results = await asyncio.gather(
            patch(api, job.id, {"urgency": "LOW"}, if_match="1"),
            patch(api, job.id, {"urgency": "CRITICAL"}, if_match="1"),
        )
        assert [200, 409] == sorted(r.status_code for r in results)
        winner = next(r for r in results if r.status_code == 200).json()["urgency"]
        assert (winner, 2) == ((d := await api.get_job(job.id))["urgency"], d["version"])

    async def test_no_version_is_422(self, api: Api) -> None:
        """Without If-Match or version the edit is refused, naming version."""
        job = await api.job()
        body = assert_problem(await patch(api, job.id, {"urgency": "LOW"}), 422)
        assert "version" in param_names(body)

    @pytest.mark.parametrize("value", ["abc", "*", ""])
    async def test_a_malformed_if_match_is_422(self, mem_api: Api, value: str) -> None:
        """If-Match that is no version number is invalid input."""
        job = await mem_api.job()
        response = await patch(mem_api, job.id, {"urgency": "LOW"}, if_match=value)
        assert "If-Match" in param_names(assert_problem(response, 422))


class TestAssignmentRules:
    async def test_an_audi_job_waits_for_verification(self, api: Api) -> None:
        """Assigning an unverified Audi job is a 409 titled after the Audi rule."""
        job = await api.job(AUDI, "KEY_PROGRAMMING", AUDI_Q5)
        body = assert_problem(await api.assign(job.id), 409)
        assert "Manual verification required (Audi rule)" == body["title"]
        assert "Audi rule" == body["rule"]
        assert "PENDING" == (await api.get_job(job.id))["status"]

    async def test_verify_then_assign(self, api: Api) -> None:
        """Once verified, the Audi job can be assigned."""
        job = await api.job(AUDI, "KEY_PROGRAMMING", AUDI_Q5)
        verified = await api.client.post(f"/api/jobs/{job.id}/verify", headers=api.admin)
        assert 200 == verified.status_code, verified.text
        assert (False, "boss") == (
            verified.json()["awaiting_verification"],
            verified.json()["verified_by"],
        )
        response = await api.assign(job.id)
        assert 200 == response.status_code, response.text
        assert "SCHEDULED" == response.json()["status"]

    async def test_verifying_twice_is_409(self, api: Api) -> None:
        """A job that is not waiting for verification cannot be verified."""
        job = await api.job()
        assert_problem(await api.client.post(f"/api/jobs/{job.id}/verify", headers=api.admin), 409)

    async def test_unassign_with_a_null_tech(self, api: Api) -> None:
        """tech_id null gives the job back to the board: PENDING, no technician."""
        job = await api.scheduled()
        response = await patch(api, job.id, {"tech_id": None}, if_match="2")
        assert 200 == response.status_code, response.text
        assert ("PENDING", None) == (response.json()["status"], response.json()["tech_id"])

    async def test_an_uncertified_tech_is_refused(self, api: Api) -> None:
        """A technician without the service's skill is refused by the certification rule."""
        job = await api.job()
        body = assert_problem(await api.assign(job.id, JULIE), 409)
        assert "Certification rule" == body["rule"]
        assert "not certified for KEY_PROGRAMMING" in body["title"]

    async def test_a_tech_on_leave_is_refused(self, api: Api) -> None:
        """A certified technician ON_LEAVE cannot take the job."""
        job = await api.job()
        body = assert_problem(await api.assign(job.id, NATHALIE), 409)
        assert "Availability rule" == body["rule"]
        assert "ON_LEAVE" in body["detail"]

    async def test_an_unknown_tech_is_404(self, api: Api) -> None:
        """Assigning a technician who does not exist is a 404."""
        job = await api.job()
        assert_problem(await patch(api, job.id, {"tech_id": str(uuid4())}, if_match="1"), 404)


class TestEdits:
    async def test_edit_urgency_and_vehicle(self, api: Api) -> None:
        """urgency and vehicle_data change and are audited as an edit."""
        job = await api.job()
        body = {"urgency": "CRITICAL", "vehicle_data": {"year": 2020, "model": "Camry"}}
        response = await patch(api, job.id, body, if_match="1")
        assert 200 == response.status_code, response.text
        assert ("CRITICAL", "Camry") == (
            response.json()["urgency"],
            response.json()["vehicle_data"]["model"],
        )
        timeline = (await api.get_job(job.id))["audit_timeline"]
        assert "edit" == timeline[-1]["action"]

    async def test_an_unknown_service_code_is_404(self, api: Api) -> None:
        """A service code that is not in the catalog is refused."""
        job = await api.job()
        assert_problem(await patch(api, job.id, {"service_code": "NOPE"}, if_match="1"), 404)

    @pytest.mark.parametrize(
        "body",
        [
            {"urgency": "URGENT", "version": 1},
            {"status": "COMPLETED", "version": 1},
            {"tech_id": "nobody", "version": 1},
            {"vehicle_data": {"year": 1850}, "version": 1},
            {"version": "one"},
        ],
    )
    async def test_an_invalid_body_is_422(self, mem_api: Api, body: dict[str, Any]) -> None:
        """An invalid or unknown field is a 422 listing what is wrong; the job is unchanged."""
        job = await mem_api.job()
        problem = assert_problem(await patch(mem_api, job.id, body), 422)
        assert problem["invalid_params"]
        assert 1 == (await mem_api.get_job(job.id))["version"]
