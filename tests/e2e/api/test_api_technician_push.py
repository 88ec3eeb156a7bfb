"""A technician's Web Push over the API: register a browser, forget it, the key, acknowledge.

The portal calls these with its session cookie (no token in a page's script): a change then
needs our own Origin, and the page's CSRF token except for the service worker's acknowledgement.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from api_harness import JULIE, MARC, Api, assert_problem, bearer, param_names

from sm2_core.domain.enums import Role
from sm2_core.domain.records import Channel, OutboundKind, OutboundSms, OutboundStatus
from sm2_web.auth import SESSION_COOKIES
from sm2_web.portal.csrf import CSRF_COOKIE, new_token, session_binding

PATH = "/api/technician/push-subscriptions"
ORIGIN = "http://127.0.0.1:8000"  # the test app's SM2_PUBLIC_URL


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_subscription(endpoint: str = "https://push.example.net/wpush/v2/abc") -> dict[str, Any]:
    """What Chrome's PushSubscription.toJSON() gives."""
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": b64(b"\x04" + bytes(range(64))), "auth": b64(bytes(16))},
    }


async def owners(api: Api, technician: UUID) -> list[str]:
    async with api.system.uow() as uow:
        return [s.endpoint for s in await uow.push_subscriptions.for_technician(technician)]


def portal_cookies(api: Api) -> dict[str, str]:
    """The technician portal's session, as its pages hold it."""
    return {SESSION_COOKIES[Role.TECH]: api.token(api.tech_user)}


def page_request(api: Api, *, token: bool = True, origin: str | None = ORIGIN) -> dict[str, Any]:
    """Cookies and headers of a call from the portal's page (its CSRF token when ``token``)."""
    cookies = portal_cookies(api)
    csrf = new_token(api.config, session_binding(cookies))
    headers = {"Origin": origin} if origin else {}
    if token:
        headers["X-CSRF-Token"] = csrf
    return {"cookies": {**cookies, CSRF_COOKIE: csrf}, "headers": headers}


class TestSubscribe:
    async def test_a_browser_subscription_is_registered(self, api: Api) -> None:
        """201 with the subscription's id and endpoint; it is the technician's."""
        response = await api.client.post(PATH, headers=api.tech, json=browser_subscription())
        assert 201 == response.status_code, response.text
        body = response.json()
        assert "https://push.example.net/wpush/v2/abc" == body["endpoint"]
        assert UUID(body["id"])
        assert [body["endpoint"]] == await owners(api, api.techs[MARC])

    async def test_registering_again_keeps_one(self, api: Api) -> None:
        """A browser that subscribes again (each page load) stays one subscription."""
        for _ in range(2):
            response = await api.client.post(PATH, headers=api.tech, json=browser_subscription())
            assert 201 == response.status_code, response.text
        assert 1 == len(await owners(api, api.techs[MARC]))

    async def test_another_technicians_browser_moves_to_the_caller(self, api: Api) -> None:
        """A phone handed from Julie to Marc: its alerts go to Marc from then on."""
        julie = await api.add_user("julie", "julie-password-1", Role.TECH, api.techs[JULIE])
        shared = browser_subscription("https://push.example.net/wpush/v2/shared-phone")
        first = await api.client.post(PATH, headers=bearer(api.token(julie)), json=shared)
        assert 201 == first.status_code, first.text
        moved = await api.client.post(PATH, headers=api.tech, json=shared)
        assert 201 == moved.status_code, moved.text
        assert [] == await owners(api, api.techs[JULIE])
        assert [shared["endpoint"]] == await owners(api, api.techs[MARC])

    async def test_a_plain_http_endpoint_is_refused(self, api: Api) -> None:
        """A push service is reached over https: anything else is a 422 naming endpoint."""
        body = browser_subscription("http://push.example.net/wpush/v2/abc")
        response = await api.client.post(PATH, headers=api.tech, json=body)
        assert {"endpoint"} == param_names(assert_problem(response, 422))
        assert [] == await owners(api, api.techs[MARC])

    async def test_keys_of_the_wrong_size_are_refused(self, api: Api) -> None:
        """A p256dh that is no P-256 point's size is a 422 naming keys.p256dh."""
        body = browser_subscription()
        body["keys"]["p256dh"] = b64(bytes(20))
        response = await api.client.post(PATH, headers=api.tech, json=body)
        assert {"keys.p256dh"} == param_names(assert_problem(response, 422))

    async def test_a_missing_key_is_refused(self, api: Api) -> None:
        body = browser_subscription()
        del body["keys"]["auth"]
        response = await api.client.post(PATH, headers=api.tech, json=body)
        assert_problem(response, 422)

    async def test_an_admin_token_is_refused(self, api: Api) -> None:
        """Only technicians register browsers: an admin token is not a technician's (401)."""
        response = await api.client.post(PATH, headers=api.admin, json=browser_subscription())
        assert_problem(response, 401)

    async def test_nobody_is_refused(self, api: Api) -> None:
        response = await api.client.post(PATH, json=browser_subscription())
        assert_problem(response, 401)


