"""The local push service refuses what real push services refuse: otherwise the adapter's tests
(and everyone's who push to it) would prove nothing about signatures and encryption."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import uuid4

import aiohttp
import pytest
from py_vapid import Vapid02
from pywebpush import WebPusher

from integration.push.fake_push_service import PushService, browser_json
from sm2_adapters.settings import new_vapid_private_key
from sm2_adapters.webpush import private_key

SUB = "mailto:dispatch@example.com"


async def post(
    service: PushService,
    *,
    claims: dict[str, Any] | None = None,
    tamper: bool = False,
    headers: dict[str, str] | None = None,
    encoding: str = "aes128gcm",
) -> tuple[int, list[Any]]:
    """Push ``{"ok": true}`` with pywebpush, signed with ``claims`` (valid ones by default)."""
    subscription, token = service.subscription(uuid4())
    vapid = Vapid02(private_key(new_vapid_private_key()), conf={"no-strict": True})
    signed = vapid.sign(
        {"sub": SUB, "aud": service.origin, "exp": int(time.time()) + 3600, **(claims or {})}
    )
    if tamper:  # the token signed by this key, presented with another key
        token = signed["Authorization"].split("t=")[1].split(",")[0]
        other = Vapid02(private_key(new_vapid_private_key())).sign(
            {"sub": SUB, "aud": service.origin}
        )
        signed["Authorization"] = f"vapid t={token},k={other['Authorization'].split('k=')[1]}"
    async with aiohttp.ClientSession() as session:
        response = await WebPusher(browser_json(subscription), aiohttp_session=session).send_async(
            json.dumps({"ok": True}),
            {**signed, **(headers or {})},
            ttl=60,
            content_encoding=encoding,
        )
    return response.status, service.received(token)


class TestThePushServiceChecks:
    async def test_a_well_formed_push_is_accepted_and_decrypted(
        self, push_service: PushService
    ) -> None:
        assert (201, [{"ok": True}]) == await post(push_service)

    async def test_a_forged_signature_is_refused(self, push_service: PushService) -> None:
        assert 403 == (await post(push_service, tamper=True))[0]

    @pytest.mark.parametrize(
        "claims",
        [
            {"aud": "https://fcm.googleapis.com"},  # signed for another push service
            {"exp": int(time.time()) - 10},  # expired
            {"exp": int(time.time()) + 25 * 3600},  # longer than RFC 8292 allows
            {"sub": "dispatch@example.com"},  # not a mailto: or https: URI
        ],
    )
    async def test_invalid_claims_are_refused(
        self, push_service: PushService, claims: dict[str, Any]
    ) -> None:
        assert 403 == (await post(push_service, claims=claims))[0]

    async def test_a_push_without_vapid_is_unauthorized(self, push_service: PushService) -> None:
        assert 401 == (await post(push_service, headers={"Authorization": "WebPush abc"}))[0]

    async def test_the_old_aesgcm_encoding_is_refused(self, push_service: PushService) -> None:
        assert 400 == (await post(push_service, encoding="aesgcm"))[0]
