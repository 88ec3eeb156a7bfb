"""Administration of reference data and logins, on the memory system."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import attrs
import pytest
from core_helpers import ADMIN, Demo

from sm2_adapters.memory import MemorySystem
from sm2_adapters.memory.fakes import FastPasswordHasher
from sm2_core.domain.enums import PolicyRule, Role, TechnicianStatus, Urgency
from sm2_core.domain.records import Actor
from sm2_core.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PolicyViolation,
)

ZONE = {"name": "Lévis", "latitude": 46.7382, "longitude": -71.2465}
SERVICE = {
    "code": "oil_change",
    "name": "Oil change",
    "name_fr": "Huile",
    "base_price": Decimal("89.95"),
}


class TestCreate:
    async def test_created_row_is_normalised_stored_and_audited(self, system: MemorySystem) -> None:
        """A new service gets an id, an upper-case code and a create audit entry."""
        admin = system.services.admin
        service = await admin.create("services", SERVICE, actor=ADMIN)
        assert ("OIL_CHANGE", [service]) == (service.code, await admin.all("services"))
        (entry,) = await admin.history("services", service.id)
        assert ("create", "admin:alice", "OIL_CHANGE") == (
            entry.action, entry.actor, entry.new_values["code"],
        )  # fmt: skip

    async def test_phones_are_stored_in_e164(self, system: MemorySystem) -> None:
        """A dealership typed with a local number is stored as +1…"""
        dealer = await system.services.admin.create(
            "dealerships",
            {"name": "Ford Lévis", "phone": "(418) 555-0102", "email": "a@b.example"},
            actor=ADMIN,
        )
        assert "+14185550102" == dealer.phone

    async def test_missing_and_unknown_fields_are_named(self, system: MemorySystem) -> None:
        """Every problem of the row is listed, not only the first."""
        with pytest.raises(InvalidInput) as caught:
            await system.services.admin.create("zones", {"name": "X", "colour": "red"}, actor=ADMIN)
        assert {"colour": "unknown field", "latitude": "required", "longitude": "required"} == (
            caught.value.fields
        )

    @pytest.mark.parametrize(
        ("kind", "fields", "field"),
        [
            ("zones", {**ZONE, "latitude": 123.0}, "latitude"),
            ("services", {**SERVICE, "base_price": Decimal("-1")}, "base_price"),
            ("dealerships", {"name": "X", "phone": "not a phone", "email": "x@y"}, "phone"),
        ],
    )
    async def test_impossible_values_are_refused(
        self, system: MemorySystem, kind: str, fields: dict[str, object], field: str
    ) -> None:
        """Coordinates off the globe, negative prices and non-numbers are refused."""
        with pytest.raises(InvalidInput) as caught:
            await system.services.admin.create(kind, fields, actor=ADMIN)
        assert [field] == list(caught.value.fields)
        assert [] == await system.services.admin.all(kind, include_inactive=True)

    async def test_unknown_kind(self, system: MemorySystem) -> None:
        """Only the five kinds of reference data exist."""
        with pytest.raises(InvalidInput):
            await system.services.admin.create("spaceships", {}, actor=ADMIN)

    async def test_technician_cannot_change_reference_data(self, demo: Demo) -> None:
        """Reference data is for admins."""
        with pytest.raises(PermissionDenied):
            await demo.svc.admin.create("zones", ZONE, actor=demo.as_tech("Julie"))


class TestUniqueness:
    async def test_same_zone_name_is_refused(self, system: MemorySystem) -> None:
        """Zone names are unique, whatever the case."""
        await system.services.admin.create("zones", ZONE, actor=ADMIN)
        with pytest.raises(AlreadyExists):
            await system.services.admin.create("zones", {**ZONE, "name": "LÉVIS"}, actor=ADMIN)

    async def test_same_dealership_phone_in_another_format_is_refused(self, demo: Demo) -> None:
        """Two dealerships cannot share a sender number, however it is typed."""
        with pytest.raises(AlreadyExists):
            await demo.svc.admin.create(
                "dealerships",
                {"name": "Copy", "phone": "418-555-0102", "email": "c@d.example"},
                actor=ADMIN,
            )

    async def test_same_service_code_is_refused(self, system: MemorySystem) -> None:
        """Service codes are unique once upper-cased."""
        await system.services.admin.create("services", SERVICE, actor=ADMIN)
        with pytest.raises(AlreadyExists):
            await system.services.admin.create("services", {**SERVICE, "name": "x"}, actor=ADMIN)

    async def test_update_into_a_duplicate_is_refused(self, demo: Demo) -> None:
        """Changing a technician's phone to a colleague's is refused and changes nothing."""
        julie, karim = demo.techs["Julie"], demo.techs["Karim"]
        with pytest.raises(AlreadyExists):
            await demo.svc.admin.update(
                "technicians", julie.id, {"phone": karim.phone}, actor=ADMIN
            )
        assert julie == await demo.svc.admin.get("technicians", julie.id)


class TestReferences:
    async def test_unknown_zone_is_invalid(self, system: MemorySystem) -> None:
        """A dealership in a zone that does not exist is refused, naming the field (the
        dealership is not what was not found)."""
        with pytest.raises(InvalidInput) as caught:
            await system.services.admin.create(
                "dealerships",
                {"name": "X", "phone": "+14185550111", "email": "x@y", "zone_id": uuid4()},
                actor=ADMIN,
            )
        assert {"zone_id": "not found"} == caught.value.fields

    async def test_unknown_skill_is_invalid(self, demo: Demo) -> None:
        """A technician certified for a service the catalog lacks is refused."""
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.admin.create(
                "technicians",
                {"name": "New", "phone": "+14185550299", "zone_id": None,
                 "skills": frozenset({"OIL_CHANGE", "TELEPORT"})},
                actor=ADMIN,
            )  # fmt: skip
        assert ["skills"] == list(caught.value.fields)

    async def test_rule_for_unknown_dealership_or_service(self, demo: Demo) -> None:
        """A ranking rule must point at a real dealership and a real service."""
        rule = {"description": "r", "target_urgency": Urgency.HIGH}
        with pytest.raises(InvalidInput) as dealer:
            await demo.svc.admin.create("rules", {**rule, "dealership_id": uuid4()}, actor=ADMIN)
        with pytest.raises(InvalidInput) as service:
            await demo.svc.admin.create("rules", {**rule, "service_code": "NOPE"}, actor=ADMIN)
        assert ({"dealership_id": "not found"}, {"service_code": "not found"}) == (
            dealer.value.fields,
            service.value.fields,
        )

    async def test_rule_service_code_matches_whatever_its_case(self, demo: Demo) -> None:
        """A rule typed with "brake_service" applies to BRAKE_SERVICE jobs, as it was accepted."""
        await demo.svc.admin.create(
            "rules",
            {"description": "Brakes first", "service_code": "brake_service",
             "target_urgency": Urgency.CRITICAL, "ranking_score": 7},
            actor=ADMIN,
        )  # fmt: skip
        job = await demo.new_job(service="BRAKE_SERVICE")
        assert (Urgency.CRITICAL, 7, ("Brakes first",)) == (
            job.urgency, job.ranking_score, job.applied_rules,
        )  # fmt: skip

    async def test_skills_are_catalog_codes_whatever_their_case(self, demo: Demo) -> None:
        """Skills typed "oil_change" name the catalog's OIL_CHANGE, as service codes do."""
        tech = await demo.svc.admin.create(
            "technicians",
            {"name": "New", "phone": "+14185550299", "zone_id": None,
             "skills": frozenset({"oil_change"})},
            actor=ADMIN,
        )  # fmt: skip
        assert tech.is_certified_for("OIL_CHANGE")

    async def test_rule_without_any_criterion_is_invalid(self, demo: Demo) -> None:
        """A rule matching every job is refused."""
        with pytest.raises(InvalidInput):
            await demo.svc.admin.create(
                "rules", {"description": "all", "ranking_score": 99}, actor=ADMIN
            )