class TestForget:
    async def test_a_subscription_is_forgotten(self, api: Api) -> None:
        """204, and the technician has no subscription left; forgetting again is 204 too."""
        await api.client.post(PATH, headers=api.tech, json=browser_subscription())
        endpoint = {"endpoint": browser_subscription()["endpoint"]}
        for _ in range(2):
            response = await api.client.request("DELETE", PATH, headers=api.tech, json=endpoint)
            assert 204 == response.status_code, response.text
        assert [] == await owners(api, api.techs[MARC])

    async def test_another_technicians_subscription_stays(self, api: Api) -> None:
        """Marc cannot turn Julie's alerts off by naming her browser."""
        julie = await api.add_user("julie", "julie-password-1", Role.TECH, api.techs[JULIE])
        hers = browser_subscription("https://push.example.net/wpush/v2/julie")
        await api.client.post(PATH, headers=bearer(api.token(julie)), json=hers)
        endpoint = {"endpoint": hers["endpoint"]}
        response = await api.client.request("DELETE", PATH, headers=api.tech, json=endpoint)
        assert 204 == response.status_code, response.text
        assert [hers["endpoint"]] == await owners(api, api.techs[JULIE])


class TestThePortalsCookie:
    async def test_the_page_subscribes_with_its_cookie_and_token(self, api: Api) -> None:
        """Same origin, session cookie and the page's CSRF token: 201."""
        call = page_request(api)
        api.client.cookies.update(call["cookies"])
        try:
            response = await api.client.post(
                PATH, headers=call["headers"], json=browser_subscription()
            )
        finally:
            api.client.cookies.clear()
        assert 201 == response.status_code, response.text
        assert 1 == len(await owners(api, api.techs[MARC]))

    async def test_a_cookie_without_the_pages_token_is_refused(self, api: Api) -> None:
        """A forged cross-site form or script carries the cookie at most: 403."""
        call = page_request(api, token=False)
        api.client.cookies.update(call["cookies"])
        try:
            response = await api.client.post(
                PATH, headers=call["headers"], json=browser_subscription()
            )
        finally:
            api.client.cookies.clear()
        assert_problem(response, 403)
        assert [] == await owners(api, api.techs[MARC])

    async def test_a_cookie_from_another_origin_is_refused(self, api: Api) -> None:
        call = page_request(api, origin="https://evil.example")
        api.client.cookies.update(call["cookies"])
        try:
            response = await api.client.post(
                PATH, headers=call["headers"], json=browser_subscription()
            )
        finally:
            api.client.cookies.clear()
        assert_problem(response, 403)

    async def test_a_cookie_naming_no_origin_is_refused(self, api: Api) -> None:
        """No browser leaves Origin out of a script's POST: a cookie call must name it."""
        call = page_request(api, origin=None)
        api.client.cookies.update(call["cookies"])
        try:
            response = await api.client.post(
                PATH, headers=call["headers"], json=browser_subscription()
            )
        finally:
            api.client.cookies.clear()
        assert_problem(response, 403)

    async def test_the_key_is_read_with_the_cookie(self, api: Api) -> None:
        api.client.cookies.update(portal_cookies(api))
        try:
            response = await api.client.get("/api/technician/push-key")
        finally:
            api.client.cookies.clear()
        assert 200 == response.status_code, response.text
        assert {"public_key": api.services.notifications.push_key} == response.json()


