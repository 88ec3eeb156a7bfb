"""The reference repositories under contract: how to build, change and clash their items."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import factories as f

from sm2_core.domain.enums import Language, Role, TechnicianStatus, Urgency
from sm2_core.domain.notices import DEALER_UPDATES, NoticeKind

Deps = dict[str, Any]


@attrs.frozen
class Spec:
    """What one repository stores and which of its columns are unique or sorted."""

    repo: str
    needs: tuple[str, ...]
    full: Callable[[Deps], Any]
    bare: Callable[[Deps], Any]
    changed: Callable[[Any, Deps], Any]
    clash: Callable[[Any], Any] | None
    """A new item that conflicts with the given one on a unique column."""
    lookup: tuple[str, Callable[[Any], str]] | None
    """The finder and the key to find the item by (in another case where allowed)."""
    order_by: str
    order_values: tuple[str, str, str]
    """Three sort keys in insertion order; they sort as (second, first, third)."""
    ties: bool
    """Whether two items may share the sort key."""


SPECS = (
    Spec(
        repo="zones",
        needs=(),
        full=lambda d: f.zone(name=f"Lévis {f.serial()}", description="Rive-Sud", is_active=True),
        bare=lambda d: f.zone(description="", latitude=-90.0, longitude=180.0),
        changed=lambda z, d: attrs.evolve(
            z,
            name=f"Montréal {f.serial()}",
            latitude=45.501689,
            longitude=-73.567256,
            description="Île",
            is_active=False,
        ),
        clash=lambda z: f.zone(name=z.name.upper()),
        lookup=("by_name", lambda z: z.name.upper()),
        order_by="name",
        order_values=("bravo", "Alpha", "Charlie"),
        ties=False,
    ),
    Spec(
        repo="services",
        needs=(),
        full=lambda d: f.service(
            base_price=Decimal("1234567.89"),
            requires_approval=True,
            qb_item_id="QB-ITEM-77",
            duration_minutes=720,
            requires_photos=True,
        ),
        bare=lambda d: f.service(base_price=Decimal("0.00"), qb_item_id=None, duration_minutes=5),
        changed=lambda s, d: attrs.evolve(
            s,
            code=f"NEW{f.serial()}",
            name="Brakes",
            name_fr="Freins",
            base_price=Decimal("99.10"),
            requires_approval=not s.requires_approval,
            is_active=False,
            qb_item_id="QB-8",
            duration_minutes=90,
            requires_photos=not s.requires_photos,
        ),
        clash=lambda s: f.service(code=s.code),
        lookup=("by_code", lambda s: s.code.lower()),
        order_by="code",
        order_values=("BRAVO", "ALPHA", "CHARLIE"),
        ties=False,
    ),
    Spec(
        repo="dealerships",
        needs=("zone",),
        full=lambda d: f.dealership(
            zone_id=d["zone"].id,
            is_audit_flagged=True,
            language=Language.EN,
            qb_customer_id="QB-CUST-9",
            notify_on=frozenset({NoticeKind.COMPLETED, NoticeKind.ASSIGNED}),
            address="2555 chemin Sainte-Foy, Québec, QC G1V 1T8",
        ),
        bare=lambda d: f.dealership(zone_id=None, qb_customer_id=None, notify_on=frozenset()),
        changed=lambda x, d: attrs.evolve(
            x,
            name="Renamed",
            phone=f.phone(),
            email="ap@example.org",
            zone_id=None,
            is_audit_flagged=not x.is_audit_flagged,
            is_active=False,
            language=Language.FR,
            qb_customer_id=None,
            notify_on=DEALER_UPDATES,
            address="",
        ),
        clash=lambda x: f.dealership(phone=x.phone),
        lookup=("by_phone", lambda x: x.phone),
        order_by="name",
        order_values=("bravo", "Alpha", "Charlie"),
        ties=True,
    ),
    Spec(
        repo="technicians",
        needs=("zone",),
        full=lambda d: f.technician(
            zone_id=d["zone"].id,
            skills=frozenset({"OIL", "BRK", "TIR"}),
            status=TechnicianStatus.ON_LEAVE,
        ),
        bare=lambda d: f.technician(zone_id=None, skills=frozenset()),
        changed=lambda t, d: attrs.evolve(
            t,
            name="Renamed",
            phone=f.phone(),
            zone_id=None,
            skills=frozenset({"AC"}),
            status=TechnicianStatus.BUSY,
            is_active=False,
        ),
        clash=lambda t: f.technician(phone=t.phone),
        lookup=("by_phone", lambda t: t.phone),
        order_by="name",
        order_values=("bravo", "Alpha", "Charlie"),
        ties=True,
    ),
    Spec(
        repo="rules",
        needs=("dealership", "service"),
        full=lambda d: f.rule(
            dealership_id=d["dealership"].id,
            service_code=d["service"].code,
            make="Honda",
            target_urgency=Urgency.CRITICAL,
            ranking_score=25,
        ),
        bare=lambda d: f.rule(make="Ford"),
        changed=lambda r, d: attrs.evolve(
            r,
            description="Changed",
            dealership_id=None,
            service_code=None,
            make="Toyota",
            target_urgency=Urgency.LOW,
            ranking_score=-5,
            is_active=False,
        ),
        clash=None,
        lookup=None,
        order_by="description",
        order_values=("bravo", "Alpha", "Charlie"),
        ties=True,
    ),
    Spec(
        repo="parts",
        needs=(),
        full=lambda d: f.part(price=Decimal("1234567.89"), sku="OF-2231"),
        bare=lambda d: f.part(price=Decimal("0.00"), sku=""),
        changed=lambda p, d: attrs.evolve(
            p,
            name=f"Renamed {f.serial()}",
            sku=f"NEW-{f.serial()}",
            price=Decimal("7.5"),
            is_active=False,
        ),
        clash=lambda p: f.part(name=p.name.upper()),
        lookup=("by_name", lambda p: p.name.upper()),
        order_by="name",
        order_values=("bravo", "Alpha", "Charlie"),
        ties=False,
    ),
    Spec(
        repo="users",
        needs=("technician",),
        full=lambda d: f.user(role=Role.TECH, technician_id=d["technician"].id),
        bare=lambda d: f.user(role=Role.ADMIN, technician_id=None),
        changed=lambda u, d: attrs.evolve(
            u,
            username=f"renamed{f.serial()}",
            role=Role.ADMIN,
            technician_id=None,
            password_hash="other-hash",
            is_active=False,
        ),
        clash=lambda u: f.user(username=u.username),
        lookup=("by_username", lambda u: u.username.upper()),
        order_by="username",
        order_values=("bravo", "alpha", "charlie"),
        ties=False,
    ),
)
