"""Input and schema strictness (issue 15, items 9 to 14): what a client may send, and what the
document and the answers promise it."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from api_apps import WEB, bare_app, client_for
from api_harness import ADMIN, PROBLEM, Api, ScriptedParser, assert_problem, param_names, wall_clock
from api_sse import Stream, open_stream
from litestar import Litestar
from litestar.testing import TestClient

from sm2_adapters.memory import build_memory_system
from sm2_adapters.memory.fakes import MemoryHealth, MemoryRateLimiter
from sm2_core.domain.enums import Role
from sm2_web.app import create_app
from sm2_web.routes import events as events_route
from sm2_web.routes.quickbooks import QUICKBOOKS_HANDLERS

DEEP = 100_000
KINDS = ("dealerships", "technicians", "services", "zones", "users", "rules")


# --- 9. deeply nested JSON ---------------------------------------------------------------------


def nested(depth: int, kind: str) -> bytes:
    if kind == "arrays":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


class TestDeeplyNestedJson:
    @pytest.mark.parametrize("kind", ["arrays", "objects"])
    @pytest.mark.parametrize(
        ("method", "path", "who"),
        [
            ("POST", "/api/auth/login", None),
            ("POST", "/api/zones", "admin"),
            ("PATCH", "/api/jobs/00000000-0000-0000-0000-000000000001", "admin"),
            ("POST", "/api/technician/jobs/00000000-0000-0000-0000-000000000001/complete", "tech"),
        ],
    )
    async def test_is_a_400_problem(
        self, mem_api: Api, kind: str, method: str, path: str, who: str | None
    ) -> None:
        """100,000 levels of nesting, to login (no token) or any JSON endpoint: 400, no trace."""
        headers = {"Content-Type": "application/json"}
        if who is not None:
            headers.update(getattr(mem_api, who))
        response = await mem_api.client.request(
            method, path, content=nested(DEEP, kind), headers=headers
        )
        body = assert_problem(response, 400)
        assert "nested" in body["detail"]
        assert "Traceback" not in response.text

    async def test_ordinary_nesting_is_still_read(self, mem_api: Api) -> None:
        """A body nested a little (vehicle_data) is read as before."""
        job = await mem_api.job()
        response = await mem_api.client.patch(
            f"/api/jobs/{job.id}",
            headers={**mem_api.admin, "If-Match": "1"},
            json={"vehicle_data": {"year": 2021}},
        )
        assert 200 == response.status_code, response.text


# --- 10. strict types on the admin resources ------------------------------------------------


async def some_id(api: Api, kind: str) -> str:
    response = await api.client.get(f"/api/{kind}", headers=api.admin)
    return str(response.json()["items"][0]["id"])


#: (kind, a valid body to create one, the field, a value of the wrong JSON type)
WRONG_TYPES = [
    ("zones", {"name": "Zone X", "latitude": 46.8, "longitude": -71.2}, "is_active", 0),
    ("zones", {"name": "Zone Y", "latitude": 46.8, "longitude": -71.2}, "latitude", "46.8"),
    (
        "services",
        {"code": "WIPERS", "name": "Wipers", "name_fr": "Essuie-glaces", "base_price": "20.00"},
        "base_price",
        0,
    ),
    (
        "services",
        {"code": "WASH", "name": "Wash", "name_fr": "Lavage", "base_price": "20.00"},
        "requires_approval",
        1,
    ),
    (
        "dealerships",
        {"name": "Kia Québec", "phone": "+14185550177", "email": "kia@example.com"},
        "is_audit_flagged",
        0,
    ),
    ("technicians", {"name": "Paul", "phone": "+14185550299"}, "is_active", "true"),
    ("rules", {"description": "Kia first", "make": "Kia"}, "ranking_score", "5"),
    ("rules", {"description": "Kia too", "make": "Kia"}, "is_active", 1),
    (
        "users",
        {"username": "strict-user", "role": "admin", "password": "long-enough-pw"},
        "username",
        12345,
    ),
]


class TestStrictTypes:
    @pytest.mark.parametrize(("kind", "body", "field", "wrong"), WRONG_TYPES)
    async def test_a_wrong_json_type_is_422_naming_the_field_on_create(
        self, api: Api, kind: str, body: dict[str, Any], field: str, wrong: Any
    ) -> None:
        """0 is no boolean, 0 no price string, "5" no integer: 422 names the field."""
        response = await api.client.post(
            f"/api/{kind}", headers=api.admin, json={**body, field: wrong}
        )
        assert field in param_names(assert_problem(response, 422))

    @pytest.mark.parametrize(("kind", "body", "field", "wrong"), WRONG_TYPES)
    async def test_the_right_type_is_taken_as_before(
        self, api: Api, kind: str, body: dict[str, Any], field: str, wrong: Any
    ) -> None:
        """The same body with the values of the right type is created."""
        response = await api.client.post(f"/api/{kind}", headers=api.admin, json=body)
        assert 201 == response.status_code, response.text

    @pytest.mark.parametrize(
        ("kind", "field", "wrong"),
        [
            ("dealerships", "is_active", 0),
            ("technicians", "is_active", 1),
            ("services", "base_price", 12),
            ("zones", "is_active", "false"),
            ("rules", "is_active", 0),
            ("users", "is_active", 0),
        ],
    )
    async def test_a_wrong_json_type_is_422_naming_the_field_on_patch(
        self, api: Api, kind: str, field: str, wrong: Any
    ) -> None:
        """PATCH is as strict as POST, and changes nothing."""
        item_id = await some_id(api, kind)
        url = f"/api/{kind}/{item_id}"
        before = (await api.client.get(url, headers=api.admin)).json()
        response = await api.client.patch(url, headers=api.admin, json={field: wrong})
        assert field in param_names(assert_problem(response, 422))
        assert before == (await api.client.get(url, headers=api.admin)).json()

    @pytest.mark.parametrize("who", [None, "tech"])
    async def test_a_caller_without_an_admin_token_gets_401_first(
        self, mem_api: Api, who: str | None
    ) -> None:
        """Authentication comes before the body is judged: no token, no 422 to learn from."""
        headers = getattr(mem_api, who) if who else {}
        body = {"name": "Zone Z", "latitude": 1, "longitude": 2, "is_active": 0}
        response = await mem_api.client.post("/api/zones", headers=headers, json=body)
        assert_problem(response, 401)

    async def test_an_integral_number_is_an_integer(self, mem_api: Api) -> None:
        """JSON has one number type: 45.0 minutes is 45 minutes, as JSON Schema says."""
        job = await mem_api.in_progress()
        response = await mem_api.client.post(
            f"/api/technician/jobs/{job.id}/complete",
            headers=mem_api.tech,
            json={"labour_minutes": 45.0, "parts": [{"name": "Key fob", "quantity": 2.0}]},
        )
        assert 200 == response.status_code, response.text

    async def test_a_price_is_a_decimal_string(self, api: Api) -> None:
        """base_price "149.99" is taken and answered as "149.99"."""
        body = {"code": "TINT", "name": "Tint", "name_fr": "Teinte", "base_price": "149.99"}
        response = await api.client.post("/api/services", headers=api.admin, json=body)
        assert (201, "149.99") == (response.status_code, response.json()["base_price"])


# --- 11. admin lists in pages ----------------------------------------------------------------


async def walk(api: Api, kind: str, limit: int, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await api.client.get(f"/api/{kind}", headers=api.admin, params=query)
        assert 200 == response.status_code, response.text
        body = response.json()
        assert {"items", "next_cursor"} == set(body)
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100


async def new_zone(api: Api, name: str) -> None:
    body = {"name": name, "latitude": 46.0, "longitude": -71.0}
    response = await api.client.post("/api/zones", headers=api.admin, json=body)
    assert 201 == response.status_code, response.text


class TestAdminListPages:
    @pytest.mark.parametrize("kind", KINDS)
    async def test_pages_walk_the_whole_list_once_in_order(self, api: Api, kind: str) -> None:
        """limit=2 pages, followed by next_cursor, give the whole list, in its order, once."""
        if kind == "users":  # two logins only: one more, inactive
            extra = await api.add_user("another-admin", "another-password-1", Role.ADMIN)
            await api.services.admin.update_user(extra.id, actor=ADMIN, is_active=False)
        everything = await api.client.get(
            f"/api/{kind}", headers=api.admin, params={"limit": 200, "include_inactive": "true"}
        )
        whole = [item["id"] for item in everything.json()["items"]]
        assert len(whole) >= 3
        pages = await walk(api, kind, 2, include_inactive="true")
        assert all(len(page) == 2 for page in pages[:-1])
        assert 1 <= len(pages[-1]) <= 2
        assert whole == [item for page in pages for item in page]

    async def test_the_default_page_is_50(self, mem_api: Api) -> None:
        """Without limit a page holds at most 50 rows and says where the next one starts."""
        for n in range(55):
            await new_zone(mem_api, f"Zone {n:02}")
        first = (await mem_api.client.get("/api/zones", headers=mem_api.admin)).json()
        assert 50 == len(first["items"])
        assert first["next_cursor"] is not None

    async def test_a_row_added_between_pages_neither_repeats_nor_hides_another(
        self, api: Api
    ) -> None:
        """Keyset pages: a zone created after the first page was read sorts into its place."""
        response = await api.client.get("/api/zones", headers=api.admin, params={"limit": 1})
        first = response.json()
        await new_zone(api, "AAA first of all")
        rest = await walk(api, "zones", 200, cursor=first["next_cursor"])
        seen = first["items"][0]["id"], *(i for page in rest for i in page)
        assert len(seen) == len(set(seen))

    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize(
        ("name", "value"), [("limit", "-1"), ("limit", "0"), ("limit", "201"), ("cursor", "abc")]
    )
    async def test_invalid_paging_is_422_naming_the_parameter(
        self, mem_api: Api, kind: str, name: str, value: str
    ) -> None:
        """limit=-1 or cursor=abc is refused, never answered with everything."""
        response = await mem_api.client.get(
            f"/api/{kind}", headers=mem_api.admin, params={name: value}
        )
        assert name in param_names(assert_problem(response, 422))

    async def test_a_cursor_of_another_list_is_no_cursor_for_this_one(self, mem_api: Api) -> None:
        """The board's cursor is refused by a reference list (422), not misread."""
        await mem_api.job()
        await mem_api.job()
        board = await mem_api.client.get("/api/jobs", headers=mem_api.admin, params={"limit": 1})
        cursor = board.json()["next_cursor"]
        response = await mem_api.client.get(
            "/api/zones", headers=mem_api.admin, params={"cursor": cursor}
        )
        assert "cursor" in param_names(assert_problem(response, 422))


