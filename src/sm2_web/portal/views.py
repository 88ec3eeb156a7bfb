"""What pages show beside a job: names for ids, a VIN's decoded facts, form values as types.

Reading only: every decision stays in the services, these just shape what they return.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import attrs

from sm2_core.domain.entities import Dealership, Service, Technician, Zone
from sm2_core.domain.enums import ReferenceKind
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.vin import Vin
from sm2_core.errors import InvalidInput
from sm2_core.services import Services

E = TypeVar("E", bound=Enum)


@attrs.frozen
class Lookups:
    """Reference data by id, inactive rows included: old jobs still name them."""

    dealerships: dict[UUID, Dealership]
    technicians: dict[UUID, Technician]
    services: dict[UUID, Service]
    services_by_code: dict[str, Service]
    zones: dict[UUID, Zone]

    @classmethod
    async def load(cls, services: Services) -> Lookups:
        admin = services.admin
        svc = await admin.all(ReferenceKind.SERVICES, include_inactive=True)
        dealers = await admin.all(ReferenceKind.DEALERSHIPS, include_inactive=True)
        techs = await admin.all(ReferenceKind.TECHNICIANS, include_inactive=True)
        zones = await admin.all(ReferenceKind.ZONES, include_inactive=True)
        return cls(
            dealerships={d.id: d for d in dealers},
            technicians={t.id: t for t in techs},
            services={s.id: s for s in svc},
            services_by_code={s.code: s for s in svc},
            zones={z.id: z for z in zones},
        )

    def dealership_name(self, job: Job) -> str:
        found = self.dealerships.get(job.dealership_id)
        return found.name if found else "?"

    def technician_name(self, tech_id: UUID | str | None) -> str:
        """By id, or by the id as text that audit entries keep."""
        found = self.technicians.get(UUID(str(tech_id))) if tech_id else None
        return found.name if found else ""

    def zone_name(self, zone_id: UUID | None) -> str:
        found = self.zones.get(zone_id) if zone_id else None
        return found.name if found else ""

    def service(self, job: Job) -> Service | None:
        if job.service_id and job.service_id in self.services:
            return self.services[job.service_id]
        return self.services_by_code.get(job.service_code or "")

    def service_name(self, job: Job, lang: str) -> str:
        found = self.service(job)
        if found is None:
            return job.service_code or ""
        return found.name_fr if lang == "fr" else found.name


@attrs.frozen
class VinFacts:
    value: str
    valid: bool
    make: str | None = None
    model_year: int | None = None
    wmi: str | None = None
    problem: str | None = None


def vin_facts(vin: str | None) -> VinFacts | None:
    """What the VIN itself says (maker, model year, WMI), or why it is not a valid VIN."""
    if not vin:
        return None
    try:
        parsed = Vin.parse(vin)
    except InvalidInput as exc:
        return VinFacts(value=vin, valid=False, problem=exc.message)
    return VinFacts(
        value=parsed.value,
        valid=True,
        make=parsed.make,
        model_year=parsed.model_year,
        wmi=parsed.wmi,
    )


# --- form values -----------------------------------------------------------------------------


def text(form: Mapping[str, Any], name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


def required(form: Mapping[str, Any], name: str) -> str:
    value = text(form, name)
    if value is None:
        raise InvalidInput(f"{name} is required", fields={name: "required"})
    return value


def integer(form: Mapping[str, Any], name: str) -> int | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            f"{name} must be a whole number", fields={name: "not a number"}
        ) from None


def required_int(form: Mapping[str, Any], name: str) -> int:
    found = integer(form, name)
    if found is None:
        raise InvalidInput(f"{name} is required", fields={name: "required"})
    return found


def decimal(form: Mapping[str, Any], name: str) -> Decimal | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation:
        raise InvalidInput(f"{name} must be a number", fields={name: "not a number"}) from None


def uuid(form: Mapping[str, Any], name: str) -> UUID | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput(f"{name} is not a valid choice", fields={name: "unknown"}) from None


def required_uuid(form: Mapping[str, Any], name: str) -> UUID:
    found = uuid(form, name)
    if found is None:
        raise InvalidInput(f"{name} is required", fields={name: "required"})
    return found


def choice(kind: type[E], form: Mapping[str, Any], name: str) -> E | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(f"{name} is not a valid choice", fields={name: "unknown"}) from None


def vehicle(form: Mapping[str, Any]) -> Vehicle:
    vin = text(form, "vin")
    return Vehicle(
        year=integer(form, "year"),
        make=text(form, "make"),
        model=text(form, "model"),
        vin=vin.replace(" ", "").upper() if vin else None,
        stock_no=text(form, "stock_no"),
    )
