"""What the API tests share: the seeded app with its logins, a scripted parser, small helpers."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import attrs
import httpx
import pytest

from sm2_adapters.memory.fakes import ManualClock
from sm2_adapters.security import Argon2Hasher
from sm2_adapters.seed import seed_demo
from sm2_core.domain.entities import User
from sm2_core.domain.enums import Language, Role, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.parsing import ParsedRequest, ParseResult
from sm2_web.auth import issue_token
from sm2_web.config import WebConfig

ADMIN = Actor(name="test", role=Role.ADMIN)
ADMIN_NAME, ADMIN_PASSWORD = "boss", "boss-password-1"
TECH_NAME, TECH_PASSWORD = "marc", "marc-password-1"
PROBLEM = "application/problem+json"

AUDI = "+14185550101"  # Audi Québec, flagged for audit, Sainte-Foy
FORD = "+14185550102"  # Ford Lévis
TOYOTA = "+14185550103"  # Toyota Sainte-Foy
MAZDA = "+14185550108"  # Mazda Saint-Georges, about 80 km from Sainte-Foy
MARC = "Marc-André Gagnon"  # KEY_PROGRAMMING, Sainte-Foy: the tech login's technician
JULIE = "Julie Tremblay"  # OIL_CHANGE, PDI ... in Lévis; no KEY_PROGRAMMING
NATHALIE = "Nathalie Roy"  # KEY_PROGRAMMING but ON_LEAVE
RAV4 = Vehicle(year=2022, make="Toyota", model="RAV4")


#: The two backends every behaviour runs on; the PostgreSQL one carries the ``postgres`` mark.
BACKENDS = ["memory", pytest.param("postgres", marks=pytest.mark.postgres)]


def wall_clock() -> ManualClock:
    """A manual clock that starts at the real time (access tokens are checked against it)."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


def parse_result(*requests: ParsedRequest, confidence: float = 0.95) -> ParseResult:
    return ParseResult(
        requests=requests,
        confidence=confidence,
        language=Language.EN,
        parser="scripted",
        urgency=Urgency.MEDIUM,
    )


class ScriptedParser:
    """Reads what a test told it to; any other body asks for no work."""

    def __init__(self) -> None:
        self.script: dict[str, ParseResult] = {}

    def reads(self, body: str, *requests: ParsedRequest) -> str:
        self.script[body] = parse_result(*requests)
        return body

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        return self.script.get(body, parse_result())


@functools.cache
def argon2_hash(password: str) -> str:
    return Argon2Hasher().hash(password)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@attrs.define
class Api:
    """The app under test, its services and what a test needs to talk to it."""

    kind: str
    app: Any
    services: Any
    system: Any
    run: Callable[[], Awaitable[Any]]
    """Run the queued tasks, as a worker would."""
    config: WebConfig
    """What the app was built with (its tokens are signed with ``config.jwt_secret``)."""
    parser: ScriptedParser | None = None
    """The memory system's parser; PostgreSQL's is the offline one."""
    shutdown_errors: list[BaseException] = attrs.Factory(list)
    client: httpx.AsyncClient = attrs.field(init=False)
    admin_user: User = attrs.field(init=False)
    tech_user: User = attrs.field(init=False)
    admin: dict[str, str] = attrs.field(init=False)
    """Headers of the admin login."""
    tech: dict[str, str] = attrs.field(init=False)
    """Headers of the technician login (Marc-André Gagnon)."""
    dealers: dict[str, UUID] = attrs.field(init=False)
    techs: dict[str, UUID] = attrs.field(init=False)
    zones: dict[str, UUID] = attrs.field(init=False)

    async def setup(self, client: httpx.AsyncClient) -> None:
        self.client = client
        await seed_demo(self.services)
        admin = self.services.admin
        self.dealers = {d.phone: d.id for d in await admin.all("dealerships")}
        techs = await admin.all("technicians", include_inactive=True)
        self.techs = {t.name: t.id for t in techs}
        self.zones = {z.name: z.id for z in await admin.all("zones")}
        self.admin_user = await self.add_user(ADMIN_NAME, ADMIN_PASSWORD, Role.ADMIN)
        self.tech_user = await self.add_user(TECH_NAME, TECH_PASSWORD, Role.TECH, self.techs[MARC])
        self.admin = bearer(self.token(self.admin_user))
        self.tech = bearer(self.token(self.tech_user))

    @property
    def clock(self) -> Any:
        return self.system.clock

    async def add_user(
        self, username: str, password: str, role: Role, technician_id: UUID | None = None
    ) -> User:
        """On memory through the admin service; on PostgreSQL with an argon2 hash made once per
        password (hashing takes ~0.4 s here, twice per test otherwise)."""
        if self.kind == "memory":
            return await self.services.admin.create_user(  # type: ignore[no-any-return]
                username=username,
                role=role,
                password=password,
                actor=ADMIN,
                technician_id=technician_id,
            )
        user = User(
            id=uuid4(),
            username=username,
            role=role,
            password_hash=argon2_hash(password),
            technician_id=technician_id,
        )
        async with self.system.uow() as uow:
            await uow.users.add(user)
        return user

    def token(self, user: User) -> str:
        return issue_token(user, config=self.config, clock=self.clock)[0]

    async def job(
        self, dealer: str = TOYOTA, service: str | None = "KEY_PROGRAMMING", vehicle: Vehicle = RAV4
    ) -> Job:
        """A new PENDING job typed in by an admin."""
        return await self.services.intake.create_job(
            dealership_id=self.dealers[dealer], service_code=service, vehicle=vehicle, actor=ADMIN
        )

    async def get_job(self, job_id: UUID) -> dict[str, Any]:
        response = await self.client.get(f"/api/jobs/{job_id}", headers=self.admin)
        assert 200 == response.status_code, response.text
        return response.json()  # type: ignore[no-any-return]

    async def assign(self, job_id: UUID, tech: str = MARC) -> httpx.Response:
        version = (await self.get_job(job_id))["version"]
        return await self.client.patch(
            f"/api/jobs/{job_id}",
            headers={**self.admin, "If-Match": str(version)},
            json={"tech_id": str(self.techs[tech])},
        )

    async def scheduled(self, dealer: str = TOYOTA, tech: str = MARC, **kw: Any) -> Job:
        """A job assigned to ``tech`` (SCHEDULED)."""
        job = await self.job(dealer, **kw)
        response = await self.assign(job.id, tech)
        assert 200 == response.status_code, response.text
        return job

    async def in_progress(self, dealer: str = TOYOTA) -> Job:
        """A job of the tech login's, accepted (IN_PROGRESS)."""
        job = await self.scheduled(dealer)
        response = await self.client.post(
            f"/api/technician/jobs/{job.id}/accept", headers=self.tech
        )
        assert 200 == response.status_code, response.text
        return job

    async def completed(self, dealer: str = TOYOTA) -> Job:
        job = await self.in_progress(dealer)
        response = await self.client.post(
            f"/api/technician/jobs/{job.id}/complete",
            headers=self.tech,
            json={"notes": "Two keys programmed", "labour_minutes": 45},
        )
        assert 200 == response.status_code, response.text
        return job


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem document with this status; returns its body."""
    assert status == response.status_code, response.text
    assert PROBLEM == response.headers["content-type"].split(";")[0]
    body: dict[str, Any] = response.json()
    assert status == body["status"]
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert body["title"]
    return body


def param_names(body: dict[str, Any]) -> set[str]:
    return {p["name"] for p in body.get("invalid_params", [])}
