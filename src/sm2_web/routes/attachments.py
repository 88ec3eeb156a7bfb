"""A job's files: ``GET /api/attachments/{id}`` serves one, to an admin or the job's technician.

A file is a photo the dealership texted (MMS) or one the technician attached; ``?size=thumb``
serves a technician's photo's thumbnail (any other file has none: the file itself is served).
Either portal's caller may ask: a bearer token of either audience, or either portal's session
cookie (``<img src>`` in the portals sends it). The bytes were judged when they were received
(their type read from them), and are served so that a browser never runs them: images inline
in a sandbox, anything else (PDF) as a download.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.di import Provide

from sm2_core.domain.enums import Role
from sm2_core.domain.media import Attachment
from sm2_core.domain.records import Actor
from sm2_core.errors import AuthenticationFailed
from sm2_core.services import Services
from sm2_web.auth import SESSION_COOKIES, actor_for, session_actor
from sm2_web.config import WebConfig
from sm2_web.dependencies import AppClock
from sm2_web.problems import problem_responses

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
#: Shown by itself, an image may not load or run anything.
_SANDBOX = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


async def viewer_actor(
    request: ASGIConnection[Any, Any, Any, Any],
    services: Services,
    config: WebConfig,
    clock: AppClock,
) -> Actor:
    """The caller, from an admin's or a technician's token or session cookie."""
    if request.headers.get("authorization"):
        return await session_actor(request, services, config, clock)
    for role in (Role.ADMIN, Role.TECH):
        if request.cookies.get(SESSION_COOKIES[role]):
            try:
                return await actor_for(request, role, services=services, config=config, clock=clock)
            except AuthenticationFailed:
                continue  # a stale cookie of one portal; the other's may hold
    raise AuthenticationFailed("Authentication required")


def _headers(attachment: Attachment, *, thumbnail: bool = False) -> dict[str, str]:
    stem = f"{attachment.id}-thumb" if thumbnail else str(attachment.id)
    name = f"{stem}.{_EXTENSIONS.get(attachment.content_type, 'bin')}"
    image = attachment.content_type.startswith("image/")
    return {
        "Content-Disposition": f'{"inline" if image else "attachment"}; filename="{name}"',
        "Content-Security-Policy": _SANDBOX,
        # Never changes (a new file is a new attachment), but is not for shared caches.
        "Cache-Control": "private, max-age=86400, immutable",
    }


@get(
    "/api/attachments/{attachment_id:uuid}",
    operation_id="getAttachment",
    tags=["jobs"],
    summary="A job's file (a photo the dealership texted, or its technician's): an admin or "
    "the job's technician; size=thumb for a technician's photo's thumbnail",
    dependencies={"actor": Provide(viewer_actor)},
    security=[{"bearer": []}],
    responses=problem_responses(401, 403, 404, 422),
    media_type="application/octet-stream",
)
async def attachment(
    services: Services,
    actor: Actor,
    attachment_id: UUID,
    size: Literal["full", "thumb"] = "full",
) -> Response[bytes]:
    thumbnail = size == "thumb"
    found, data = await services.media.open(attachment_id, actor=actor, thumbnail=thumbnail)
    shown_thumb = thumbnail and found.thumb_key is not None
    return Response(
        data, media_type=found.content_type, headers=_headers(found, thumbnail=shown_thumb)
    )
