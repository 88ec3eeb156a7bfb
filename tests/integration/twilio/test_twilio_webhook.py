"""The inbound webhook through the Litestar app on the memory system, signed by the real SDK.

The app runs in the test's own event loop (httpx's ASGI transport), as the memory system expects;
its lifespan only starts the SSE broadcaster, which the webhook does not use, so it is not run. The client's Host is ``testserver.local``; Twilio signs
the public URL, which is what the app must check against.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
from twilio.request_validator import RequestValidator
from twilio_helpers import (
    AUDI_QUEBEC,
    AUTH_TOKEN,
    FORD_LEVIS,
    KEY_JOB,
    OUR_NUMBER,
    TWO_JOBS,
    UNKNOWN_SENDER,
    ScriptedParser,
    demo_system,
)

from sm2_adapters.memory import MemorySystem
from sm2_adapters.memory.fakes import MemoryHealth, MemoryRateLimiter
from sm2_core.domain.records import MessageStatus
from sm2_web.app import create_app
from sm2_web.config import WebConfig

PUBLIC_URL = "https://dispatch.example.com"
PATH = "/webhooks/twilio/sms"
HOST_URL = "http://testserver.local"
TWIML_CONTENT = "text/xml"
PROBLEM_CONTENT = "application/problem+json"

Form = Mapping[str, str]
ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def twilio_form(body: str = TWO_JOBS, *, sender: str = FORD_LEVIS, **extra: str) -> dict[str, str]:
    """What Twilio posts for an inbound SMS."""
    return {
        "ToCountry": "CA",
        "SmsMessageSid": "SM" + "1" * 32,
        "NumMedia": "0",
        "SmsSid": "SM" + "1" * 32,
        "SmsStatus": "received",
        "Body": body,
        "To": OUR_NUMBER,
        "NumSegments": "1",
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def sign(form: Form, *, url: str = PUBLIC_URL + PATH, token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, dict(form)))


async def post_signed(
    client: httpx.AsyncClient, form: Form, *, query: str = "", signature: str | None = None
) -> httpx.Response:
    """POST ``form`` signed as Twilio signs it: public URL + path + query, and the params."""
    suffix = f"?{query}" if query else ""
    if signature is None:
        signature = sign(form, url=PUBLIC_URL + PATH + suffix)
    return await client.post(PATH + suffix, data=dict(form), headers=_signature(signature))


def _signature(value: str) -> dict[str, str]:
    return {"X-Twilio-Signature": value} if value else {}


@pytest.fixture
async def system(parser: ScriptedParser) -> MemorySystem:
    return await demo_system(parser)


@pytest.fixture
def client_for(system: MemorySystem) -> ClientFactory:
    """``async with client_for(twilio_verify=..., twilio_auth_token=...) as client``."""

    @asynccontextmanager
    async def make(**config: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings: dict[str, Any] = {
            "jwt_secret": "x" * 32,
            "public_url": PUBLIC_URL,
            "twilio_auth_token": AUTH_TOKEN,
            **config,
        }
        app = create_app(
            system.services,
            config=WebConfig(**settings),
            clock=system.clock,
            limiter=MemoryRateLimiter(system.clock),
            events_feed=system.bus,
            health_probe=MemoryHealth(),
        )
        # Litestar's ASGI signature is narrower than httpx's annotation, not incompatible.
        transport = httpx.ASGITransport(app=cast(Any, app))
        async with httpx.AsyncClient(transport=transport, base_url=HOST_URL) as c:
            yield c

    return make


@pytest.fixture
async def client(client_for: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for() as c:
        yield c


def assert_twiml(response: httpx.Response) -> None:
    assert 200 == response.status_code, response.text
    assert response.headers["content-type"].startswith(TWIML_CONTENT)
    root = ElementTree.fromstring(response.content)
    assert ("Response", []) == (root.tag, list(root))


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert status == response.status_code, response.text
    assert response.headers["content-type"].startswith(PROBLEM_CONTENT)
    document: dict[str, Any] = response.json()
    assert status == document["status"]
    assert document["title"]
    return document


def assert_nothing_stored(system: MemorySystem) -> None:
    assert {} == system.store.tables.messages
    assert [] == system.tasks.pending


def only_message(system: MemorySystem) -> Any:
    (message,) = system.store.tables.messages.values()
    return message


class TestSignature:
    async def test_signed_for_the_public_url_is_accepted(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Signed over SM2_PUBLIC_URL + path, posted to another Host: stored, empty TwiML."""
        response = await post_signed(client, twilio_form())
        assert_twiml(response)
        message = only_message(system)
        assert (FORD_LEVIS, TWO_JOBS, MessageStatus.RECEIVED) == (
            message.from_number,
            message.body,
            message.status,
        )

    async def test_signed_for_the_host_header_is_refused(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """A signature over the URL the request came to (its Host) is not Twilio's."""
        form = twilio_form()
        response = await post_signed(client, form, signature=sign(form, url=HOST_URL + PATH))
        assert_problem(response, 403)
        assert_nothing_stored(system)

    async def test_a_forged_host_header_changes_nothing(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Host: the public host, signed for the client's URL: still refused."""
        form = twilio_form()
        response = await client.post(
            PATH,
            data=form,
            headers={
                "Host": "dispatch.example.com",
                "X-Forwarded-Host": "dispatch.example.com",
                "X-Forwarded-Proto": "https",
                **_signature(sign(form, url=HOST_URL + PATH)),
            },
        )
        assert_problem(response, 403)
        assert_nothing_stored(system)

    async def test_the_query_string_is_signed(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """A webhook URL with a query: Twilio signs it, so do we."""
        assert_twiml(await post_signed(client, twilio_form(), query="source=twilio&v=2"))
        assert 1 == len(system.store.tables.messages)

    async def test_a_signature_without_the_query_is_refused(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """The query is part of what is signed: dropping it breaks the signature."""
        form = twilio_form()
        response = await post_signed(client, form, query="source=twilio", signature=sign(form))
        assert_problem(response, 403)
        assert_nothing_stored(system)

    async def test_the_explicit_https_port_is_accepted(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Twilio may sign ``https://host:443/...``; the validator tries both forms."""
        form = twilio_form()
        signature = sign(form, url="https://dispatch.example.com:443" + PATH)
        assert_twiml(await post_signed(client, form, signature=signature))

    @pytest.mark.parametrize(
        "signature",
        [
            "",
            "not-a-signature",
            sign(twilio_form(), token="another-accounts-token"),
            sign(twilio_form(body="something else")),
        ],
        ids=["missing", "garbage", "other-token", "other-body"],
    )
    async def test_bad_or_missing_signature_is_forbidden(
        self, client: httpx.AsyncClient, system: MemorySystem, signature: str
    ) -> None:
        """403, nothing stored, nothing queued."""
        response = await post_signed(client, twilio_form(), signature=signature)
        assert_problem(response, 403)
        assert_nothing_stored(system)

    async def test_a_param_added_after_signing_is_refused(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Every param is signed: one more field breaks the signature."""
        form = twilio_form()
        signature = sign(form)
        response = await post_signed(client, {**form, "Extra": "1"}, signature=signature)
        assert_problem(response, 403)
        assert_nothing_stored(system)

    async def test_no_auth_token_while_verifying_is_503(
        self, client_for: ClientFactory, system: MemorySystem
    ) -> None:
        """Verification on and nothing to verify with: not configured, nothing stored."""
        async with client_for(twilio_auth_token=None) as client:
            response = await post_signed(client, twilio_form())
        assert_problem(response, 503)
        assert_nothing_stored(system)

    async def test_verification_off_accepts_unsigned(
        self, client_for: ClientFactory, system: MemorySystem
    ) -> None:
        """SM2_TWILIO_VERIFY=off (development): no token, no signature, accepted."""
        async with client_for(twilio_verify=False, twilio_auth_token=None) as client:
            response = await client.post(PATH, data=twilio_form())
        assert_twiml(response)
        assert 1 == len(system.store.tables.messages)


class TestDelivery:
    async def test_duplicate_message_sid_makes_one_message_and_one_set_of_jobs(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Twilio delivering twice: both 200, one message, jobs and confirmation once."""
        form = twilio_form()
        assert_twiml(await post_signed(client, form))
        await system.run_tasks()
        assert_twiml(await post_signed(client, form))
        await system.run_tasks()
        assert 1 == len(system.store.tables.messages)
        assert 2 == len(system.store.tables.jobs)
        assert 1 == len(system.store.tables.outbox)
        assert 1 == len(system.sms.sent)
        assert [TWO_JOBS] == [body for body, _ in self._parses(system)]

    async def test_duplicate_before_the_tasks_ran(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """A repeat that arrives before the worker ran queues no second parse."""
        form = twilio_form()
        assert_twiml(await post_signed(client, form))
        assert_twiml(await post_signed(client, form))
        await system.run_tasks()
        assert (1, 2, 1) == (
            len(system.store.tables.messages),
            len(system.store.tables.jobs),
            len(system.sms.sent),
        )

    async def test_sms_sid_instead_of_message_sid(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Older deliveries carry only SmsSid: it is the message's sid."""
        form = twilio_form()
        del form["MessageSid"]
        form["SmsSid"] = "SM" + "5" * 32
        assert_twiml(await post_signed(client, form))
        assert "SM" + "5" * 32 == only_message(system).sid

    async def test_accents_and_emoji_are_stored_as_sent(
        self, client: httpx.AsyncClient, system: MemorySystem, parser: ScriptedParser
    ) -> None:
        """A French text arrives intact, is parsed and becomes a job."""
        assert_twiml(await post_signed(client, twilio_form(KEY_JOB + " 🙏", sender=AUDI_QUEBEC)))
        await system.run_tasks()
        assert KEY_JOB + " 🙏" == only_message(system).body
        assert [KEY_JOB + " 🙏"] == [body for body, _ in parser.calls]

    async def test_local_number_format_is_normalized(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """A From without the country code still finds its dealership."""
        assert_twiml(await post_signed(client, twilio_form(sender="(418) 555-0102")))
        assert FORD_LEVIS == only_message(system).from_number
        await system.run_tasks()
        ford = next(d for d in system.store.tables.dealerships.values() if d.phone == FORD_LEVIS)
        assert ford.id == only_message(system).dealership_id

    async def test_unknown_sender_goes_to_the_inbox_unparsed(
        self, client: httpx.AsyncClient, system: MemorySystem, parser: ScriptedParser
    ) -> None:
        """Stored UNMATCHED, announced as ``message.unmatched``, never parsed."""
        assert_twiml(await post_signed(client, twilio_form(sender=UNKNOWN_SENDER)))
        await system.run_tasks()
        message = only_message(system)
        assert (MessageStatus.UNMATCHED, None) == (message.status, message.dealership_id)
        assert "message.unmatched" in system.bus.names
        assert [] == parser.calls
        assert {} == system.store.tables.jobs
        assert [message.id] == [m.id for m in await system.services.intake.inbox()]

    @staticmethod
    def _parses(system: MemorySystem) -> list[tuple[str, Any]]:
        parser = system.services.intake.parser
        assert isinstance(parser, ScriptedParser)
        return parser.calls


class TestMalformed:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"From": None}, "From"),
            ({"Body": None}, "Body"),
            ({"MessageSid": None, "SmsSid": None, "SmsMessageSid": None}, "MessageSid"),
            ({"From": "not a phone"}, "From"),
            ({"From": ""}, "From"),
            ({"NumMedia": "two"}, "NumMedia"),
            ({"NumMedia": "-1"}, "NumMedia"),
            ({"MessageSid": "SM" + "9" * 70}, "MessageSid"),
            ({"Body": "x" * 1601}, "Body"),
        ],
        ids=[
            "no-from",
            "no-body",
            "no-sid",
            "from-not-a-phone",
            "from-empty",
            "num-media-word",
            "num-media-negative",
            "sid-too-long",
            "body-over-1600",
        ],
    )
    async def test_signed_but_invalid_is_a_problem_naming_the_field(
        self,
        client: httpx.AsyncClient,
        system: MemorySystem,
        change: dict[str, str | None],
        field: str,
    ) -> None:
        """A genuine Twilio signature does not make bad input acceptable."""
        form = {k: v for k, v in {**twilio_form(), **change}.items() if v is not None}
        document = assert_problem(await post_signed(client, form), 422)
        assert field in [p["name"] for p in document.get("invalid_params", [])]
        assert_nothing_stored(system)

    async def test_num_media_beyond_any_real_count_is_refused(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Twilio sends at most 10 media; 2**31 does not fit the database's integer."""
        form = twilio_form(NumMedia=str(2**31))
        document = assert_problem(await post_signed(client, form), 422)
        assert "NumMedia" in [p["name"] for p in document.get("invalid_params", [])]
        assert_nothing_stored(system)

    async def test_nul_character_in_the_body_is_refused(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """No SMS carries U+0000, and PostgreSQL text cannot store it: refused, not a 500."""
        document = assert_problem(await post_signed(client, twilio_form(body="F-150\x00")), 422)
        assert "Body" in [p["name"] for p in document.get("invalid_params", [])]
        assert_nothing_stored(system)

    async def test_body_over_the_app_limit_is_413(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Past the app's own request limit (1 MB) the answer is still a problem document."""
        form = twilio_form(body="x" * 1_100_000)
        assert_problem(await post_signed(client, form, signature="unchecked"), 413)
        assert_nothing_stored(system)

    async def test_body_over_64_kib_is_413(
        self, client: httpx.AsyncClient, system: MemorySystem
    ) -> None:
        """Refused by size before anything else, even when signed."""
        form = twilio_form(body="é" * (33 * 1024))
        assert_problem(await post_signed(client, form), 413)
        assert_nothing_stored(system)

    @pytest.mark.parametrize(
        "raw",
        [
            b"From=%2B14185550102&MessageSid=SM1&Body=%FF%FE",
            b"From=%2B14185550102&MessageSid=SM1&Body=caf\xe9",
        ],
        ids=["percent-encoded", "raw-latin1"],
    )
    @pytest.mark.parametrize("verify", [True, False], ids=["verified", "unverified"])
    async def test_invalid_utf8_is_a_problem(
        self, client_for: ClientFactory, system: MemorySystem, raw: bytes, verify: bool
    ) -> None:
        """Bytes that are no UTF-8 text: a 4xx problem, nothing stored."""
        async with client_for(twilio_verify=verify) as client:
            response = await client.post(
                PATH,
                content=raw,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": "anything",
                },
            )
        assert 400 <= response.status_code < 500
        assert_problem(response, response.status_code)
        assert_nothing_stored(system)

    async def test_not_form_encoded_is_a_problem(
        self, client_for: ClientFactory, system: MemorySystem
    ) -> None:
        """A body that is no form at all (verification off, so only parsing decides)."""
        async with client_for(twilio_verify=False) as client:
            response = await client.post(
                PATH, content=b"just some text", headers={"Content-Type": "text/plain"}
            )
        assert_problem(response, 422)
        assert_nothing_stored(system)


class TestResponse:
    async def test_empty_twiml_as_text_xml(self, client: httpx.AsyncClient) -> None:
        """Twilio reads the answer as TwiML: an empty <Response/>, so no reply SMS."""
        response = await post_signed(client, twilio_form())
        assert_twiml(response)
        assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')

    async def test_unmatched_also_answers_empty_twiml(self, client: httpx.AsyncClient) -> None:
        """Unknown senders get no auto-reply either."""
        assert_twiml(await post_signed(client, twilio_form(sender=UNKNOWN_SENDER)))


class TestTwilioDocumentedVector:
    """Twilio's published example: https://www.twilio.com/docs/usage/security."""

    TOKEN = "12345"
    URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
    PARAMS = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

    def test_compute_signature(self) -> None:
        """The SDK computes Twilio's documented signature."""
        assert self.EXPECTED == RequestValidator(self.TOKEN).compute_signature(
            self.URL, self.PARAMS
        )

    def test_validate(self) -> None:
        """And accepts it, with or without the default port."""
        validator = RequestValidator(self.TOKEN)
        assert validator.validate(self.URL, self.PARAMS, self.EXPECTED)
        port_url = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
        assert validator.validate(port_url, self.PARAMS, self.EXPECTED)

    @pytest.mark.parametrize(
        ("token", "url", "params"),
        [
            ("54321", URL, PARAMS),
            (TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=3", PARAMS),
            (TOKEN, URL, {**PARAMS, "Digits": "4321"}),
        ],
        ids=["other-token", "other-url", "other-params"],
    )
    def test_any_change_invalidates(self, token: str, url: str, params: dict[str, str]) -> None:
        """Token, URL and every param are covered by the signature."""
        assert not RequestValidator(token).validate(url, params, self.EXPECTED)

    def test_urlencoded_form_round_trip(self) -> None:
        """The vector's params as a form body decode back to what was signed."""
        from urllib.parse import parse_qsl

        assert self.PARAMS == dict(parse_qsl(urlencode(self.PARAMS)))