class TestPushKey:
    async def test_the_key_browsers_subscribe_with(self, api: Api) -> None:
        """The VAPID public key as the service has it (null when push is off)."""
        response = await api.client.get("/api/technician/push-key", headers=api.tech)
        assert 200 == response.status_code, response.text
        assert {"public_key": api.services.notifications.push_key} == response.json()

    async def test_an_admin_token_is_refused(self, api: Api) -> None:
        response = await api.client.get("/api/technician/push-key", headers=api.admin)
        assert_problem(response, 401)


async def pushed_alert(api: Api, technician: UUID) -> OutboundSms:
    """An alert pushed to ``technician``'s phone, waiting for its acknowledgement."""
    message = OutboundSms(
        id=uuid4(),
        to_number="+14185550201",
        body="SM2-2026-001 assigned",
        created_at=datetime.now(UTC),
        status=OutboundStatus.PUSHED,
        kind=OutboundKind.ALERT,
        channel=Channel.PUSH,
        technician_id=technician,
    )
    async with api.system.uow() as uow:
        await uow.outbox.add(message)
    return message


async def status_of(api: Api, message_id: UUID) -> OutboundStatus:
    async with api.system.uow() as uow:
        status: OutboundStatus = (await uow.outbox.get(message_id)).status
        return status


class TestAcknowledge:
    async def test_the_phone_acknowledges_its_alert(self, api: Api) -> None:
        """204, and the alert counts as delivered: no SMS fallback."""
        alert = await pushed_alert(api, api.techs[MARC])
        url = f"/api/technician/messages/{alert.id}/ack"
        response = await api.client.post(url, headers=api.tech)
        assert 204 == response.status_code, response.text
        assert OutboundStatus.DELIVERED == await status_of(api, alert.id)

    async def test_the_service_worker_acknowledges_with_the_cookie(self, api: Api) -> None:
        """The service worker holds no token: the cookie from our own origin is enough."""
        alert = await pushed_alert(api, api.techs[MARC])
        call = page_request(api, token=False)
        api.client.cookies.update(call["cookies"])
        try:
            url = f"/api/technician/messages/{alert.id}/ack"
            response = await api.client.post(url, headers=call["headers"])
        finally:
            api.client.cookies.clear()
        assert 204 == response.status_code, response.text
        assert OutboundStatus.DELIVERED == await status_of(api, alert.id)

    async def test_a_cross_origin_acknowledgement_is_refused(self, api: Api) -> None:
        alert = await pushed_alert(api, api.techs[MARC])
        call = page_request(api, token=False, origin="https://evil.example")
        api.client.cookies.update(call["cookies"])
        try:
            url = f"/api/technician/messages/{alert.id}/ack"
            response = await api.client.post(url, headers=call["headers"])
        finally:
            api.client.cookies.clear()
        assert_problem(response, 403)
        assert OutboundStatus.PUSHED == await status_of(api, alert.id)

    async def test_another_technicians_alert_is_not_found(self, api: Api) -> None:
        """Julie's alert, or no alert at all: 404, and Julie's still waits."""
        alert = await pushed_alert(api, api.techs[JULIE])
        for message_id in (alert.id, uuid4()):
            url = f"/api/technician/messages/{message_id}/ack"
            assert_problem(await api.client.post(url, headers=api.tech), 404)
        assert OutboundStatus.PUSHED == await status_of(api, alert.id)

    async def test_nobody_and_admins_are_refused(self, api: Api) -> None:
        alert = await pushed_alert(api, api.techs[MARC])
        url = f"/api/technician/messages/{alert.id}/ack"
        assert_problem(await api.client.post(url), 401)
        assert_problem(await api.client.post(url, headers=api.admin), 401)
