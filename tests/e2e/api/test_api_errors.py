"""Errors: problem documents everywhere, the fields at fault named, no stack trace, ever."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from api_apps import memory_api
from api_harness import Api, assert_problem, param_names

from sm2_core.services import Services

SECRET_DETAIL = "psycopg.OperationalError: password=hunter2 at db.internal:5432"


class Exploding:
    """A dispatch service whose board fails the way an unexpected bug would."""

    async def list_jobs(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(SECRET_DETAIL)

    async def detail(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("job")


def exploding(services: Services) -> Services:
    return attrs.evolve(services, dispatch=Exploding())


class TestUnexpectedErrors:
    @pytest.mark.parametrize(
        "path", ["/api/jobs", "/api/jobs/00000000-0000-0000-0000-000000000001"]
    )
    async def test_a_bug_is_a_500_problem_without_its_traceback(self, path: str) -> None:
        """An unexpected exception is a 500 problem quoting the request id, and nothing else."""
        async with memory_api(wrap=exploding) as api:
            response = await api.client.get(path, headers=api.admin)
        body = assert_problem(response, 500)
        request_id = response.headers["x-request-id"]
        assert request_id in body["detail"]
        for leak in ("Traceback", "RuntimeError", "KeyError", "hunter2", 'File "'):
            assert leak not in response.text


#: (method, path, how the request goes wrong, expected status)
ERRORS = [
    ("GET", "/api/nowhere", {}, 404),
    # Not /schema/<unknown>: Litestar's OpenAPI router answers those with its own HTML 404 page,
    # outside the API (accepted, noted in the issue).
    ("DELETE", "/api/jobs", {"auth": True}, 405),
    ("GET", "/api/jobs", {}, 401),
    ("GET", "/api/jobs?limit=0", {"auth": True}, 422),
    ("POST", "/api/zones", {"auth": True, "content": b"{not json"}, 400),
    ("POST", "/api/zones", {"auth": True, "json": ["a", "list"]}, 422),
    (
        "POST",
        "/api/zones",
        {"auth": True, "json": {"name": "Sainte-Foy", "latitude": 1, "longitude": 1}},
        409,
    ),
    ("GET", "/api/zones/00000000-0000-0000-0000-000000000000", {"auth": True}, 404),
    ("POST", "/api/auth/login", {"json": {"username": "x", "password": "y"}}, 401),
    ("POST", "/webhooks/twilio/sms", {"data": {"Body": "hi"}}, 422),
]


class TestProblemDocuments:
    @pytest.mark.parametrize(("method", "path", "how", "status"), ERRORS)
    async def test_every_error_is_a_problem_document(
        self, mem_api: Api, method: str, path: str, how: dict[str, Any], status: int
    ) -> None:
        """Each error answers application/problem+json with status, title and detail."""
        how = dict(how)
        headers = mem_api.admin if how.pop("auth", False) else {}
        response = await mem_api.client.request(method, path, headers=headers, **how)
        assert_problem(response, status)
        assert "Traceback" not in response.text

    async def test_a_policy_refusal_names_its_rule(self, mem_api: Api) -> None:
        """A refusal by a business rule carries the rule's name."""
        job = await mem_api.job(service="OIL_CHANGE")
        body = assert_problem(await mem_api.assign(job.id), 409)
        assert "Certification rule" == body["rule"]


class TestInvalidParamsNameTheField:
    """CONTRACT: invalid input lists the fields at fault, by the names the client sent."""

    async def _zone(self, api: Api, body: Any) -> set[str]:
        response = await api.client.post("/api/zones", headers=api.admin, json=body)
        return param_names(assert_problem(response, 422))

    async def test_an_out_of_range_value(self, mem_api: Api) -> None:
        """latitude 91 is named latitude."""
        body = {"name": "Z", "latitude": 91, "longitude": 0}
        assert {"latitude"} == await self._zone(mem_api, body)

    async def test_a_missing_field(self, mem_api: Api) -> None:
        """A body without name names name."""
        assert "name" in await self._zone(mem_api, {"latitude": 1, "longitude": 1})

    async def test_an_unknown_field(self, mem_api: Api) -> None:
        """A field the resource does not have is named."""
        body = {"name": "Z", "latitude": 1, "longitude": 1, "colour": "red"}
        assert "colour" in await self._zone(mem_api, body)

    async def test_a_nested_field_keeps_its_path(self, mem_api: Api) -> None:
        """vehicle_data.year is named vehicle_data.year."""
        job = await mem_api.job()
        response = await mem_api.client.patch(
            f"/api/jobs/{job.id}",
            headers={**mem_api.admin, "If-Match": "1"},
            json={"vehicle_data": {"year": 1850}},
        )
        assert {"vehicle_data.year"} == param_names(assert_problem(response, 422))

    async def test_a_query_parameter(self, mem_api: Api) -> None:
        """An invalid query parameter is named."""
        response = await mem_api.client.get("/api/jobs?limit=0", headers=mem_api.admin)
        assert {"limit"} == param_names(assert_problem(response, 422))


class TestStoredText:
    @pytest.mark.parametrize("name", ["Zone\x00Nul", "Zone 🚗"])
    async def test_odd_text_is_stored_or_refused_never_a_500(self, api: Api, name: str) -> None:
        """A NUL character or an emoji in a name is a 201 or a 422, never a server error."""
        body = {"name": name, "latitude": 46.9, "longitude": -71.2}
        response = await api.client.post("/api/zones", headers=api.admin, json=body)
        assert response.status_code in (201, 422), response.text
