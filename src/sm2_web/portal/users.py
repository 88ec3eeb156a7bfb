"""The logins page: list, create (an admin, or a technician's login linked to its technician),
deactivate and reactivate, reset a password.

The rules live in ``AdminService``, shared with the API and the CLI: each change there ends the
login's sessions and is audited, and an admin cannot switch off their own login or the last
active admin.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post

from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor
from sm2_core.errors import InvalidInput
from sm2_core.services import Services
from sm2_web.portal import views
from sm2_web.portal.jobs import see_other
from sm2_web.portal.render import render

ROLES = {Role.ADMIN: "Dispatcher (admin)", Role.TECH: "Technician"}
DONE = {
    "created": "Login created.",
    "deactivated": "Login deactivated: its sessions are ended.",
    "activated": "Login reactivated.",
    "password": "Password reset: the login's sessions are ended.",
}


@get("/admin/users", name="portal:users")
async def users_page(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[str]:
    users = await services.admin.users(include_inactive=True)
    technicians = await services.admin.all(ReferenceKind.TECHNICIANS, include_inactive=True)
    return render(
        request,
        "admin/users.html",
        {
            "actor": actor,
            "users": users,
            "roles": {role.value: label for role, label in ROLES.items()},
            "technicians": technicians,
            "technician_names": {t.id: t.name for t in technicians},
            "notice": DONE.get(request.query_params.get("done") or ""),
        },
    )


@post("/admin/users", name="portal:user-create")
async def user_create(
    request: Request[Any, Any, Any], services: Services, actor: Actor
) -> Response[None]:
    form = await request.form()
    role = _role(views.text(form, "role"))
    technician = views.text(form, "technician_id") if role is Role.TECH else None
    await services.admin.create_user(
        username=views.text(form, "username") or "",
        role=role,
        password=str(form.get("password") or ""),
        actor=actor,
        technician_id=_uuid(technician, "technician_id"),
    )
    return see_other("/admin/users?done=created")


@post("/admin/users/{user_id:uuid}/active", name="portal:user-active")
async def user_active(
    request: Request[Any, Any, Any], services: Services, actor: Actor, user_id: UUID
) -> Response[None]:
    active = (await request.form()).get("active") == "1"
    await services.admin.update_user(user_id, actor=actor, is_active=active)
    return see_other(f"/admin/users?done={'activated' if active else 'deactivated'}")


@post("/admin/users/{user_id:uuid}/password", name="portal:user-password")
async def user_password(
    request: Request[Any, Any, Any], services: Services, actor: Actor, user_id: UUID
) -> Response[None]:
    password = str((await request.form()).get("password") or "")
    await services.admin.update_user(user_id, actor=actor, password=password)
    return see_other("/admin/users?done=password")


def _role(value: str | None) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("choose a role", fields={"role": "admin or tech"}) from None


def _uuid(value: str | None, field: str) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput(f"unknown {field}", fields={field: "unknown"}) from None


USER_HANDLERS = [users_page, user_create, user_active, user_password]
