"""The outbox: each text we send is recorded first, then sent once by a task."""

from __future__ import annotations

from uuid import UUID

import attrs

from sm2_core.domain.records import OutboundSms, OutboundStatus
from sm2_core.errors import IntegrationError, NotConfigured
from sm2_core.ports import SmsSender, UnitOfWorkFactory

#: A text in one of these states is never sent again.
_SETTLED = frozenset({OutboundStatus.SENT, OutboundStatus.NOT_CONFIGURED})


@attrs.define(kw_only=True, frozen=True)
class OutboxService:
    uow: UnitOfWorkFactory
    sms: SmsSender

    async def send(self, outbox_id: UUID) -> OutboundSms:
        """The SMS task: send one outbox text once; it stays recorded whatever happens."""
        async with self.uow() as uow:
            sms = await uow.outbox.get(outbox_id)
        if sms.status in _SETTLED:
            return sms
        try:
            provider_sid = await self.sms.send(to=sms.to_number, body=sms.body)
            sent = attrs.evolve(
                sms, status=OutboundStatus.SENT, error=None, provider_sid=provider_sid
            )
        except NotConfigured as exc:
            sent = attrs.evolve(sms, status=OutboundStatus.NOT_CONFIGURED, error=exc.message)
        except IntegrationError as exc:
            await self._save(attrs.evolve(sms, status=OutboundStatus.FAILED, error=exc.message))
            if exc.transient:
                raise  # the task queue retries with backoff
            return attrs.evolve(sms, status=OutboundStatus.FAILED, error=exc.message)
        await self._save(sent)
        return sent

    async def _save(self, sms: OutboundSms) -> None:
        async with self.uow() as uow:
            await uow.outbox.update(sms)
