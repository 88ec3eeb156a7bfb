"""Admin reference data: GET/POST /api/<kind>, GET/PATCH /api/<kind>/{id}, and the inbox.

No ``from __future__ import annotations`` here: the handlers are built per kind, and Litestar
reads their real annotations to validate bodies and write the OpenAPI document.
"""

from collections.abc import Callable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any, TypeVar
from uuid import UUID

import msgspec
from litestar import Controller, Router, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter

from sm2_core.domain.enums import Language, ReferenceKind, Role, TechnicianStatus, Urgency
from sm2_core.domain.notices import parse_updates
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.paging import MAX_LIMIT, page_of
from sm2_core.ports import Page
from sm2_core.services import Services
from sm2_web import schemas as s
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors

T = TypeVar("T")

#: Each list's sort column, as its repository orders it (then by id).
SORTED_BY = {
    ReferenceKind.ZONES: "name",
    ReferenceKind.SERVICES: "code",
    ReferenceKind.DEALERSHIPS: "name",
    ReferenceKind.TECHNICIANS: "name",
    ReferenceKind.RULES: "description",
    ReferenceKind.PARTS: "name",
    ReferenceKind.PRICES: "service_code",
}
Limit = Annotated[
    int, Parameter(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1 to {MAX_LIMIT}")
]
Cursor = Annotated[
    str | None,
    Parameter(description="next_cursor of the previous page; absent (or empty) for the first"),
]


def _page(items: Sequence[T], field: str, limit: int, cursor: str | None) -> Page[T]:
    return page_of(
        items,
        key=lambda item: str(getattr(item, field)),
        ident=attrgetter("id"),
        limit=limit,
        cursor=cursor or None,
    )


def _zone(d: dict[str, Any]) -> dict[str, Any]:
    return d


def _service(d: dict[str, Any]) -> dict[str, Any]:
    out = dict(d)
    if "code" in out:
        out["code"] = out["code"].upper()
    if "base_price" in out:
        out["base_price"] = Decimal(out["base_price"])
    return out


def _dealership(d: dict[str, Any]) -> dict[str, Any]:
    out = dict(d)
    if "hourly_rate" in out:
        out["hourly_rate"] = Decimal(out["hourly_rate"])
    if "language" in out:
        out["language"] = Language(out["language"])
    if "notify_on" in out:
        # The document says uniqueItems; msgspec lets a repeat through, so it is refused here.
        if len(set(out["notify_on"])) != len(out["notify_on"]):
            raise InvalidInput(
                "notify_on names a status text twice", fields={"notify_on": "each at most once"}
            )
        out["notify_on"] = parse_updates(out["notify_on"])
    return out


def _technician(d: dict[str, Any]) -> dict[str, Any]:
    out = dict(d)
    if "skills" in out:
        out["skills"] = frozenset(code.upper() for code in out["skills"])
    if "status" in out:
        out["status"] = TechnicianStatus(out["status"])
    if "language" in out:
        out["language"] = Language(out["language"])
    return out


def _rule(d: dict[str, Any]) -> dict[str, Any]:
    out = dict(d)
    if out.get("target_urgency") is not None:
        out["target_urgency"] = Urgency(out["target_urgency"])
    if out.get("service_code") is not None:
        out["service_code"] = out["service_code"].upper()
    return out


def _part(d: dict[str, Any]) -> dict[str, Any]:
    out = dict(d)
    if "price" in out:
        out["price"] = Decimal(out["price"])
    return out


def _price(d: dict[str, Any]) -> dict[str, Any]:
    out = _part(d)
    if "service_code" in out:
        out["service_code"] = out["service_code"].upper()
    return out


def _resource(
    kind: ReferenceKind,
    model_in: Any,
    model_patch: Any,
    model_out: Any,
    fields: Callable[[dict[str, Any]], dict[str, Any]],
) -> type[Controller]:
    page = type(
        f"{model_out.__name__}Page",
        (msgspec.Struct,),
        {
            "__annotations__": {"items": list[model_out], "next_cursor": str | None},
            "next_cursor": None,
        },
    )
    singular = kind.subject.capitalize()

    async def list_items(
        self: Any,
        services: Services,
        actor: Actor,
        include_inactive: bool = False,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Any:
        items = await services.admin.all(kind, include_inactive=include_inactive)
        found = _page(items, SORTED_BY[kind], limit, cursor)
        return page(items=[s.entity_out(i) for i in found.items], next_cursor=found.next_cursor)

    async def create_item(self: Any, services: Services, actor: Actor, data: Any) -> Any:
        return s.entity_out(await services.admin.create(kind, fields(s.present(data)), actor=actor))

    async def get_item(self: Any, services: Services, actor: Actor, item_id: UUID) -> Any:
        return s.entity_out(await services.admin.get(kind, item_id))

    async def update_item(
        self: Any, services: Services, actor: Actor, item_id: UUID, data: Any
    ) -> Any:
        changes = fields(s.present(data))
        return s.entity_out(await services.admin.update(kind, item_id, changes, actor=actor))

    list_items.__annotations__["return"] = page
    create_item.__annotations__.update(data=model_in, **{"return": model_out})
    get_item.__annotations__["return"] = model_out
    update_item.__annotations__.update(data=model_patch, **{"return": model_out})
    handlers = [
        get("/", operation_id=f"list{singular}s", summary=f"All {kind}")(list_items),
        post("/", operation_id=f"create{singular}")(create_item),
        get("/{item_id:uuid}", operation_id=f"get{singular}")(get_item),
        patch(
            "/{item_id:uuid}",
            operation_id=f"update{singular}",
            summary="Change the fields sent; is_active=false deactivates",
        )(update_item),
    ]
    controller = type(
        f"{singular}Controller",
        (Controller,),
        {
            "path": f"/api/{kind.value}",
            "tags": ["admin"],
            "security": [{"bearer": []}],
            "dependencies": {"actor": Provide(admin_actor)},
            **{h.handler_name or str(i): h for i, h in enumerate(handlers)},
        },
    )
    return document_errors(controller)


RESOURCES = [
    _resource(ReferenceKind.ZONES, s.ZoneIn, s.ZonePatch, s.ZoneOut, _zone),
    _resource(ReferenceKind.SERVICES, s.ServiceIn, s.ServicePatch, s.ServiceOut, _service),
    _resource(
        ReferenceKind.DEALERSHIPS, s.DealershipIn, s.DealershipPatch, s.DealershipOut, _dealership
    ),
    _resource(
        ReferenceKind.TECHNICIANS, s.TechnicianIn, s.TechnicianPatch, s.TechnicianOut, _technician
    ),
    _resource(ReferenceKind.RULES, s.RuleIn, s.RulePatch, s.RuleOut, _rule),
    _resource(ReferenceKind.PARTS, s.CatalogPartIn, s.CatalogPartPatch, s.CatalogPartOut, _part),
    _resource(ReferenceKind.PRICES, s.PriceIn, s.PricePatch, s.PriceOut, _price),
]


@document_errors
class UserController(Controller):
    path = "/api/users"
    tags = ["admin"]
    security = [{"bearer": []}]
    dependencies = {"actor": Provide(admin_actor)}

    @get("/", operation_id="listUsers")
    async def list_users(
        self,
        services: Services,
        actor: Actor,
        include_inactive: bool = False,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> s.UserPage:
        users = await services.admin.users(include_inactive=include_inactive)
        found = _page(users, "username", limit, cursor)
        return s.UserPage(
            items=[s.entity_out(u) for u in found.items], next_cursor=found.next_cursor
        )

    @post("/", operation_id="createUser")
    async def create_user(self, services: Services, actor: Actor, data: s.UserIn) -> s.UserOut:
        user = await services.admin.create_user(
            username=data.username,
            role=Role(data.role),
            password=data.password,
            actor=actor,
            technician_id=data.technician_id,
        )
        return s.entity_out(user)

    @get("/{user_id:uuid}", operation_id="getUser")
    async def get_user(self, services: Services, actor: Actor, user_id: UUID) -> s.UserOut:
        return s.entity_out(await services.admin.get_user(user_id))

    @patch(
        "/{user_id:uuid}",
        operation_id="updateUser",
        summary="Reset the password or (de)activate the login",
    )
    async def update_user(
        self, services: Services, actor: Actor, user_id: UUID, data: s.UserPatch
    ) -> s.UserOut:
        fields = s.present(data)
        user = await services.admin.update_user(
            user_id,
            actor=actor,
            password=fields.get("password"),
            is_active=fields.get("is_active"),
        )
        return s.entity_out(user)


@document_errors
class InboxController(Controller):
    path = "/api/inbox"
    tags = ["admin"]
    security = [{"bearer": []}]
    dependencies = {"actor": Provide(admin_actor)}

    @get("/", operation_id="inbox", summary="Texts that made no job: unknown sender, no work")
    async def inbox(self, services: Services, actor: Actor, limit: int = 100) -> s.MessagePage:
        messages = await services.intake.inbox(limit=max(1, min(limit, 500)))
        media = await services.media.items(messages)
        return s.MessagePage(items=[s.message_out(m, media[m.id]) for m in messages])


def admin_router() -> Router:
    return Router(path="/", route_handlers=[*RESOURCES, UserController, InboxController])
