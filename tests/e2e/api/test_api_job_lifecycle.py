"""POST /api/jobs/{id}/cancel and /approve, GET .../suggestions."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from api_harness import MARC, TOYOTA, Api, assert_problem

from sm2_core.domain.job import Vehicle


async def cancel(api: Api, job_id: Any, body: Any) -> Any:
    return await api.client.post(f"/api/jobs/{job_id}/cancel", headers=api.admin, json=body)


async def approve(api: Api, job_id: Any) -> Any:
    return await api.client.post(f"/api/jobs/{job_id}/approve", headers=api.admin)


class TestCancel:
    async def test_cancel_with_a_reason(self, api: Api) -> None:
        """A cancelled job keeps its reason, and the timeline says who."""
        job = await api.scheduled()
        response = await cancel(api, job.id, {"reason": "Dealer sold the car"})
        assert 200 == response.status_code, response.text
        assert ("CANCELLED", "Dealer sold the car") == (
            response.json()["status"],
            response.json()["cancel_reason"],
        )
        last = (await api.get_job(job.id))["audit_timeline"][-1]
        assert ("cancel", "boss") == (last["action"], last["actor"])

    @pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "   "}, {}, {"why": "x"}, None])
    async def test_a_missing_reason_is_422(self, mem_api: Api, body: Any) -> None:
        """No reason, an empty or blank one: 422 and the job stays as it was."""
        job = await mem_api.job()
        assert_problem(await cancel(mem_api, job.id, body), 422)
        assert "PENDING" == (await mem_api.get_job(job.id))["status"]

    async def test_a_completed_job_cannot_be_cancelled(self, api: Api) -> None:
        """COMPLETED is final: cancelling it is a 409."""
        job = await api.completed()
        assert_problem(await cancel(api, job.id, {"reason": "too late"}), 409)

    async def test_cancelling_twice_is_409(self, api: Api) -> None:
        """A cancelled job cannot be cancelled again."""
        job = await api.job()
        await cancel(api, job.id, {"reason": "first"})
        assert_problem(await cancel(api, job.id, {"reason": "second"}), 409)

    async def test_an_unknown_job_is_404(self, api: Api) -> None:
        """Cancelling a job that does not exist is a 404."""
        assert_problem(await cancel(api, uuid4(), {"reason": "x"}), 404)


class TestApprove:
    @pytest.mark.parametrize("state", ["PENDING", "SCHEDULED", "IN_PROGRESS"])
    async def test_only_a_completed_job_can_be_approved(self, api: Api, state: str) -> None:
        """Approving a job that is not COMPLETED is a 409 and queues nothing."""
        maker = {"PENDING": api.job, "SCHEDULED": api.scheduled, "IN_PROGRESS": api.in_progress}
        job = await maker[state]()
        body = assert_problem(await approve(api, job.id), 409)
        assert state in body["detail"]
        assert "NOT_STARTED" == (await api.get_job(job.id))["invoice_state"]

    async def test_approving_queues_the_invoice(self, api: Api) -> None:
        """Approval records who approved; the task then invoices (memory) or records why not."""
        job = await api.completed()
        response = await approve(api, job.id)
        assert 200 == response.status_code, response.text
        assert ("boss", "PENDING_APPROVAL") == (
            response.json()["approved_by"],
            response.json()["invoice_state"],
        )
        await api.run()
        detail = await api.get_job(job.id)
        if api.kind == "memory":
            assert ("SYNCED", None) == (detail["invoice_state"], detail["invoice_error"])
            assert detail["qb_invoice_id"]
        else:  # no QuickBooks connection configured
            assert ("FAILED", "QuickBooks not connected") == (
                detail["invoice_state"],
                detail["invoice_error"],
            )
        assert "invoice_" in detail["audit_timeline"][-1]["action"]

    async def test_a_double_click_makes_one_invoice(self, mem_api: Api) -> None:
        """Approving twice before the invoice is made sends one invoice."""
        job = await mem_api.completed()
        assert 200 == (await approve(mem_api, job.id)).status_code
        assert 200 == (await approve(mem_api, job.id)).status_code
        await mem_api.run()
        assert [job.id] == list(mem_api.system.accounting.invoices)

    async def test_approving_a_synced_job_makes_no_second_invoice(self, mem_api: Api) -> None:
        """Once invoiced, approving again (200 or 409) sends no second invoice."""
        job = await mem_api.completed()
        await approve(mem_api, job.id)
        await mem_api.run()
        again = await approve(mem_api, job.id)
        assert again.status_code in (200, 409)
        await mem_api.run()
        assert 1 == len(mem_api.system.accounting.invoices)


class TestSuggestions:
    async def test_certified_available_techs_nearest_first(self, api: Api) -> None:
        """For a Sainte-Foy diagnostic: Marc-André (0 km), Karim, then Éric far north."""
        job = await api.job(TOYOTA, "DIAGNOSTIC", Vehicle(make="Toyota", model="Camry"))
        response = await api.client.get(f"/api/jobs/{job.id}/suggestions", headers=api.admin)
        assert 200 == response.status_code, response.text
        found = response.json()
        assert [MARC, "Karim Benali", "Éric Lavoie"] == [s["name"] for s in found]
        distances = [s["distance_km"] for s in found]
        assert sorted(distances) == distances
        assert 0.0 == distances[0]

    async def test_techs_on_leave_or_uncertified_are_left_out(self, api: Api) -> None:
        """Key programming in Sainte-Foy: Nathalie is on leave, the others lack the skill."""
        job = await api.job()
        response = await api.client.get(f"/api/jobs/{job.id}/suggestions", headers=api.admin)
        assert [MARC] == [s["name"] for s in response.json()]

    async def test_load_counts_the_jobs_a_tech_holds(self, api: Api) -> None:
        """A technician holding a scheduled job shows a load of 1."""
        await api.scheduled()
        job = await api.job()
        response = await api.client.get(f"/api/jobs/{job.id}/suggestions", headers=api.admin)
        assert [1] == [s["load"] for s in response.json()]

    async def test_an_unknown_job_is_404(self, api: Api) -> None:
        """Suggestions for a job nobody has are a 404."""
        response = await api.client.get(f"/api/jobs/{uuid4()}/suggestions", headers=api.admin)
        assert_problem(response, 404)
