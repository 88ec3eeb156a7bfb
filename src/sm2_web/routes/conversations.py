"""Conversations per phone number: the list, one number's texts, a dispatcher's reply, and
marking a conversation read (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import Parameter
from msgspec import Meta, Struct

from sm2_core.domain.conversations import Conversation, ThreadMessage
from sm2_core.domain.records import Actor
from sm2_core.paging import MAX_LIMIT
from sm2_core.services import Services
from sm2_core.services.conversations import MAX_BODY, PAGE_SIZE
from sm2_web.auth import admin_actor
from sm2_web.problems import document_errors
from sm2_web.schemas import NO_NUL

#: The most texts one thread answer holds (the newest of them).
MAX_THREAD = 1000
THREAD_SIZE = 200

Phone = Annotated[
    str,
    Parameter(
        description="The phone number, E.164 (+14185550102) or as people write it "
        "((418) 555-0102, URL-encoded); a North American number without a country code is read "
        "as one"
    ),
]


class ConversationOut(Struct):
    phone: str
    """E.164."""
    dealership_id: UUID | None
    """The dealership with this phone number; null for an unknown number (or a technician's)."""
    dealership_name: str | None
    last_at: datetime
    """When the newest text in or out was received or recorded."""
    last_body: str
    unread: int
    """Texts from the number received since a dispatcher last read the conversation."""


class ConversationPage(Struct):
    items: list[ConversationOut]
    next_cursor: str | None


class ThreadMessageOut(Struct):
    id: UUID
    """The inbound message's id, or the outbound message's."""
    direction: Literal["in", "out"]
    body: str
    at: datetime
    status: str
    """In: RECEIVED, UNMATCHED, NO_WORK or PROCESSED. Out: QUEUED, SENDING, PUSHED, SENT,
    DELIVERED, UNDELIVERED, FAILED, NOT_CONFIGURED or OPTED_OUT."""
    kind: str | None
    """Out: CONFIRMATION, ALERT, STATUS, REPLY or SUMMARY; null for a text in."""
    job_codes: list[str]
    job_ids: list[UUID]
    sent_by: str | None
    """The dispatcher who typed a reply."""
    error_code: str | None
    """The carrier's error code of a text out that failed."""


class ThreadOut(Struct):
    items: list[ThreadMessageOut]
    """Oldest first."""


class ReplyIn(Struct, forbid_unknown_fields=True):
    body: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=MAX_BODY,
            pattern=NO_NUL,
            description="The text, trimmed; empty once trimmed is refused",
        ),
    ]


def conversation_out(c: Conversation) -> ConversationOut:
    return ConversationOut(
        phone=c.phone,
        dealership_id=c.dealership_id,
        dealership_name=c.dealership_name,
        last_at=c.last_at,
        last_body=c.last_body,
        unread=c.unread,
    )


def message_out(m: ThreadMessage) -> ThreadMessageOut:
    return ThreadMessageOut(
        id=m.id,
        direction="in" if m.is_inbound else "out",
        body=m.body,
        at=m.at,
        status=m.status.value,
        kind=m.kind.value if m.kind is not None else None,
        job_codes=list(m.job_codes),
        job_ids=list(m.job_ids),
        sent_by=m.sent_by,
        error_code=m.error_code,
    )


@document_errors
class ConversationController(Controller):
    path = "/api/conversations"
    tags = ["conversations"]
    security = [{"bearer": []}]
    dependencies = {"actor": Provide(admin_actor)}

    @get(
        "/",
        operation_id="listConversations",
        summary="One entry per phone number, newest activity first, with unread counts",
    )
    async def list_conversations(
        self,
        services: Services,
        actor: Actor,
        limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
        cursor: str | None = None,
    ) -> ConversationPage:
        # An empty cursor (``?cursor=``) is the first page, as no cursor is.
        page = await services.conversations.list(limit=limit, cursor=cursor or None)
        return ConversationPage(
            items=[conversation_out(c) for c in page.items], next_cursor=page.next_cursor
        )

    @get(
        "/{phone:str}",
        operation_id="getConversation",
        summary="A number's texts in and out, oldest first (the newest `limit` of them)",
    )
    async def thread(
        self,
        services: Services,
        actor: Actor,
        phone: Phone,
        limit: Annotated[int, Parameter(ge=1, le=MAX_THREAD)] = THREAD_SIZE,
    ) -> ThreadOut:
        thread = await services.conversations.thread(phone, limit=limit)
        return ThreadOut(items=[message_out(m) for m in thread.messages])

    @post(
        "/{phone:str}/messages",
        operation_id="replyToConversation",
        summary="Text the number (through the outbox); 409 when it opted out (STOP)",
        status_code=201,
    )
    async def reply(
        self, services: Services, actor: Actor, phone: Phone, data: ReplyIn
    ) -> ThreadMessageOut:
        return message_out(await services.conversations.reply(phone, data.body, actor=actor))

    @post(
        "/{phone:str}/read",
        operation_id="markConversationRead",
        summary="Mark every text the number has sent so far as read",
        status_code=204,
    )
    async def mark_read(self, services: Services, actor: Actor, phone: Phone) -> None:
        await services.conversations.mark_read(phone, actor=actor)
