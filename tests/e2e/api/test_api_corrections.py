"""/api/corrections: dispatchers' corrections of parsed jobs, how often per service and field,
and the words they suggest (admin only)."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import TOYOTA, Api, assert_problem, param_names

from sm2_core.parsing import ParsedRequest

TEXT = "Bonjour, besoin programmation de clé pour Toyota RAV4 2022 stock T-1234 svp"
READ = ParsedRequest(
    year=2022, make="Toyota", model="RAV4", stock_no="T-1234", service_code="KEY_PROGRAMMING"
)


async def corrected_job(api: Api) -> dict[str, Any]:
    """The job of a text, its model corrected by the admin through PATCH /api/jobs/{id}."""
    if api.parser is not None:
        api.parser.reads(TEXT, READ)
    form = {"From": TOYOTA, "To": "+14185550000", "Body": TEXT, "MessageSid": "SMfix1"}
    assert 200 == (await api.client.post("/webhooks/twilio/sms", data=form)).status_code
    await api.run()
    (job,) = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
    response = await api.client.patch(
        f"/api/jobs/{job['id']}",
        headers={**api.admin, "If-Match": str(job["version"])},
        json={"vehicle_data": {"model": "Corolla"}},
    )
    assert 200 == response.status_code, response.text
    return job


class TestList:
    async def test_a_correction_made_through_the_api(self, api: Api) -> None:
        """PATCH of a parsed job records what the parser read and what the admin made it."""
        job = await corrected_job(api)
        page = (await api.client.get("/api/corrections", headers=api.admin)).json()
        (item,) = page["items"]
        assert (job["id"], "model", "RAV4", "Corolla", "boss", TOYOTA, TEXT, None) == (
            item["job_id"],
            item["field"],
            item["parsed"],
            item["corrected"],
            item["corrected_by"],
            item["sender"],
            item["body"],
            page["next_cursor"],
        )
        assert item["lang"] in ("en", "fr")

    async def test_since_and_pages(self, mem_api: Api) -> None:
        await corrected_job(mem_api)
        later = (mem_api.clock.now().replace(year=2100)).isoformat()
        for query, count in (({"since": later}, 0), ({"since": "2000-01-01"}, 1)):
            page = await mem_api.client.get("/api/corrections", headers=mem_api.admin, params=query)
            assert count == len(page.json()["items"]), page.text

    async def test_a_bad_since_is_422(self, api: Api) -> None:
        response = await api.client.get(
            "/api/corrections", headers=api.admin, params={"since": "last week"}
        )
        assert {"since"} == param_names(assert_problem(response, 422))

    @pytest.mark.parametrize(
        "path", ["/api/corrections", "/api/corrections/summary", "/api/corrections/suggestions"]
    )
    async def test_admins_only(self, api: Api, path: str) -> None:
        """A technician is refused, as on every admin route: a tech token is no admin token
        (another audience), so the guard answers 401, as it does without a token."""
        assert_problem(await api.client.get(path, headers=api.tech), 401)
        assert_problem(await api.client.get(path), 401)


class TestSummary:
    async def test_per_service_and_field(self, api: Api) -> None:
        """The parsed job's service, one job, its model corrected: 1 of 1."""
        await corrected_job(api)
        summary = (
            await api.client.get("/api/corrections/summary", headers=api.admin, params={"days": 30})
        ).json()
        (row,) = summary["services"]
        assert ("KEY_PROGRAMMING", 1, 1, {"count": 1, "share": 1.0}) == (
            row["service_code"],
            row["parsed_jobs"],
            row["corrected"],
            row["fields"]["model"],
        )
        assert {"count": 0, "share": 0.0} == row["fields"]["year"]
        assert (30, 1) == (summary["days"], summary["total"]["parsed_jobs"])

    async def test_days_out_of_range(self, api: Api) -> None:
        response = await api.client.get(
            "/api/corrections/summary", headers=api.admin, params={"days": 0}
        )
        assert {"days"} == param_names(assert_problem(response, 422))


class TestSuggestions:
    async def test_none_yet(self, api: Api) -> None:
        body = (await api.client.get("/api/corrections/suggestions", headers=api.admin)).json()
        assert {"items": []} == body
