"""Administration: the reference data (dealerships, technicians, services, zones, rules) and logins.

Rows that history refers to are deactivated (``is_active=False``), never deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.domain.enums import Role
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import Actor, AuditEntry
from sm2_core.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from sm2_core.lifecycle import diff, plain
from sm2_core.ports import Clock, PasswordHasher, Repository, UnitOfWork, UnitOfWorkFactory

MIN_PASSWORD_LENGTH = 10


@attrs.frozen
class Kind:
    """One kind of reference data and how to find its repository in a unit of work."""

    name: str
    subject: str
    entity: type[Any]
    repo: Callable[[UnitOfWork], Repository[Any]]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("zones", "zone", Zone, lambda u: u.zones),
        Kind("services", "service", Service, lambda u: u.services),
        Kind("dealerships", "dealership", Dealership, lambda u: u.dealerships),
        Kind("technicians", "technician", Technician, lambda u: u.technicians),
        Kind("rules", "rule", RankingRule, lambda u: u.rules),
    )
}


def _kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise InvalidInput(f"unknown kind {name!r}; one of {', '.join(KINDS)}") from None


def build(kind: Kind, fields: Mapping[str, Any], *, item_id: UUID | None = None) -> Any:
    """A new entity of ``kind`` from typed fields, with every problem named."""
    known = {f.name: f for f in attrs.fields(kind.entity)}
    unknown = sorted(set(fields) - set(known) - {"id"})
    missing = sorted(
        name
        for name, f in known.items()
        if name != "id" and f.default is attrs.NOTHING and name not in fields
    )
    problems = {**dict.fromkeys(unknown, "unknown field"), **dict.fromkeys(missing, "required")}
    if problems:
        raise InvalidInput(f"invalid {kind.subject}", fields=problems)
    values = {k: v for k, v in fields.items() if k != "id"}
    return _normalized(kind.entity(id=item_id or uuid4(), **values))


def _normalized(item: Any) -> Any:
    if isinstance(item, Dealership | Technician):
        item = attrs.evolve(item, phone=normalize_phone(item.phone))
    if isinstance(item, Service):
        _check_price(item.base_price)
        item = attrs.evolve(item, code=item.code.strip().upper())
    if isinstance(item, RankingRule) and item.service_code is not None:
        item = attrs.evolve(item, service_code=item.service_code.strip().upper())
    if isinstance(item, Technician):
        item = attrs.evolve(item, skills=frozenset(s.strip().upper() for s in item.skills))
    if isinstance(item, Zone) and not (
        -90 <= item.latitude <= 90 and -180 <= item.longitude <= 180
    ):
        raise InvalidInput("coordinates out of range", fields={"latitude": "out of range"})
    return item


MAX_PRICE = Decimal("9999999999.99")


def _check_price(price: Decimal) -> None:
    """Dollars and cents: finite, not negative, at most two decimals, within the column."""
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise InvalidInput(f"{price} is not a price", fields={"base_price": "not a price"})
    if price != price.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"{price} has more than two decimals", fields={"base_price": "at most two decimals"}
        )


async def check_references(uow: UnitOfWork, item: Any) -> None:
    """Everything an entity points at must exist, or the row is refused."""
    zone_id = getattr(item, "zone_id", None)
    if zone_id is not None:
        await uow.zones.get(zone_id)
    if isinstance(item, Technician):
        codes = {s.code for s in await uow.services.all(include_inactive=True)}
        unknown = sorted(item.skills - codes)
        if unknown:
            raise InvalidInput(
                f"unknown service codes {unknown}", fields={"skills": "unknown codes"}
            )
    if isinstance(item, RankingRule):
        if item.dealership_id is not None:
            await uow.dealerships.get(item.dealership_id)
        if item.service_code is not None and await uow.services.by_code(item.service_code) is None:
            raise NotFound("service", item.service_code)


@attrs.define(kw_only=True, frozen=True)
class AdminService:
    uow: UnitOfWorkFactory
    clock: Clock
    hasher: PasswordHasher

    async def all(self, kind: str, *, include_inactive: bool = False) -> list[Any]:
        async with self.uow() as uow:
            return await _kind(kind).repo(uow).all(include_inactive=include_inactive)

    async def get(self, kind: str, item_id: UUID) -> Any:
        async with self.uow() as uow:
            return await _kind(kind).repo(uow).get(item_id)

    async def reference(self, kind: str, ref: str) -> Any:
        """A dealership or technician by its id or its phone, as people type them."""
        try:
            return await self.get(kind, UUID(ref))
        except ValueError:
            pass
        phone = normalize_phone(ref)
        async with self.uow() as uow:
            repo = uow.dealerships if kind == "dealerships" else uow.technicians
            found = await repo.by_phone(phone)
        if found is None:
            raise NotFound(kind[:-1], ref)
        return found

    async def create(self, kind: str, fields: Mapping[str, Any], *, actor: Actor) -> Any:
        _admin_only(actor)
        spec = _kind(kind)
        item = build(spec, fields)
        async with self.uow() as uow:
            await self.add_item(uow, spec, item, actor=actor)
        return item

    async def add_item(self, uow: UnitOfWork, spec: Kind, item: Any, *, actor: Actor) -> None:
        """Add inside the caller's unit of work (imports add many rows in one)."""
        await check_references(uow, item)
        await spec.repo(uow).add(item)
        await uow.audit.add(
            self.audit_entry(spec.subject, item.id, "create", actor, {}, plain(item))
        )

    async def update(
        self, kind: str, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> Any:
        _admin_only(actor)
        spec = _kind(kind)
        async with self.uow() as uow:
            repo = spec.repo(uow)
            old = await repo.get(item_id)
            fields = {**attrs.asdict(old, recurse=False), **changes}
            fields.pop("id")
            new = build(spec, fields, item_id=item_id)
            await check_references(uow, new)
            before, after = diff(old, new)
            if after:
                await repo.update(new)
                await uow.audit.add(
                    self.audit_entry(spec.subject, item_id, "update", actor, before, after)
                )
            return new

    async def history(self, kind: str, item_id: UUID) -> list[AuditEntry]:
        async with self.uow() as uow:
            return await uow.audit.for_subject(_kind(kind).subject, item_id)

    def audit_entry(
        self,
        subject: str,
        subject_id: UUID,
        action: str,
        actor: Actor,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> AuditEntry:
        return AuditEntry(
            id=uuid4(),
            subject=subject,
            subject_id=subject_id,
            action=action,
            actor=actor.name,
            at=self.clock.now(),
            old_values=old,
            new_values=new,
        )

    # --- logins -----------------------------------------------------------------------------

    async def create_user(
        self,
        *,
        username: str,
        role: Role,
        password: str,
        actor: Actor,
        technician_id: UUID | None = None,
    ) -> User:
        _admin_only(actor)
        username = _valid_username(username)
        user = User(
            id=uuid4(),
            username=username,
            role=role,
            technician_id=technician_id,
            password_hash=self.hasher.hash(_valid_password(password)),
        )
        async with self.uow() as uow:
            if technician_id is not None:
                await uow.technicians.get(technician_id)
            if await uow.users.by_username(username) is not None:
                raise AlreadyExists(f"user {username!r} already exists")
            await uow.users.add(user)
            await uow.audit.add(
                self.audit_entry(
                    "user", user.id, "create", actor, {}, {"username": username, "role": role.value}
                )
            )
        return user

    async def users(self, *, include_inactive: bool = False) -> list[User]:
        async with self.uow() as uow:
            return await uow.users.all(include_inactive=include_inactive)

    async def get_user(self, user_id: UUID) -> User:
        async with self.uow() as uow:
            return await uow.users.get(user_id)

    async def update_user(
        self,
        user_id: UUID,
        *,
        actor: Actor,
        password: str | None = None,
        is_active: bool | None = None,
    ) -> User:
        _admin_only(actor)
        async with self.uow() as uow:
            old = await uow.users.get(user_id)
            new = old
            if password is not None:
                new = attrs.evolve(new, password_hash=self.hasher.hash(_valid_password(password)))
            if is_active is not None:
                new = attrs.evolve(new, is_active=is_active)
            await uow.users.update(new)
            changed = {"password": "changed"} if password is not None else {}
            if is_active is not None:
                changed["is_active"] = str(is_active)
            await uow.audit.add(self.audit_entry("user", user_id, "update", actor, {}, changed))
            return new

    async def authenticate(self, username: str, password: str) -> User:
        """The user for these credentials; the same error whatever was wrong."""
        async with self.uow() as uow:
            user = await uow.users.by_username(username.strip().lower())
        if (
            user is None
            or not user.is_active
            or not self.hasher.verify(user.password_hash, password)
        ):
            raise AuthenticationFailed("Invalid username or password")
        return user


def _admin_only(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an admin may change reference data")


def _valid_username(username: str) -> str:
    name = username.strip().lower()
    if not (3 <= len(name) <= 64) or not all(c.isalnum() or c in "._-@" for c in name):
        raise InvalidInput(
            "a username has 3-64 letters, digits or . _ - @", fields={"username": "invalid"}
        )
    return name


def _valid_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters",
            fields={"password": "too short"},
        )
    return password
