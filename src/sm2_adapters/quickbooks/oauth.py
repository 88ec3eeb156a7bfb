"""Intuit's OAuth 2.0 endpoints through intuit-oauth's AuthClient, off the event loop.

AuthClient fetches the discovery document when it is built and keeps the last tokens on itself,
so it is built lazily, once, in a worker thread, and every call on it is serialised by a lock
(calls are rare: a connect, or a refresh an hour). Tokens are wiped from it after each call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.tokens import TokenSet
from sm2_core.errors import IntegrationError
from sm2_core.ports import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")
SYSTEM = "QuickBooks"


class TokenRejected(IntegrationError):
    """Intuit refused a refresh token or authorisation code (``invalid_grant``): never retry."""

    def __init__(self, message: str) -> None:
        super().__init__(SYSTEM, message, transient=False, code="invalid_grant")


class _TimedAuthClient(AuthClient):  # type: ignore[misc]
    """AuthClient sets no timeout on its requests; a hung Intuit must not hold a thread."""

    def __init__(self, *args: Any, timeout: float) -> None:
        self.timeout_seconds = timeout  # set first: the constructor already makes a request
        super().__init__(*args)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout_seconds)
        return super().request(method, url, *args, **kwargs)


class IntuitOAuth:
    def __init__(self, config: QboConfig, *, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._client: Any = None
        self._lock = threading.Lock()

    async def authorization_url(self, state: str) -> str:
        return await self._run(lambda c: c.get_authorization_url([Scopes.ACCOUNTING], state))

    async def exchange(self, code: str, realm_id: str) -> TokenSet:
        """The tokens for the authorisation code Intuit's callback brought."""

        def exchange(client: Any) -> TokenSet:
            client.get_bearer_token(code, realm_id=realm_id)
            return self._tokens(client)

        return await self._run(exchange)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens; Intuit may rotate the refresh token, and then the old one is dead."""

        def refresh(client: Any) -> TokenSet:
            client.refresh(refresh_token=refresh_token)
            return self._tokens(client)

        return await self._run(refresh)

    async def revoke(self, token: str) -> None:
        await self._run(lambda c: c.revoke(token=token))

    async def _run(self, call: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self._locked_call, call)

    def _locked_call(self, call: Callable[[Any], T]) -> T:
        with self._lock:
            client = self._ensure_client()
            try:
                return call(client)
            except AuthClientError as exc:
                raise oauth_error(exc.status_code, exc.content) from exc
            except (requests.RequestException, ValueError) as exc:
                raise IntegrationError(
                    SYSTEM,
                    f"Intuit's token service is unreachable ({type(exc).__name__})",
                    transient=True,
                    code="network",
                ) from exc
            finally:
                client.access_token = client.refresh_token = client.id_token = None
                client.state_token = None

    def _ensure_client(self) -> Any:
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> Any:
        c = self._config
        try:
            return _TimedAuthClient(
                c.client_id, c.client_secret, c.redirect_uri, c.discovery, timeout=c.timeout
            )
        except (AuthClientError, requests.RequestException, ValueError) as exc:
            # Not cached: the next call tries the discovery document again.
            raise IntegrationError(
                SYSTEM,
                f"Intuit's discovery document is unavailable ({type(exc).__name__})",
                transient=True,
                code="discovery",
            ) from exc
        except KeyError as exc:
            raise IntegrationError(
                SYSTEM,
                f"the discovery document lacks {exc}: check SM2_QBO_DISCOVERY_URL",
                transient=False,
                code="discovery",
            ) from exc

    def _tokens(self, client: Any) -> TokenSet:
        if not (client.access_token and client.refresh_token):
            raise IntegrationError(SYSTEM, "Intuit answered without tokens", transient=True)
        lifetime = int(client.expires_in or 3600)
        return TokenSet(
            access_token=client.access_token,
            refresh_token=client.refresh_token,
            expires_at=self._clock.now() + timedelta(seconds=lifetime),
        )


def oauth_error(status: int, content: bytes | str | None) -> IntegrationError:
    """Intuit's OAuth error answer as our error; only its error code and description are kept."""
    error, description = _error_fields(content)
    reason = f"{error}: {description}" if description else error
    if error == "invalid_grant":
        return TokenRejected(f"Intuit rejected the grant ({reason})")
    if status == 429 or status >= 500:
        return IntegrationError(
            SYSTEM, f"Intuit's token service failed ({reason})", transient=True, code=str(status)
        )
    if error == "invalid_client":
        reason = "check QBO_CLIENT_ID and QBO_CLIENT_SECRET"
    return IntegrationError(
        SYSTEM, f"Intuit refused the token request ({error}): {reason}", transient=False, code=error
    )


def _error_fields(content: bytes | str | None) -> tuple[str, str]:
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return str(body.get("error") or "error"), str(body.get("error_description") or "")