# --- 12. dates on the board ------------------------------------------------------------------


class TestBoardDates:
    @pytest.mark.parametrize("value", ["-1", "1e3", "null", "0", "yesterday", "2026-02-30"])
    @pytest.mark.parametrize("name", ["created_after", "created_before"])
    async def test_what_is_no_iso_8601_date_is_422_naming_it(
        self, mem_api: Api, name: str, value: str
    ) -> None:
        """-1, 1e3 and null are no dates."""
        response = await mem_api.client.get(
            "/api/jobs", headers=mem_api.admin, params={name: value}
        )
        assert name in param_names(assert_problem(response, 422))

    @pytest.mark.parametrize(
        "value",
        ["2026-01-01", "2026-01-01T08:30:00Z", "2026-01-01T08:30:00-05:00", "2026-01-01T08:30"],
    )
    async def test_iso_8601_dates_and_date_times_are_taken(self, mem_api: Api, value: str) -> None:
        response = await mem_api.client.get(
            "/api/jobs", headers=mem_api.admin, params={"created_after": value}
        )
        assert 200 == response.status_code, response.text

    async def test_a_date_means_its_start_in_utc(self, api: Api) -> None:
        """created_after=<today> keeps a job of today; created_before=<today> drops it, and
        created_before=<tomorrow> keeps it."""
        job = await api.job()
        created = datetime.fromisoformat((await api.get_job(job.id))["created_at"])
        today = created.astimezone(UTC).date()

        async def codes(**params: str) -> set[str]:
            response = await api.client.get("/api/jobs", headers=api.admin, params=params)
            assert 200 == response.status_code, response.text
            return {j["job_code"] for j in response.json()["items"]}

        assert job.job_code in await codes(created_after=today.isoformat())
        assert job.job_code not in await codes(created_before=today.isoformat())
        tomorrow = (today + timedelta(days=1)).isoformat()
        assert job.job_code in await codes(created_before=tomorrow)
        assert job.job_code not in await codes(created_after=tomorrow)


