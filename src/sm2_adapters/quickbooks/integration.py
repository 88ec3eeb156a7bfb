"""The QuickBooks connection as admins manage it: connect (OAuth), set tokens, disconnect, status.

The web routes and the CLI call this; invoices go through ``gateway``. Without the Intuit app's
credentials every action refuses with NotConfigured and the gateway says "QuickBooks not
connected", which is what the approval records.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import attrs

from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.oauth import IntuitOAuth
from sm2_adapters.quickbooks.tokens import Connection, ConnectionStatus, TokenStore
from sm2_adapters.unconfigured import AccountingNotConfigured, InvoiceStatusNotConfigured
from sm2_core.errors import IntegrationError, InvalidInput, NotConfigured, PermissionDenied
from sm2_core.ports import (
    QUICKBOOKS_NOT_CONFIGURED,
    AccountingGateway,
    Clock,
    InvoiceStatusSource,
)

log = logging.getLogger(__name__)

#: How long an admin has to finish Intuit's consent screen.
STATE_TTL = timedelta(minutes=10)
_REALM = re.compile(r"[0-9A-Za-z]{1,40}")
UNCONFIGURED = QUICKBOOKS_NOT_CONFIGURED


def _realm(realm_id: str) -> str:
    """Realm ids go into API paths: only Intuit's shape (digits, in practice) is accepted."""
    realm = realm_id.strip()
    if not _REALM.fullmatch(realm):
        raise InvalidInput("not a QuickBooks company id", fields={"realm_id": "invalid"})
    return realm


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@attrs.define(kw_only=True)
class QuickBooksIntegration:
    """The ``QuickBooksConnection`` the web routes drive, plus what the CLI and health use."""

    config: QboConfig | None
    store: TokenStore
    clock: Clock
    oauth: IntuitOAuth | None = None
    gateway: AccountingGateway = attrs.field(factory=AccountingNotConfigured)
    payments: InvoiceStatusSource = attrs.field(factory=InvoiceStatusNotConfigured)
    """What QuickBooks says of invoices after they were made (payments, voids)."""

    @property
    def configured(self) -> bool:
        return self.config is not None and self.oauth is not None

    def _oauth(self) -> IntuitOAuth:
        if self.oauth is None:
            raise NotConfigured(UNCONFIGURED)
        return self.oauth

    async def authorization_url(self) -> str:
        """Intuit's consent page, with a fresh one-time ``state`` remembered server-side."""
        oauth = self._oauth()
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        await self.store.put_state(state, expires_at=now + STATE_TTL, now=now)
        return await oauth.authorization_url(state)

    async def complete(
        self, *, state: str, code: str | None, realm_id: str | None, error: str | None = None
    ) -> dict[str, Any]:
        """Intuit's callback: the state is spent first, whatever else the callback says."""
        oauth = self._oauth()
        if not state or not await self.store.take_state(state, self.clock.now()):
            raise PermissionDenied("Unknown, used or expired state: start connecting again")
        if error:
            raise PermissionDenied(f"QuickBooks access was not granted ({error[:100]})")
        if not code or not realm_id:
            raise InvalidInput(
                "the callback lacks the code or realmId",
                fields={"code": "required", "realmId": "required"},
            )
        realm = _realm(realm_id)
        tokens = await oauth.exchange(code, realm)
        await self.store.replace(Connection.connected(realm, tokens))
        log.info("QuickBooks connected to company %s", realm)
        return await self.status()

    async def set_tokens(self, *, realm_id: str, refresh_token: str) -> dict[str, Any]:
        """Headless set-up: one refresh proves the token and gives the tokens to keep (the
        given one may be dead after it)."""
        realm = _realm(realm_id)
        if not refresh_token.strip():
            raise InvalidInput("the refresh token is empty", fields={"refresh_token": "required"})
        tokens = await self._oauth().refresh(refresh_token.strip())
        await self.store.replace(Connection.connected(realm, tokens))
        log.info("QuickBooks tokens set for company %s", realm)
        return await self.status()

    async def disconnect(self) -> dict[str, Any]:
        """Revoke at Intuit (best effort) and forget the tokens here in any case."""
        connection = await self.store.load()
        revoked = False
        token = connection and (connection.refresh_token or connection.access_token)
        if token and self.oauth is not None:
            try:
                await self.oauth.revoke(token)
                revoked = True
            except IntegrationError as exc:
                log.warning("QuickBooks revoke failed, forgetting the tokens anyway: %s", exc)
        await self.store.forget()
        return {**await self.status(), "revoked": revoked}

    async def status(self) -> dict[str, Any]:
        """For admins and health; never a token."""
        if self.config is None:
            return {"configured": False, "connected": False, "status": "NOT_CONFIGURED"}
        connection = await self.store.load()
        base = {"configured": True, "environment": self.config.environment}
        if connection is None:
            return {**base, "connected": False, "status": "DISCONNECTED"}
        return {
            **base,
            "connected": connection.status is ConnectionStatus.CONNECTED,
            "status": connection.status.value,
            "realm_id": connection.realm_id,
            "access_token_expires_at": _iso(connection.expires_at),
            "last_error": connection.last_error,
            "updated_at": _iso(connection.updated_at),
        }

    async def health(self) -> dict[str, Any]:
        """``status`` that never raises: health must answer even when the database does not."""
        try:
            return await self.status()
        except Exception as exc:  # health reports, it does not fail
            return {"configured": self.configured, "status": "UNKNOWN", "error": type(exc).__name__}
