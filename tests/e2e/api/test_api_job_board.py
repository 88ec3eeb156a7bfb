"""GET /api/jobs: every filter, invalid filters as 422 problems, keyset pagination."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest
from api_harness import AUDI, FORD, MARC, TOYOTA, Api, assert_problem, param_names

from sm2_core.domain.job import Vehicle
from sm2_core.domain.vin import check_digit

URGENCY = {"CRITICAL": 3, "HIGH": 2, "MEDIUM": 1, "LOW": 0}


def make_vin(sixteen: str) -> str:
    """A valid VIN around its check digit (8 characters before it, 8 after)."""
    draft = sixteen[:8] + "0" + sixteen[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


F150_VIN = make_vin("1FTFW1E5NFA12345")


@attrs.define
class Board:
    """Jobs of every kind the filters tell apart, with the API's view of each."""

    key: dict[str, Any]
    ford: dict[str, Any]
    audi: dict[str, Any]
    oil: dict[str, Any]
    scheduled: dict[str, Any]
    cancelled: dict[str, Any]
    completed: dict[str, Any]


async def board(api: Api) -> Board:
    jobs = {
        "key": await api.job(),
        "ford": await api.job(
            FORD, "PDI", Vehicle(year=2024, make="Ford", model="F-150", vin=F150_VIN)
        ),
        "audi": await api.job(AUDI, "ENGINE_REPAIR", Vehicle(year=2023, make="Audi", model="Q5")),
        "oil": await api.job(
            TOYOTA, "OIL_CHANGE", Vehicle(year=2021, make="Toyota", model="Corolla")
        ),
        "scheduled": await api.scheduled(),
        "cancelled": await api.job(TOYOTA, "TIRE_CHANGE"),
        "completed": await api.completed(),
    }
    cancel = await api.client.post(
        f"/api/jobs/{jobs['cancelled'].id}/cancel", headers=api.admin, json={"reason": "dup"}
    )
    assert 200 == cancel.status_code
    return Board(**{name: await api.get_job(job.id) for name, job in jobs.items()})


async def codes(api: Api, **params: Any) -> set[str]:
    response = await api.client.get("/api/jobs", headers=api.admin, params=params)
    assert 200 == response.status_code, response.text
    return {job["job_code"] for job in response.json()["items"]}


def code(*jobs: dict[str, Any]) -> set[str]:
    return {job["job_code"] for job in jobs}


class TestFilters:
    async def test_every_filter_narrows_the_board(self, api: Api) -> None:
        """status, dealership, urgency, technician, vin, q and invoice_state each pick their jobs."""
        b = await board(api)
        assert code(*attrs.astuple(b, recurse=False)) == await codes(api)
        assert code(b.scheduled) == await codes(api, status="SCHEDULED")
        assert code(b.cancelled) == await codes(api, status="cancelled")
        assert code(b.ford) == await codes(api, dealership=api.dealers[FORD])
        assert code(b.audi) == await codes(api, urgency="CRITICAL")
        assert code(b.scheduled, b.completed) == await codes(api, technician=api.techs[MARC])
        assert code(b.ford) == await codes(api, vin=F150_VIN.lower())
        assert code(b.oil) == await codes(api, q="corOLLa")
        assert code(b.ford) == await codes(api, q=b.ford["job_code"])
        assert code(b.completed) == await codes(api, invoice_state="PENDING_APPROVAL")

    async def test_filters_combine(self, api: Api) -> None:
        """Several filters together keep the jobs that match them all."""
        b = await board(api)
        pending_toyota = await codes(api, dealership=api.dealers[TOYOTA], status="PENDING")
        assert code(b.key, b.oil) == pending_toyota
        assert set() == await codes(api, urgency="LOW")

    async def test_created_after_and_before_split_the_board(self, api: Api) -> None:
        """created_after keeps jobs from that instant on; created_before those strictly earlier."""
        first = await api.get_job((await api.job()).id)
        if api.kind == "memory":
            api.clock.advance(minutes=5)
        second = await api.get_job((await api.job()).id)
        assert code(second) == await codes(api, created_after=second["created_at"])
        assert code(first) == await codes(api, created_before=second["created_at"])
        both = {"created_after": first["created_at"], "created_before": second["created_at"]}
        assert code(first) == await codes(api, **both)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("status", "DONE"),
            ("urgency", "URGENT"),
            ("invoice_state", "SETTLED"),
            ("dealership", "not-a-uuid"),
            ("technician", "42"),
            ("created_after", "yesterday"),
            ("created_before", "2026-13-45"),
            ("limit", "0"),
            ("limit", "201"),
            ("limit", "many"),
        ],
    )
    async def test_invalid_filters_are_422_naming_the_parameter(
        self, mem_api: Api, name: str, value: str
    ) -> None:
        """An invalid filter value is a 422 problem whose invalid_params names it."""
        response = await mem_api.client.get(
            "/api/jobs", headers=mem_api.admin, params={name: value}
        )
        body = assert_problem(response, 422)
        assert name in param_names(body)

    @pytest.mark.parametrize("q", ["\x00", "100%", "_", "'; DROP TABLE jobs; --", "é" * 300])
    async def test_odd_search_text_is_never_a_server_error(self, api: Api, q: str) -> None:
        """Any search text gives a list or a 422, never a 5xx (LIKE wildcards match literally)."""
        await api.job()
        response = await api.client.get("/api/jobs", headers=api.admin, params={"q": q})
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert [] == response.json()["items"]