# --- 13. SSE: reset when Last-Event-ID cannot be resumed -----------------------------------


def stream(api: Api, last_event_id: str | None = None, query: str = "") -> Any:
    headers = {**api.admin, **({"Last-Event-ID": last_event_id} if last_event_id else {})}
    return open_stream(api.app, "/api/events", headers, query)


async def first_event(events: Stream) -> Any:
    assert 200 == events.status
    assert "connected" == (await events.next()).comment
    return await events.event()


class TestEventStreamReset:
    async def _history(self, api: Api, jobs: int = 3) -> int:
        for _ in range(jobs):
            await api.job()
        feed = api.system.events if api.kind == "postgres" else api.system.bus
        last: int = await feed.last_id()
        return last

    async def test_an_id_beyond_the_last_event_gets_a_reset(self, api: Api) -> None:
        """Last-Event-ID past the newest event: a reset event, not the whole history again."""
        last = await self._history(api)
        async with stream(api, str(last + 1000)) as events:
            reset = await first_event(events)
            with pytest.raises(TimeoutError):
                await events.event(within=0.5)  # and no replay after it
        assert "reset" == reset.event
        assert str(last) == reset.id  # a browser that only reconnects resumes from here
        assert "reload" in json.loads(reset.data or "{}")["reason"]

    @pytest.mark.parametrize("garbage", ["abc", "-3", "1e3", "٣"])
    async def test_an_id_that_is_no_event_id_gets_a_reset(self, mem_api: Api, garbage: str) -> None:
        await self._history(mem_api, 1)
        async with stream(mem_api, garbage) as events:
            assert "reset" == (await first_event(events)).event

    async def test_the_query_parameter_beyond_the_last_event_gets_a_reset(
        self, mem_api: Api
    ) -> None:
        last = await self._history(mem_api, 1)
        async with stream(mem_api, query=f"last_event_id={last + 5}") as events:
            assert "reset" == (await first_event(events)).event

    @pytest.mark.postgres
    async def test_an_id_older_than_what_is_kept_gets_a_reset(self, pg_api: Api) -> None:
        """Events cleaned out of the log: a client that last saw one of them is reset."""
        await self._history(pg_api, 3)
        with psycopg.connect(pg_api.system.database_url, autocommit=True) as conn:
            row = conn.execute("SELECT min(id), max(id) FROM events").fetchone()
            assert row is not None
            oldest, newest = row
            conn.execute("DELETE FROM events WHERE id < %s", (newest,))
        async with stream(pg_api, str(oldest)) as events:
            assert "reset" == (await first_event(events)).event
        # The event still kept resumes as before.
        await pg_api.job()
        async with stream(pg_api, str(newest)) as events:
            assert "job.created" == (await first_event(events)).event

    async def test_more_missed_than_a_replay_sends_gets_a_reset(
        self, api: Api, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Missing more events than a replay carries is reported, not cut short silently."""
        monkeypatch.setattr(events_route, "REPLAY_LIMIT", 2)
        await self._history(api, 1)
        seen = await self._history(api, 0)
        await self._history(api, 3)
        # On PostgreSQL an event is read once no older transaction is running on the server
        # (another test run's, say): wait until the three are readable.
        feed = api.system.events if api.kind == "postgres" else api.system.bus
        async with asyncio.timeout(15):
            while len(await feed.read_after(seen, limit=10)) < 3:  # noqa: ASYNC110 (polled)
                await asyncio.sleep(0.1)
        async with stream(api, str(seen)) as events:
            assert "reset" == (await first_event(events)).event

    async def test_a_resumable_id_still_replays(self, api: Api) -> None:
        """The ordinary case is unchanged: the events after Last-Event-ID come first."""
        seen = await self._history(api, 1)
        job = await api.job()
        async with stream(api, str(seen)) as events:
            replayed = await first_event(events)
        assert "job.created" == replayed.event
        assert job.job_code == json.loads(replayed.data or "{}")["job_code"]

    def test_the_board_reloads_on_reset(self) -> None:
        """The portal's script listens for reset and reloads the page."""
        from sm2_web.portal.render import STATIC_DIR

        script = (STATIC_DIR / "portal.js").read_text()
        handler = re.search(r'addEventListener\("reset",(.*?)\}\);', script, re.S)
        assert handler is not None
        assert "window.location.reload()" in handler.group(1)


# --- 14. the OpenAPI document and what is really answered -----------------------------------


def full_app() -> Litestar:
    """The app as ``sm2 serve`` builds it, QuickBooks endpoints included (not configured)."""
    system = build_memory_system(parser=ScriptedParser(), clock=wall_clock())
    return create_app(
        system.services,
        config=WEB,
        clock=system.clock,
        limiter=MemoryRateLimiter(system.clock),
        events_feed=system.bus,
        health_probe=MemoryHealth(),
        extra_handlers=QUICKBOOKS_HANDLERS,
    )


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with TestClient(full_app()) as client:
        response = client.get("/schema/openapi.json")
    assert 200 == response.status_code
    return json.loads(response.text)  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


class TestTheDocument:
    def test_every_4xx_answer_is_documented_as_a_problem_document(
        self, doc: dict[str, Any]
    ) -> None:
        """No 4xx is documented as plain JSON (Litestar's own 400 entry included)."""
        wrong = [
            f"{method.upper()} {path} {status}: {list(response.get('content', {}))}"
            for method, path, op in operations(doc)
            for status, response in op["responses"].items()
            if status.startswith("4") and list(response.get("content", {})) != [PROBLEM]
        ]
        assert [] == wrong

    def test_every_operation_with_input_documents_the_400(self, doc: dict[str, Any]) -> None:
        missing = [
            f"{method.upper()} {path}"
            for method, path, op in operations(doc)
            if (op.get("parameters") or op.get("requestBody")) and "400" not in op["responses"]
        ]
        assert [] == missing

    def test_the_quickbooks_endpoints_document_401_and_503(self, doc: dict[str, Any]) -> None:
        quickbooks = [
            (method, path, op)
            for method, path, op in operations(doc)
            if path.startswith("/api/integrations/quickbooks")
        ]
        assert len(quickbooks) == 4
        for method, path, op in quickbooks:
            wanted = {"503"} if path.endswith("/callback") else {"401", "503"}
            assert wanted <= set(op["responses"]), f"{method} {path}"
            for status in wanted:
                assert PROBLEM in op["responses"][status]["content"]

    def test_admin_lists_document_limit_and_cursor(self, doc: dict[str, Any]) -> None:
        for kind in KINDS:
            params = {p["name"]: p for p in doc["paths"][f"/api/{kind}"]["get"]["parameters"]}
            assert (1, 200, 50) == (
                params["limit"]["schema"]["minimum"],
                params["limit"]["schema"]["maximum"],
                params["limit"]["schema"]["default"],
            )
            assert "cursor" in params

    def test_board_dates_are_documented_as_dates_or_date_times(self, doc: dict[str, Any]) -> None:
        params = {p["name"]: p for p in doc["paths"]["/api/jobs"]["get"]["parameters"]}
        for name in ("created_after", "created_before"):
            formats = {s.get("format") for s in params[name]["schema"]["anyOf"]}
            assert {"date", "date-time"} == formats

    def test_a_price_is_documented_as_a_decimal_string(self, doc: dict[str, Any]) -> None:
        price = doc["components"]["schemas"]["ServiceIn"]["properties"]["base_price"]
        assert ("string", True) == (price["type"], bool(price.get("pattern")))


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("DELETE", "/api/zones", {"GET", "POST"}),
            ("PUT", "/api/jobs", {"GET"}),
            ("TRACE", "/api/auth/login", {"POST"}),
            ("DELETE", "/api/zones/00000000-0000-0000-0000-000000000001", {"GET", "PATCH"}),
        ],
    )
    async def test_a_405_names_the_allowed_methods(
        self, mem_api: Api, method: str, path: str, allowed: set[str]
    ) -> None:
        response = await mem_api.client.request(method, path, headers=mem_api.admin)
        assert_problem(response, 405)
        sent = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed <= sent

    @pytest.mark.parametrize(
        ("path", "allowed"),
        [
            ("/api/zones", {"GET", "POST", "OPTIONS"}),
            ("/api/jobs/00000000-0000-0000-0000-000000000001", {"GET", "PATCH", "OPTIONS"}),
            ("/api/users/00000000-0000-0000-0000-000000000001", {"GET", "PATCH", "OPTIONS"}),
        ],
    )
    async def test_options_names_every_method_of_the_path(
        self, mem_api: Api, path: str, allowed: set[str]
    ) -> None:
        """OPTIONS lists exactly what the path allows (Litestar's own answer missed some)."""
        response = await mem_api.client.options(path)
        assert 204 == response.status_code
        assert allowed == {m.strip() for m in response.headers["allow"].split(",")}


