"""The Web Push adapter with the real pywebpush, against a local push service that checks the
VAPID token and decrypts the payload as a browser would."""

from __future__ import annotations

import socket
import time
from uuid import uuid4

import attrs
import pytest

from integration.push.fake_push_service import PushService
from sm2_adapters.settings import new_vapid_private_key
from sm2_adapters.unconfigured import PushNotConfigured
from sm2_adapters.webpush import WebPushSender
from sm2_core.domain.push import PushSubscription
from sm2_core.errors import IntegrationError, NotConfigured

SUBJECT = "mailto:dispatch@example.com"
ALERT = {
    "kind": "job.assigned",
    "job_code": "SM2-2025-014",
    "title": "Programmation de clé — Audi Q5 2023",
    "url": "https://dispatch.example.com/tech/jobs/7",
}


@pytest.fixture
def sender() -> WebPushSender:
    return WebPushSender(key=new_vapid_private_key(), subject=SUBJECT, timeout=2.0)


def subscribe(service: PushService, sender: WebPushSender) -> tuple[PushSubscription, str]:
    """A browser that subscribed with the sender's public key, as the portal makes it."""
    return service.subscription(uuid4(), application_server_key=sender.public_key)


class TestDelivery:
    async def test_the_payload_arrives_decrypted_and_unchanged(
        self, push_service: PushService, sender: WebPushSender
    ) -> None:
        """What the technician's service worker reads is exactly what was pushed."""
        subscription, token = push_service.subscription(
            uuid4(), application_server_key=sender.public_key
        )

        outcome = await sender.push(subscription, ALERT, ttl_seconds=300)

        assert outcome.accepted
        assert not outcome.gone
        assert [ALERT] == push_service.received(token)

    async def test_each_push_is_signed_for_its_push_service(
        self, push_service: PushService, sender: WebPushSender
    ) -> None:
        """VAPID: aud is the push service's origin, sub our contact, exp at most 12 h ahead,
        and the key is the one browsers subscribe with."""
        subscription, token = push_service.subscription(uuid4())

        await sender.push(subscription, ALERT, ttl_seconds=300)

        (delivery,) = push_service.deliveries(token)
        assert delivery.claims is not None
        assert push_service.origin == delivery.claims["aud"]
        assert SUBJECT == delivery.claims["sub"]
        assert time.time() < delivery.claims["exp"] <= time.time() + 12 * 3600
        assert sender.public_key == delivery.vapid_key

    async def test_ttl_and_urgency_go_with_the_push(
        self, push_service: PushService, sender: WebPushSender
    ) -> None:
        """The TTL asked for is how long the service may hold it; alerts are urgent."""
        subscription, token = push_service.subscription(uuid4())

        await sender.push(subscription, ALERT, ttl_seconds=90)

        (delivery,) = push_service.deliveries(token)
        assert (90, "high") == (delivery.ttl, delivery.urgency)


class TestRefusals:
    async def test_a_browser_subscribed_with_another_key_refuses_our_pushes(
        self, push_service: PushService, sender: WebPushSender
    ) -> None:
        """A key change (a lost dev key, a new SM2_VAPID_PRIVATE_KEY) is a 403, not an error to
        retry."""
        other = WebPushSender(key=new_vapid_private_key(), subject=SUBJECT)
        subscription, token = push_service.subscription(
            uuid4(), application_server_key=other.public_key
        )

        outcome = await sender.push(subscription, ALERT, ttl_seconds=60)

        assert (False, False) == (outcome.accepted, outcome.gone)
        assert "HTTP 403" in outcome.detail
        assert [] == push_service.received(token)

    @pytest.mark.parametrize("status", [404, 410])
    async def test_an_expired_subscription_is_gone(
        self, push_service: PushService, sender: WebPushSender, status: int
    ) -> None:
        """404 and 410 say the browser is no longer subscribed: the caller forgets it."""
        subscription, token = subscribe(push_service, sender)
        push_service.answer(token, status)

        outcome = await sender.push(subscription, ALERT, ttl_seconds=60)

        assert (False, True) == (outcome.accepted, outcome.gone)
        assert f"HTTP {status}" in outcome.detail

    @pytest.mark.parametrize("status", [400, 403, 413])
    async def test_other_refusals_are_outcomes_that_say_why(
        self, push_service: PushService, sender: WebPushSender, status: int
    ) -> None:
        subscription, token = subscribe(push_service, sender)
        push_service.answer(token, status)

        outcome = await sender.push(subscription, ALERT, ttl_seconds=60)

        assert (False, False) == (outcome.accepted, outcome.gone)
        assert f"HTTP {status}" in outcome.detail
        assert "scripted by the test" in outcome.detail  # the service's own words

    async def test_a_payload_too_large_for_web_push_is_refused(
        self, push_service: PushService, sender: WebPushSender
    ) -> None:
        """Push services take 4 KB: a larger payload is refused with 413, not retried."""
        subscription, token = subscribe(push_service, sender)

        outcome = await sender.push(subscription, {"notes": "x" * 5000}, ttl_seconds=60)

        assert not outcome.accepted
        assert "HTTP 413" in outcome.detail
        assert [] == push_service.received(token)

    async def test_unusable_keys_are_refused_without_a_request(
        self, push_service: PushService, sender: WebPushSender
    ) -> None:
        """Keys a browser could not have made never reach the push service."""
        subscription, token = subscribe(push_service, sender)
        broken = attrs.evolve(subscription, p256dh="bm90LWEta2V5")

        outcome = await sender.push(broken, ALERT, ttl_seconds=60)

        assert (False, False) == (outcome.accepted, outcome.gone)
        assert "p256dh" in outcome.detail
        assert [] == push_service.deliveries(token)


class TestTransientFailures:
    @pytest.mark.parametrize("status", [429, 500, 503])
    async def test_busy_or_failing_push_services_are_retried_later(
        self, push_service: PushService, sender: WebPushSender, status: int
    ) -> None:
        subscription, token = subscribe(push_service, sender)
        push_service.answer(token, status)

        with pytest.raises(IntegrationError) as raised:
            await sender.push(subscription, ALERT, ttl_seconds=60)

        assert (True, "webpush", str(status)) == (
            raised.value.transient,
            raised.value.system,
            raised.value.code,
        )

    async def test_an_unreachable_push_service_is_transient(self, sender: WebPushSender) -> None:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with PushService() as service:
            subscription, _ = subscribe(service, sender)
        unreachable = attrs.evolve(subscription, endpoint=f"http://127.0.0.1:{port}/push/abc")

        with pytest.raises(IntegrationError) as raised:
            await sender.push(unreachable, ALERT, ttl_seconds=60)

        assert (True, "connection") == (raised.value.transient, raised.value.code)

    async def test_a_push_service_that_does_not_answer_times_out(
        self, push_service: PushService
    ) -> None:
        sender = WebPushSender(key=new_vapid_private_key(), subject=SUBJECT, timeout=0.2)
        subscription, token = subscribe(push_service, sender)
        push_service.answer(token, 201, delay=1.0)

        with pytest.raises(IntegrationError) as raised:
            await sender.push(subscription, ALERT, ttl_seconds=60)

        assert (True, "timeout") == (raised.value.transient, raised.value.code)


class TestNotConfigured:
    async def test_without_a_key_there_is_no_public_key_and_no_push(
        self, push_service: PushService
    ) -> None:
        sender = PushNotConfigured()
        subscription, _ = push_service.subscription(uuid4())

        assert sender.public_key is None
        with pytest.raises(NotConfigured):
            await sender.push(subscription, ALERT, ttl_seconds=60)