def sort_key(job: dict[str, Any]) -> tuple[int, int, str]:
    return (-URGENCY[job["urgency"]], -job["ranking_score"], job["created_at"])


async def walk(api: Api, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of the board, following next_cursor."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await api.client.get("/api/jobs", headers=api.admin, params=query)
        assert 200 == response.status_code, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


class TestPagination:
    async def _many(self, api: Api) -> None:
        for dealer, service, make in [
            (TOYOTA, "KEY_PROGRAMMING", "Toyota"),
            (TOYOTA, "OIL_CHANGE", "Toyota"),
            (FORD, "PDI", "Ford"),
            (AUDI, "ENGINE_REPAIR", "Audi"),
            (TOYOTA, "OIL_CHANGE", "Tesla"),
            (FORD, "TIRE_CHANGE", "Ford"),
            (TOYOTA, "KEY_PROGRAMMING", "Toyota"),
            (TOYOTA, "OIL_CHANGE", "Toyota"),
            (AUDI, "OIL_CHANGE", "Audi"),
        ]:
            await api.job(dealer, service, Vehicle(make=make, model="X"))
            if api.kind == "memory":
                api.clock.advance(seconds=1)

    async def test_pages_cover_the_board_once_in_order(self, api: Api) -> None:
        """Pages of 2 give every job once, by urgency, then score, then age."""
        await self._many(api)
        pages = await walk(api, limit=2)
        jobs = [job for page in pages for job in page]
        assert [2, 2, 2, 2, 1] == [len(page) for page in pages]
        assert len(jobs) == len({job["id"] for job in jobs})
        assert sorted(jobs, key=sort_key) == jobs
        everything = await api.client.get("/api/jobs", headers=api.admin, params={"limit": 200})
        assert [j["id"] for j in everything.json()["items"]] == [j["id"] for j in jobs]

    async def test_pages_keep_the_filter(self, api: Api) -> None:
        """A cursor walks the filtered list, not the whole board."""
        await self._many(api)
        pages = await walk(api, limit=1, dealership=api.dealers[TOYOTA])
        dealers = {job["dealership_id"] for page in pages for job in page}
        assert {str(api.dealers[TOYOTA])} == dealers
        assert 5 == len(pages)

    async def test_last_page_has_no_cursor(self, api: Api) -> None:
        """A page that holds the rest of the board has next_cursor null."""
        await api.job()
        response = await api.client.get("/api/jobs", headers=api.admin, params={"limit": 5})
        assert response.json()["next_cursor"] is None


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


BAD_CURSORS = [
    "zzz",
    "!!!",
    b64(b"[1, 2]"),
    b64(b"null"),
    b64(b"\xff\xfe"),
    b64(b'{"a": 1, "b": 2, "c": 3, "d": 4}'),
    b64(b'["x", "y", "z", "w"]'),
    b64(b'[0, 0, "not a date", "not a uuid"]'),
    b64(b'[1e400, 0, "2026-01-01T00:00:00+00:00", "' + str(uuid4()).encode() + b'"]'),
]


class TestCursors:
    @pytest.mark.parametrize("cursor", BAD_CURSORS)
    async def test_a_bad_cursor_is_422(self, api: Api, cursor: str) -> None:
        """A cursor this list did not hand out is a 422 naming cursor, never a 5xx."""
        response = await api.client.get("/api/jobs", headers=api.admin, params={"cursor": cursor})
        body = assert_problem(response, 422)
        assert {"cursor"} == param_names(body)

    async def test_a_cursor_from_another_filter_still_answers(self, api: Api) -> None:
        """Reusing a cursor with other filters gives a page, not an error."""
        await api.job()
        await api.job()
        first = await api.client.get("/api/jobs", headers=api.admin, params={"limit": 1})
        cursor = first.json()["next_cursor"]
        response = await api.client.get(
            "/api/jobs", headers=api.admin, params={"cursor": cursor, "urgency": "LOW"}
        )
        assert 200 == response.status_code
        assert UUID(first.json()["items"][0]["id"])