class TestDocumentationPage:
    async def test_the_page_loads_nothing_from_elsewhere_and_runs_no_inline_script(self) -> None:
        """/schema is served under the app's own CSP: same-origin files only, nothing inline."""
        async with client_for(bare_app()) as client:
            page = await client.get("/schema")
            assert 200 == page.status_code
            assert "default-src 'self'" in page.headers["content-security-policy"]
            html = page.text
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
            assert "<style" not in html
            urls = re.findall(r'(?:src|href)="([^"]+)"', html)
            assert urls
            assert [] == [u for u in urls if not u.startswith("/")]
            for url in urls:
                assert 200 == (await client.get(url)).status_code, url

    async def test_the_stylesheet_draws_its_icons_from_the_app(self) -> None:
        """Swagger UI's data: icons, which the CSP refuses, are files of the app's."""
        async with client_for(bare_app()) as client:
            html = (await client.get("/schema")).text
            css_url = re.findall(r'href="([^"]+swagger-ui\.css[^"]*)"', html)[0]
            css = (await client.get(css_url)).text
            icons = re.findall(r'url\("(icons/[^"]+)"\)', css)
            assert icons
            assert "data:image/svg" not in css
            base = css_url.rsplit("/", 1)[0]
            for icon in set(icons):
                answer = await client.get(f"{base}/{icon}")
                assert (200, "image/svg+xml") == (
                    answer.status_code,
                    answer.headers["content-type"].split(";")[0],
                )
