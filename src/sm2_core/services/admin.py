"""Administration: the reference data (dealerships, technicians, services, zones, rules) and logins.

Rows that history refers to are deactivated (``is_active=False``), never deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload
from uuid import UUID, uuid4

import attrs

from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.domain.enums import JobStatus, PolicyRule, ReferenceKind, Role
from sm2_core.domain.phone import normalize_phone
from sm2_core.domain.records import Actor, AuditEntry
from sm2_core.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyViolation,
)
from sm2_core.lifecycle import diff
from sm2_core.policies import status_for_work
from sm2_core.ports import (
    Clock,
    DealershipRepository,
    PasswordHasher,
    ReferenceWatcher,
    TechnicianRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)
from sm2_core.serialize import plain
from sm2_core.services.reference import (
    DealershipKind,
    Kind,
    ReferenceEntity,
    RuleKind,
    ServiceKind,
    TechnicianKind,
    ZoneKind,
    build,
    check_references,
    kind_spec,
)

MIN_PASSWORD_LENGTH = 10
#: What the decoy hash is made of: never checked for a match, only for the time it takes.
_DECOY_PASSWORD = "sm2 decoy: no login has this password"


@attrs.define(eq=False)
class _DecoyHash:
    """A hash made once, on first use, with the service's own hasher: checking a password for a
    login that does not exist (or is switched off) against it costs what a real check costs, so
    the time of an answer does not tell which usernames exist."""

    value: str | None = None

    def get(self, hasher: PasswordHasher) -> str:
        if self.value is None:
            self.value = hasher.hash(_DECOY_PASSWORD)
        return self.value


@attrs.define(kw_only=True, frozen=True)
class AdminService:
    """Reference data by kind, and logins.

    Each method says what its kind gives back (``all(ReferenceKind.ZONES)`` is a list of
    zones); with a kind known only at run time it is a :data:`ReferenceEntity`.
    """

    uow: UnitOfWorkFactory
    clock: Clock
    hasher: PasswordHasher
    watcher: ReferenceWatcher | None = None
    """Told of each committed change (the parsers' catalog cache listens)."""
    _decoy: _DecoyHash = attrs.field(factory=_DecoyHash, init=False, repr=False, eq=False)

    @overload
    async def all(self, kind: ZoneKind, *, include_inactive: bool = ...) -> list[Zone]: ...
    @overload
    async def all(self, kind: ServiceKind, *, include_inactive: bool = ...) -> list[Service]: ...
    @overload
    async def all(
        self, kind: DealershipKind, *, include_inactive: bool = ...
    ) -> list[Dealership]: ...
    @overload
    async def all(
        self, kind: TechnicianKind, *, include_inactive: bool = ...
    ) -> list[Technician]: ...
    @overload
    async def all(self, kind: RuleKind, *, include_inactive: bool = ...) -> list[RankingRule]: ...
    @overload
    async def all(
        self, kind: ReferenceKind, *, include_inactive: bool = ...
    ) -> Sequence[ReferenceEntity]: ...
    async def all(
        self, kind: ReferenceKind, *, include_inactive: bool = False
    ) -> Sequence[ReferenceEntity]:
        spec = kind_spec(kind)
        async with self.uow() as uow:
            items: list[ReferenceEntity] = await spec.repo(uow).all(
                include_inactive=include_inactive
            )
        return items

    @overload
    async def get(self, kind: ZoneKind, item_id: UUID) -> Zone: ...
    @overload
    async def get(self, kind: ServiceKind, item_id: UUID) -> Service: ...
    @overload
    async def get(self, kind: DealershipKind, item_id: UUID) -> Dealership: ...
    @overload
    async def get(self, kind: TechnicianKind, item_id: UUID) -> Technician: ...
    @overload
    async def get(self, kind: RuleKind, item_id: UUID) -> RankingRule: ...
    @overload
    async def get(self, kind: ReferenceKind, item_id: UUID) -> ReferenceEntity: ...
    async def get(self, kind: ReferenceKind, item_id: UUID) -> ReferenceEntity:
        spec = kind_spec(kind)
        async with self.uow() as uow:
            item: ReferenceEntity = await spec.repo(uow).get(item_id)
        return item

    @overload
    async def reference(self, kind: DealershipKind, ref: str) -> Dealership: ...
    @overload
    async def reference(self, kind: TechnicianKind, ref: str) -> Technician: ...
    async def reference(
        self, kind: DealershipKind | TechnicianKind, ref: str
    ) -> Dealership | Technician:
        """A dealership or technician by its id or its phone, as people type them."""
        spec = kind_spec(kind)
        try:
            item_id: UUID | None = UUID(ref)
        except ValueError:
            item_id = None
        async with self.uow() as uow:
            repo: DealershipRepository | TechnicianRepository = (
                uow.dealerships if spec.kind is ReferenceKind.DEALERSHIPS else uow.technicians
            )
            if item_id is not None:
                return await repo.get(item_id)
            found = await repo.by_phone(normalize_phone(ref))
        if found is None:
            raise NotFound(spec.subject, ref)
        return found

    @overload
    async def create(self, kind: ZoneKind, fields: Mapping[str, Any], *, actor: Actor) -> Zone: ...
    @overload
    async def create(
        self, kind: ServiceKind, fields: Mapping[str, Any], *, actor: Actor
    ) -> Service: ...
    @overload
    async def create(
        self, kind: DealershipKind, fields: Mapping[str, Any], *, actor: Actor
    ) -> Dealership: ...
    @overload
    async def create(
        self, kind: TechnicianKind, fields: Mapping[str, Any], *, actor: Actor
    ) -> Technician: ...
    @overload
    async def create(
        self, kind: RuleKind, fields: Mapping[str, Any], *, actor: Actor
    ) -> RankingRule: ...
    @overload
    async def create(
        self, kind: ReferenceKind, fields: Mapping[str, Any], *, actor: Actor
    ) -> ReferenceEntity: ...
    async def create(
        self, kind: ReferenceKind, fields: Mapping[str, Any], *, actor: Actor
    ) -> ReferenceEntity:
        _admin_only(actor)
        spec = kind_spec(kind)
        item = build(spec, fields)
        async with self.uow() as uow:
            await self.add_item(uow, spec, item, actor=actor)
        self.changed(spec.kind)
        return item

    def changed(self, kind: ReferenceKind) -> None:
        """Call after a change of ``kind`` committed."""
        if self.watcher is not None:
            self.watcher.changed(kind)

    async def add_item(
        self, uow: UnitOfWork, spec: Kind, item: ReferenceEntity, *, actor: Actor
    ) -> None:
        """Add inside the caller's unit of work (imports add many rows in one)."""
        await check_references(uow, item)
        await spec.repo(uow).add(item)
        await uow.audit.add(
            self.audit_entry(spec.subject, item.id, "create", actor, {}, plain(item))
        )

    @overload
    async def update(
        self, kind: ZoneKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> Zone: ...
    @overload
    async def update(
        self, kind: ServiceKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> Service: ...
    @overload
    async def update(
        self, kind: DealershipKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> Dealership: ...
    @overload
    async def update(
        self, kind: TechnicianKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> Technician: ...
    @overload
    async def update(
        self, kind: RuleKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> RankingRule: ...
    @overload
    async def update(
        self, kind: ReferenceKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> ReferenceEntity: ...
    async def update(
        self, kind: ReferenceKind, item_id: UUID, changes: Mapping[str, Any], *, actor: Actor
    ) -> ReferenceEntity:
        _admin_only(actor)
        spec = kind_spec(kind)
        async with self.uow() as uow:
            repo = spec.repo(uow)
            old: ReferenceEntity = await repo.get(item_id)
            if isinstance(old, Technician):
                # Locked, as the work's own status changes lock it: neither overwrites the other.
                old = await uow.technicians.lock(item_id)
            fields = {**attrs.asdict(old, recurse=False), **changes}
            fields.pop("id")
            new = build(spec, fields, item_id=item_id)
            if isinstance(new, Technician):
                new = await _status_by_work(uow, new)
            await check_references(uow, new)
            before, after = diff(old, new)
            if after:
                await repo.update(new)
                await uow.audit.add(
                    self.audit_entry(spec.subject, item_id, "update", actor, before, after)
                )
        if after:
            self.changed(spec.kind)
        return new

    async def history(self, kind: ReferenceKind, item_id: UUID) -> list[AuditEntry]:
        subject = kind_spec(kind).subject
        async with self.uow() as uow:
            return await uow.audit.for_subject(subject, item_id)

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
        """Reset the password and/or switch the login on or off; either ends its sessions.

        An admin cannot switch off their own login, nor the last active admin (PolicyViolation).
        """
        _admin_only(actor)
        # Hashed before the row is locked: hashing takes a while by design.
        password_hash = None if password is None else self.hasher.hash(_valid_password(password))
        async with self.uow() as uow:
            old = await _lock_for_change(uow, user_id, switching_off=is_active is False)
            if is_active is False and old.is_active:
                await _check_can_switch_off(uow, old, actor)
            new = old
            if password_hash is not None:
                new = attrs.evolve(new, password_hash=password_hash)
            if is_active is not None:
                new = attrs.evolve(new, is_active=is_active)
            changed = {"password": "changed"} if password is not None else {}
            if is_active is not None:
                changed["is_active"] = str(is_active)
            if password is not None or new.is_active != old.is_active:
                new = attrs.evolve(new, session_generation=old.session_generation + 1)
                changed["sessions"] = "ended"
            await uow.users.update(new)
            await uow.audit.add(self.audit_entry("user", user_id, "update", actor, {}, changed))
            return new

    async def end_sessions(self, user_id: UUID, *, actor: Actor) -> User:
        """Every access token issued to this login stops working: the user signing out (any
        role, their own login), or an admin ending someone's sessions."""
        if actor.user_id != user_id:
            _admin_only(actor)
        async with self.uow() as uow:
            old = await uow.users.lock(user_id)
            new = attrs.evolve(old, session_generation=old.session_generation + 1)
            await uow.users.update(new)
            action = "logout" if actor.user_id == user_id else "end_sessions"
            await uow.audit.add(
                self.audit_entry("user", user_id, action, actor, {}, {"sessions": "ended"})
            )
            return new

    async def authenticate(self, username: str, password: str) -> User:
        """The user for these credentials; the same error, after the same work, whatever was
        wrong."""
        async with self.uow() as uow:
            user = await uow.users.by_username(username.strip().lower())
        if user is None or not user.is_active:
            self.hasher.verify(self._decoy.get(self.hasher), password)
            raise AuthenticationFailed("Invalid username or password")
        if not self.hasher.verify(user.password_hash, password):
            raise AuthenticationFailed("Invalid username or password")
        return user


async def _lock_for_change(uow: UnitOfWork, user_id: UUID, *, switching_off: bool) -> User:
    """The login, locked. Switching off an admin locks every active admin first, in id order,
    so two admins switched off at once cannot each leave the other as the last one."""
    if not switching_off or (await uow.users.get(user_id)).role is not Role.ADMIN:
        return await uow.users.lock(user_id)
    admins = {u.id for u in await uow.users.all() if u.role is Role.ADMIN}
    locked = {i: await uow.users.lock(i) for i in sorted(admins | {user_id})}
    return locked[user_id]


async def _check_can_switch_off(uow: UnitOfWork, user: User, actor: Actor) -> None:
    if actor.user_id == user.id:
        raise PolicyViolation(
            PolicyRule.OWN_LOGIN, "You cannot deactivate the login you are signed in with"
        )
    if user.role is Role.ADMIN:
        others = [u for u in await uow.users.all() if u.role is Role.ADMIN and u.id != user.id]
        if not others:
            raise PolicyViolation(
                PolicyRule.LAST_ADMIN,
                f"{user.username} is the last active admin: create or reactivate another first",
            )


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


async def _status_by_work(uow: UnitOfWork, technician: Technician) -> Technician:
    """An admin sets OFFLINE or ON_LEAVE as they please; AVAILABLE and BUSY are the work's to
    say (``policies.status_for_work``)."""
    working = bool(await uow.jobs.for_technician(technician.id, [JobStatus.IN_PROGRESS]))
    return attrs.evolve(technician, status=status_for_work(technician.status, working=working))
