"""The schedule: a day of every technician's jobs, for the board's Day view (admin only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType
from litestar.params import Parameter
from msgspec import Struct

from sm2_core.domain.records import Actor
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.errors import InvalidInput
from sm2_core.schedule import Block, DaySchedule, TechnicianDay
from sm2_core.services import Services
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors
from sm2_web.schemas import VehicleOut


class ScheduledJobOut(Struct, kw_only=True):
    """A job as the Day view draws it."""

    id: UUID
    job_code: str
    status: str
    urgency: str
    awaiting_verification: bool
    review_reasons: list[str]
    tech_id: UUID | None
    window_start: datetime | None
    window_end: datetime | None
    proposed_start: datetime | None
    proposed_end: datetime | None
    block_start: datetime | None
    """Where its block starts on the timeline (its window's start); null without a window."""
    block_end: datetime | None
    """Its window's end, or the start plus the service's expected duration."""
    zone_id: UUID | None
    zone: str | None
    dealership_id: UUID
    dealership: str | None
    address: str
    """The dealership's address ("" when not known)."""
    service_code: str | None
    service: str | None
    vehicle_data: VehicleOut
    version: int


class TechnicianDayOut(Struct, kw_only=True):
    id: UUID
    name: str
    zone_id: UUID | None
    status: str
    jobs: list[ScheduledJobOut]
    """The day's jobs, earliest first."""
    km_between: list[float | None]
    """Between consecutive jobs' zones, as the crow flies (null where a zone is unknown)."""
    without_window: list[ScheduledJobOut]
    """Work the technician holds that has no window yet."""


class ScheduleOut(Struct, kw_only=True):
    date: date
    timezone: str
    technicians: list[TechnicianDayOut]
    unscheduled: list[ScheduledJobOut]
    """PENDING jobs, most urgent first (as on the board)."""


_DATE = Parameter(
    description="The day, YYYY-MM-DD in the company's time zone (default: today)",
    schema_extra={"oneOf": None, "type": OpenAPIType.STRING, "format": OpenAPIFormat.DATE},
)


def parse_day(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` day (None when not given); anything else is a 422 naming ``date``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "date must be a day, YYYY-MM-DD", fields={"date": "not a YYYY-MM-DD date"}
        ) from None


def _job(day: DaySchedule, job: ScheduledJob, block: Block | None = None) -> ScheduledJobOut:
    zone = day.zones.get(job.zone_id) if job.zone_id else None
    dealership = day.dealerships.get(job.dealership_id)
    service = day.services.get(job.service_id) if job.service_id else None
    v = job.vehicle
    return ScheduledJobOut(
        id=job.id,
        job_code=job.job_code,
        status=job.status.value,
        urgency=job.urgency.value,
        awaiting_verification=job.awaiting_verification,
        review_reasons=list(job.review_reasons),
        tech_id=job.tech_id,
        window_start=job.window_start,
        window_end=job.window_end,
        proposed_start=job.proposed_start,
        proposed_end=job.proposed_end,
        block_start=block.span.start if block else None,
        block_end=block.span.end if block else None,
        zone_id=job.zone_id,
        zone=zone.name if zone else None,
        dealership_id=job.dealership_id,
        dealership=dealership.name if dealership else None,
        address=dealership.address if dealership else "",
        service_code=job.service_code,
        service=service.name if service else None,
        vehicle_data=VehicleOut(
            year=v.year, make=v.make, model=v.model, vin=v.vin, stock_no=v.stock_no
        ),
        version=job.version,
    )


def _technician(day: DaySchedule, found: TechnicianDay) -> TechnicianDayOut:
    tech = found.technician
    return TechnicianDayOut(
        id=tech.id,
        name=tech.name,
        zone_id=tech.zone_id,
        status=tech.status.value,
        jobs=[_job(day, b.job, b) for b in found.blocks],
        km_between=list(found.km_between),
        without_window=[_job(day, j) for j in found.without_window],
    )


def schedule_out(day: DaySchedule) -> ScheduleOut:
    return ScheduleOut(
        date=day.day,
        timezone=day.zone.key,
        technicians=[_technician(day, t) for t in day.technicians],
        unscheduled=[_job(day, j) for j in day.unscheduled],
    )


@document_errors
class ScheduleController(Controller):
    path = "/api/schedule"
    tags = ["jobs"]
    dependencies = {"actor": Provide(admin_actor)}
    security = [{"bearer": []}]

    @get(
        "/",
        operation_id="getSchedule",
        summary="A day of every active technician's jobs, and the PENDING jobs waiting",
    )
    async def day(
        self,
        services: Services,
        actor: Actor,
        date: Annotated[str | None, _DATE] = None,
    ) -> ScheduleOut:
        wanted = parse_day(date) or services.schedule.today()
        return schedule_out(await services.schedule.day(wanted))