class TestUpdateAndDeactivate:
    async def test_update_is_audited_with_before_and_after(self, demo: Demo) -> None:
        """Only the changed fields are recorded, old and new."""
        julie = demo.techs["Julie"]
        await demo.svc.admin.update(
            "technicians", julie.id, {"status": TechnicianStatus.OFFLINE}, actor=ADMIN
        )
        entry = (await demo.svc.admin.history("technicians", julie.id))[-1]
        assert ("update", {"status": "AVAILABLE"}, {"status": "OFFLINE"}) == (
            entry.action, entry.old_values, entry.new_values,
        )  # fmt: skip

    async def test_busy_and_available_are_the_work_s_to_say(self, demo: Demo) -> None:
        """An admin typing BUSY for an idle technician changes nothing: the work decides."""
        julie = demo.techs["Julie"]
        saved = await demo.svc.admin.update(
            "technicians", julie.id, {"status": TechnicianStatus.BUSY}, actor=ADMIN
        )
        assert TechnicianStatus.AVAILABLE == saved.status

    async def test_update_changing_nothing_is_not_audited(self, demo: Demo) -> None:
        """Saving a row unchanged adds no noise to its history."""
        julie = demo.techs["Julie"]
        before = await demo.svc.admin.history("technicians", julie.id)
        await demo.svc.admin.update("technicians", julie.id, {"name": julie.name}, actor=ADMIN)
        assert before == await demo.svc.admin.history("technicians", julie.id)

    async def test_deactivated_rows_leave_the_lists_but_stay_readable(self, demo: Demo) -> None:
        """Deactivation hides a row from lists; history and direct reads still find it."""
        oil = demo.services["OIL_CHANGE"]
        await demo.svc.admin.update("services", oil.id, {"is_active": False}, actor=ADMIN)
        assert oil.id not in {s.id for s in await demo.svc.admin.all("services")}
        assert oil.id in {s.id for s in await demo.svc.admin.all("services", include_inactive=True)}
        assert not (await demo.svc.admin.get("services", oil.id)).is_active

    async def test_deactivated_service_cannot_be_used_for_new_jobs(self, demo: Demo) -> None:
        """A service taken out of the catalog is not found for new work."""
        oil = demo.services["OIL_CHANGE"]
        await demo.svc.admin.update("services", oil.id, {"is_active": False}, actor=ADMIN)
        with pytest.raises(NotFound):
            await demo.new_job(service="OIL_CHANGE")

    async def test_unknown_row(self, system: MemorySystem) -> None:
        """Updating a row that does not exist is NotFound."""
        with pytest.raises(NotFound):
            await system.services.admin.update("zones", uuid4(), {"name": "x"}, actor=ADMIN)


