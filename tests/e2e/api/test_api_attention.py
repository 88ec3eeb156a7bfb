"""GET /api/jobs?attention=true: the jobs a dispatcher must act on, on both backends."""

from __future__ import annotations

from typing import Any

from api_harness import AUDI, FORD, JULIE, MARC, Api, assert_problem, param_names

from sm2_core.domain.job import Vehicle
from sm2_core.domain.records import OptOut

MARC_PHONE = "+14185550201"


async def attention(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get(
        "/api/jobs", headers=api.admin, params={"attention": "true", **params}
    )
    assert 200 == response.status_code, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestNeedsAttention:
    async def test_each_reason_is_listed_and_nothing_else(self, api: Api) -> None:
        """Awaiting verification, no service, completed and not approved, and a held job whose
        alert did not reach its technician; a plain PENDING job and a SCHEDULED one whose alert
        went out are not."""
        async with api.system.uow() as uow:
            await uow.opt_outs.add(OptOut(MARC_PHONE, api.clock.now(), "STOP"))
        unreached = await api.scheduled(tech=MARC)
        alerted = await api.scheduled(FORD, tech=JULIE, service="OIL_CHANGE")
        await api.run()  # Julie's alert goes out; Marc's does not: his number opted out
        held = await api.job(AUDI, vehicle=Vehicle(2024, "Audi", "Q7"))
        unknown = await api.job(service=None)
        completed = await api.completed()
        plain = await api.job()

        found = {item["id"] for item in await attention(api)}
        assert {str(held.id), str(unknown.id), str(completed.id), str(unreached.id)} == found
        assert not {str(plain.id), str(alerted.id)} & found

    async def test_it_combines_with_the_other_filters(self, api: Api) -> None:
        """An approved job no longer needs anyone; the filter goes with status and technician."""
        await api.job(AUDI, vehicle=Vehicle(2024, "Audi", "Q5"))
        completed = await api.completed()
        approved = await api.completed()
        response = await api.client.post(f"/api/jobs/{approved.id}/approve", headers=api.admin)
        assert 200 == response.status_code, response.text
        found = await attention(api, status="COMPLETED", technician=str(api.techs[MARC]))
        assert [str(completed.id)] == [item["id"] for item in found]

    async def test_false_or_left_out_lists_every_job(self, api: Api) -> None:
        await api.job(AUDI, vehicle=Vehicle(2024, "Audi", "Q3"))
        plain = await api.job()
        response = await api.client.get(
            "/api/jobs", headers=api.admin, params={"attention": "false"}
        )
        assert 200 == response.status_code, response.text
        assert str(plain.id) in {item["id"] for item in response.json()["items"]}

    async def test_a_value_that_is_not_a_boolean_is_422_naming_it(self, api: Api) -> None:
        response = await api.client.get("/api/jobs", headers=api.admin, params={"attention": "x"})
        assert {"attention"} == param_names(assert_problem(response, 422))

    async def test_the_parameter_is_documented(self, api: Api) -> None:
        response = await api.client.get("/schema/openapi.json")
        assert 200 == response.status_code
        listed = response.json()["paths"]["/api/jobs"]["get"]["parameters"]
        found = next(p for p in listed if p["name"] == "attention")
        assert ("query", "boolean") == (found["in"], found["schema"]["type"])
        assert "dispatcher must act on" in found["description"]
