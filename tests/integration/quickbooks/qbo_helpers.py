"""Shared by the QuickBooks tests: settings for the fake, a billing harness on real services."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import attrs
from fake_intuit import FakeIntuit

from sm2_adapters.bootstrap import build_services
from sm2_adapters.memory import FastPasswordHasher, MemoryTaskQueue, RecordingSmsSender
from sm2_adapters.memory.fakes import ManualClock
from sm2_adapters.quickbooks import QuickBooksIntegration
from sm2_adapters.seed import seed_demo
from sm2_adapters.settings import Settings
from sm2_core.domain.entities import Dealership, Service, Technician
from sm2_core.domain.enums import Language, Role
from sm2_core.domain.job import Completion, Job, Vehicle
from sm2_core.domain.records import Actor
from sm2_core.domain.vin import check_digit
from sm2_core.parsing import ParseResult
from sm2_core.ports import AccountingGateway, InvoiceStatusSource, UnitOfWorkFactory
from sm2_core.services import Services

CLIENT_ID = "ABqboTestClientId0001"
CLIENT_SECRET = "qbo-test-client-secret"
SECRET_KEY = "a test SM2_SECRET_KEY, any string will do"
ADMIN = Actor(name="admin:alice", role=Role.ADMIN)
LEVIS = "Centre de l'Auto Lévis"


def qbo_settings(intuit: FakeIntuit, data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        secret_key=SECRET_KEY,
        qbo_client_id=CLIENT_ID,
        qbo_client_secret=CLIENT_SECRET,
        qbo_redirect_uri="http://127.0.0.1:8000/api/integrations/quickbooks/callback",
        qbo_api_url=intuit.api_url,
        qbo_discovery_url=intuit.discovery_url,
    )


def vin(first_sixteen: str) -> str:
    draft = first_sixteen[:8] + "0" + first_sixteen[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


F150 = Vehicle(year=2024, make="Ford", model="F-150", vin=vin("1FTFW1E5PFA12345"))


async def connect(qbo: QuickBooksIntegration, intuit: FakeIntuit) -> None:
    """What ``sm2 quickbooks set-tokens`` does, with a refresh token the fake issued."""
    _, refresh = intuit.issue_tokens()
    await qbo.set_tokens(realm_id=intuit.realm_id, refresh_token=refresh)


class NoWorkParser:
    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        return ParseResult(requests=(), confidence=1.0, language=Language.EN, parser="scripted")


@attrs.define
class Billing:
    """The real use cases on a store, invoicing through the gateway under test."""

    services: Services
    tasks: MemoryTaskQueue
    clock: ManualClock
    dealers: dict[str, Dealership]
    techs: dict[str, Technician]
    catalog: dict[str, Service]

    @classmethod
    async def load(
        cls,
        uow: UnitOfWorkFactory,
        accounting: AccountingGateway,
        invoice_status: InvoiceStatusSource | None = None,
    ) -> Billing:
        """``invoice_status``: where payments are read back (the integration's, for payments
        tests); none by default."""
        tasks, clock = MemoryTaskQueue(), ManualClock()
        services = build_services(
            uow=uow,
            clock=clock,
            parser=NoWorkParser(),
            tasks=tasks,
            sms=RecordingSmsSender(),
            accounting=accounting,
            hasher=FastPasswordHasher(),
            invoice_status=invoice_status,
        )
        await seed_demo(services)
        admin = services.admin
        return cls(
            services=services,
            tasks=tasks,
            clock=clock,
            dealers={d.name: d for d in await admin.all("dealerships")},
            techs={t.name.split()[0]: t for t in await admin.all("technicians")},
            catalog={s.code: s for s in await admin.all("services")},
        )

    async def job(self, job_id: UUID) -> Job:
        return (await self.services.dispatch.detail(job_id)).job

    async def completed_job(
        self, dealer: str = "Ford Lévis", service: str = "OIL_CHANGE", vehicle: Vehicle = F150
    ) -> Job:
        svc = self.services
        job = await svc.intake.create_job(
            dealership_id=self.dealers[dealer].id,
            service_code=service,
            vehicle=vehicle,
            actor=ADMIN,
        )
        if job.awaiting_verification:
            job = await svc.dispatch.verify(job.id, actor=ADMIN)
        julie = self.techs["Julie"]
        tech = Actor(name="tech:julie", role=Role.TECH, technician_id=julie.id)
        await svc.dispatch.assign(job.id, julie.id, actor=ADMIN)
        await svc.field.accept(job.id, actor=tech)
        done = Completion(notes="Oil and filter changed", labour_minutes=30)
        return await svc.field.complete(job.id, done, actor=tech)

    async def approve(self, job: Job) -> Job:
        await self.services.billing.approve(job.id, actor=ADMIN)
        await self.run_tasks()
        return await self.job(job.id)

    async def run_tasks(self) -> int:
        return await self.tasks.run_all(self.services.run_task, max_attempts=3)

    async def dealer(self, name: str) -> Dealership:
        return await self.services.admin.get("dealerships", self.dealers[name].id)

    async def service(self, code: str) -> Service:
        return await self.services.admin.get("services", self.catalog[code].id)