class TestUsers:
    async def test_create_and_authenticate(self, demo: Demo) -> None:
        """A login works with its password, case-insensitively on the username."""
        user = await demo.svc.admin.create_user(
            username="Julie.T", role=Role.TECH, password="correct horse", actor=ADMIN,
            technician_id=demo.techs["Julie"].id,
        )  # fmt: skip
        assert user == await demo.svc.admin.authenticate(" JULIE.t ", "correct horse")
        assert "correct horse" not in user.password_hash

    @pytest.mark.parametrize(
        ("username", "password"), [("julie.t", "wrong pass!"), ("nobody", "x" * 12)]
    )
    async def test_bad_credentials_give_one_error(
        self, demo: Demo, username: str, password: str
    ) -> None:
        """A wrong password and an unknown user fail the same way."""
        await demo.svc.admin.create_user(
            username="julie.t", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        with pytest.raises(AuthenticationFailed, match="Invalid username or password"):
            await demo.svc.admin.authenticate(username, password)

    async def test_deactivated_user_cannot_log_in(self, demo: Demo) -> None:
        """Deactivating a login locks it out."""
        user = await demo.svc.admin.create_user(
            username="boss", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        await demo.svc.admin.create_user(  # the last active admin could not be switched off
            username="other-boss", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        await demo.svc.admin.update_user(user.id, actor=ADMIN, is_active=False)
        with pytest.raises(AuthenticationFailed):
            await demo.svc.admin.authenticate("boss", "correct horse")

    async def test_username_unique_and_password_long_enough(self, demo: Demo) -> None:
        """A taken username is AlreadyExists; a short password is InvalidInput."""
        await demo.svc.admin.create_user(
            username="boss", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        with pytest.raises(AlreadyExists):
            await demo.svc.admin.create_user(
                username="BOSS", role=Role.ADMIN, password="another pass", actor=ADMIN
            )
        with pytest.raises(InvalidInput):
            await demo.svc.admin.create_user(
                username="other", role=Role.ADMIN, password="short", actor=ADMIN
            )

    async def test_tech_login_needs_its_technician(self, demo: Demo) -> None:
        """A tech login must point at a real technician."""
        with pytest.raises(NotFound):
            await demo.svc.admin.create_user(
                username="ghost", role=Role.TECH, password="correct horse", actor=ADMIN,
                technician_id=uuid4(),
            )  # fmt: skip
        with pytest.raises(InvalidInput):
            await demo.svc.admin.create_user(
                username="ghost", role=Role.TECH, password="correct horse", actor=ADMIN
            )


class CountingHasher:
    """The memory hasher, counting what it is asked to do (and against which hash)."""

    def __init__(self) -> None:
        self.inner = FastPasswordHasher()
        self.made: list[str] = []
        self.checked: list[str] = []

    def hash(self, password: str) -> str:
        made = self.inner.hash(password)
        self.made.append(made)
        return made

    def verify(self, password_hash: str, password: str) -> bool:
        self.checked.append(password_hash)
        return self.inner.verify(password_hash, password)


class TestNoEnumerationByTiming:
    async def test_unknown_and_inactive_logins_cost_one_check_like_a_known_one(
        self, system: MemorySystem
    ) -> None:
        """Each failure checks one hash; the decoy is made once, by the same hasher."""
        hasher = CountingHasher()
        admin = attrs.evolve(system.services.admin, hasher=hasher)
        await admin.create_user(
            username="boss", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        off = await admin.create_user(
            username="gone", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        await admin.update_user(off.id, actor=ADMIN, is_active=False)
        made_before = len(hasher.made)
        for username in ("boss", "nobody", "gone", "nobody-else"):
            hasher.checked.clear()
            with pytest.raises(AuthenticationFailed):
                await admin.authenticate(username, "wrong password")
            assert 1 == len(hasher.checked), username
        assert 1 == len(hasher.made) - made_before  # one decoy, made on first use, kept


class TestSessionGeneration:
    async def test_logout_password_and_deactivation_each_end_the_sessions(self, demo: Demo) -> None:
        """The generation goes up with each; a no-op update leaves it."""
        admin = demo.svc.admin
        user = await admin.create_user(
            username="julie", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        me = Actor(name="julie", role=Role.ADMIN, user_id=user.id)
        generations = [user.session_generation]
        generations.append((await admin.end_sessions(user.id, actor=me)).session_generation)
        changed = await admin.update_user(user.id, actor=ADMIN, password="another horse")
        generations.append(changed.session_generation)
        await admin.create_user(username="boss", role=Role.ADMIN, password="x" * 10, actor=ADMIN)
        generations.append(
            (await admin.update_user(user.id, actor=ADMIN, is_active=False)).session_generation
        )
        generations.append(
            (await admin.update_user(user.id, actor=ADMIN, is_active=False)).session_generation
        )
        assert [0, 1, 2, 3, 3] == generations

    async def test_only_the_user_or_an_admin_ends_sessions(self, demo: Demo) -> None:
        admin = demo.svc.admin
        user = await admin.create_user(
            username="julie", role=Role.ADMIN, password="correct horse", actor=ADMIN
        )
        someone = Actor(name="tech", role=Role.TECH, user_id=uuid4())
        with pytest.raises(PermissionDenied):
            await admin.end_sessions(user.id, actor=someone)


class TestAdminsKeepAccess:
    async def test_an_admin_cannot_deactivate_their_own_login(self, demo: Demo) -> None:
        admin = demo.svc.admin
        me = await admin.create_user(
            username="alice", role=Role.ADMIN, password="x" * 10, actor=ADMIN
        )
        await admin.create_user(username="bob", role=Role.ADMIN, password="x" * 10, actor=ADMIN)
        actor = Actor(name="alice", role=Role.ADMIN, user_id=me.id)
        with pytest.raises(PolicyViolation) as refused:
            await admin.update_user(me.id, actor=actor, is_active=False)
        assert PolicyRule.OWN_LOGIN is refused.value.rule
        assert (await admin.get_user(me.id)).is_active

    async def test_the_last_active_admin_cannot_be_deactivated(self, demo: Demo) -> None:
        """Technicians' logins do not count; an inactive admin does not either."""
        admin = demo.svc.admin
        last = await admin.create_user(
            username="last", role=Role.ADMIN, password="x" * 10, actor=ADMIN
        )
        old = await admin.create_user(
            username="old", role=Role.ADMIN, password="x" * 10, actor=ADMIN
        )
        await admin.update_user(old.id, actor=ADMIN, is_active=False)
        with pytest.raises(PolicyViolation) as refused:
            await admin.update_user(last.id, actor=ADMIN, is_active=False)
        assert PolicyRule.LAST_ADMIN is refused.value.rule
        await admin.update_user(old.id, actor=ADMIN, is_active=True)
        assert not (await admin.update_user(last.id, actor=ADMIN, is_active=False)).is_active

    async def test_a_password_reset_of_the_last_admin_is_fine(self, demo: Demo) -> None:
        admin = demo.svc.admin
        last = await admin.create_user(
            username="last", role=Role.ADMIN, password="x" * 10, actor=ADMIN
        )
        assert (await admin.update_user(last.id, actor=ADMIN, password="y" * 10)).is_active
