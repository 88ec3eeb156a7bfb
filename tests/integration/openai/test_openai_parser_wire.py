"""OpenAIParser against a local wire-level fake: what it sends, and how every failure maps."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import pytest
from openai_helpers import API_KEY, AUDI_KEY, AUDI_VIN, MakeParser
from openai_wire_fake import COMPLETIONS_PATH, FakeOpenAI

from sm2_adapters.openai import OpenAIParser, seed_catalog
from sm2_adapters.settings import Settings
from sm2_core.domain.enums import Language
from sm2_core.errors import IntegrationError
from sm2_core.parsing import ParsedRequest

BODY = f"Need a key for a 2023 Audi Q5 VIN {AUDI_VIN}"


def _objects(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object schema inside ``schema``, itself included."""
    found = [schema] if schema.get("type") == "object" else []
    for prop in schema.get("properties", {}).values():
        found += _objects(prop)
    if "items" in schema:
        found += _objects(schema["items"])
    return found


class TestRequest:
    async def test_sends_the_configured_model_and_key(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """The model comes from the constructor; the key goes in the Authorization header."""
        fake_openai.answer(AUDI_KEY)
        await make_parser(model="gpt-test-model").parse(BODY)
        [sent] = fake_openai.requests
        assert COMPLETIONS_PATH == sent.path
        assert "gpt-test-model" == sent.body["model"]
        assert f"Bearer {API_KEY}" == sent.headers["authorization"]
        assert 0 == sent.body["temperature"]

    async def test_asks_for_strict_structured_output(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """json_schema, strict, every property required, nothing extra allowed."""
        fake_openai.answer(AUDI_KEY)
        await parser.parse(BODY)
        [sent] = fake_openai.requests
        response_format = sent.body["response_format"]
        assert "json_schema" == response_format["type"]
        assert response_format["json_schema"]["strict"] is True
        objects = _objects(sent.schema)
        assert 2 == len(objects)
        for obj in objects:
            assert obj["additionalProperties"] is False
            assert sorted(obj["properties"]) == sorted(obj["required"])

    async def test_schema_enumerates_the_catalog_codes_and_null(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """service_code may only be a code of the catalog given to the parser, or null."""
        fake_openai.answer(AUDI_KEY)
        await parser.parse(BODY)
        item = fake_openai.requests[0].schema["properties"]["requests"]["items"]
        service = item["properties"]["service_code"]
        assert ["string", "null"] == service["type"]
        assert sorted(e.code for e in seed_catalog()) == sorted(c for c in service["enum"] if c)
        assert None in service["enum"]
        assert ["integer", "null"] == item["properties"]["year"]["type"]

    async def test_prompt_explains_the_catalog_in_both_languages(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """Each code with its English and French names; the text itself is the user message."""
        fake_openai.answer(AUDI_KEY)
        await parser.parse(BODY)
        [sent] = fake_openai.requests
        system = sent.message("system")
        for entry in seed_catalog():
            assert f"{entry.code}: {entry.name} / {entry.name_fr}" in system
        for rule in ("NHTSA", "17-character", "one entry per vehicle", "STOP", "stock"):
            assert rule in system
        assert BODY == sent.message("user")

    async def test_prompt_examples_stay_within_a_smaller_catalog(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """An example must never show a code the schema forbids."""
        small = [e for e in seed_catalog() if e.code == "KEY_PROGRAMMING"]
        fake_openai.answer(AUDI_KEY)
        await make_parser(catalog=small).parse(BODY)
        system = fake_openai.requests[0].message("system")
        assert "TIRE_CHANGE" not in system
        assert "ok merci" in system

    async def test_long_text_is_clipped_with_a_warning(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """No dealer writes 2,000 characters; more is cut, and a human is told."""
        fake_openai.answer(AUDI_KEY)
        result = await parser.parse(BODY + " x" * 2000)
        assert 2000 == len(fake_openai.requests[0].message("user"))
        assert any("only its start was read" in w for w in result.warnings)


class TestGoodAnswer:
    async def test_answer_becomes_an_openai_parse_result(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """A clean answer: parser "openai", high confidence, the contract's fields."""
        fake_openai.answer(AUDI_KEY)
        result = await parser.parse(BODY)
        expected = ParsedRequest(
            year=2023, make="Audi", model="Q5", vin=AUDI_VIN, service_code="KEY_PROGRAMMING"
        )
        assert (expected,) == result.requests
        assert "openai" == result.parser
        assert Language.EN is result.language
        assert 0.9 == result.confidence
        assert () == result.warnings


class TestSettings:
    async def test_from_settings_uses_model_and_base_url(self, fake_openai: FakeOpenAI) -> None:
        """SM2_OPENAI_MODEL and OPENAI_BASE_URL reach the wire."""
        settings = Settings(
            openai_api_key=API_KEY, openai_base_url=fake_openai.base_url, openai_model="gpt-x"
        )
        parser = OpenAIParser.from_settings(settings, catalog=seed_catalog(), max_retries=0)
        assert parser is not None
        fake_openai.answer(AUDI_KEY)
        try:
            await parser.parse(BODY)
        finally:
            await parser.aclose()
        assert "gpt-x" == fake_openai.requests[0].body["model"]

    def test_no_key_means_no_parser(self) -> None:
        """Without OPENAI_API_KEY, LLM parsing is off."""
        assert OpenAIParser.from_settings(Settings(), catalog=seed_catalog()) is None

    def test_an_empty_key_is_refused(self) -> None:
        """A parser without a key would fail on every call; refuse to build one."""
        with pytest.raises(ValueError, match="API key"):
            OpenAIParser(api_key="", catalog=seed_catalog())

    def test_building_opens_nothing_and_hides_the_key(self) -> None:
        """The client is made on first use; the repr never shows the key."""
        parser = OpenAIParser(api_key=API_KEY, base_url="http://127.0.0.1:9/v1", catalog=[])
        assert API_KEY not in repr(parser)


class TestModelFailures:
    async def test_refusal(self, parser: OpenAIParser, fake_openai: FakeOpenAI) -> None:
        """message.refusal is an error, not an empty answer."""
        fake_openai.refuse("I can't help with that.")
        with pytest.raises(IntegrationError) as caught:
            await parser.parse(BODY)
        assert ("openai", "refusal", False) == (
            caught.value.system,
            caught.value.code,
            caught.value.transient,
        )
        assert "can't help" in caught.value.message

    @pytest.mark.parametrize(
        "content",
        [
            '{"is_work": true, "requests": [',
            "Sure! Here is the JSON you asked for.",
            "[1, 2]",
            '{"is_work": "yes", "language": "en", "urgency": "LOW", "requests": []}',
            '{"is_work": true, "language": "en", "urgency": "SOON", "requests": []}',
            '{"is_work": false, "language": "en", "urgency": "LOW", "requests": [], "x": 1}',
            '{"is_work": true, "language": "en", "urgency": "LOW", "requests": [{"year": 2023}]}',
        ],
        ids=["cut", "prose", "array", "bool-type", "enum", "extra-key", "missing-keys"],
    )
    async def test_malformed_or_mismatched_json(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, content: str
    ) -> None:
        """Anything but the schema's exact shape is refused, not guessed at."""
        fake_openai.answer(content)
        with pytest.raises(IntegrationError) as caught:
            await parser.parse(BODY)
        assert "invalid_answer" == caught.value.code
        assert caught.value.transient is False

    async def test_year_as_text_is_a_mismatch(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """A year sent as text is refused: leniency would hide a vendor ignoring strict mode."""
        bad = AUDI_KEY | {"requests": [{**AUDI_KEY["requests"][0], "year": "2023"}]}
        fake_openai.answer(bad)
        with pytest.raises(IntegrationError, match=r"requests\[0\]\.year"):
            await parser.parse(BODY)

    async def test_cut_off_answer(self, parser: OpenAIParser, fake_openai: FakeOpenAI) -> None:
        """finish_reason "length" means the JSON is incomplete."""
        fake_openai.cut_off('{"is_work": true')
        with pytest.raises(IntegrationError) as caught:
            await parser.parse(BODY)
        assert "truncated" == caught.value.code

    async def test_body_that_is_not_a_completion(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI
    ) -> None:
        """A proxy's HTML page with status 200 is an error, not a crash."""
        fake_openai.raw(b"<html>gateway</html>")
        with pytest.raises(IntegrationError) as caught:
            await parser.parse(BODY)
        assert "openai" == caught.value.system


class TestHttpFailures:
    async def test_429_is_retried_then_transient(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """The SDK retries max_retries times; then a transient rate_limited error."""
        fake_openai.fail(429, times=3)
        with pytest.raises(IntegrationError) as caught:
            await make_parser(max_retries=2).parse(BODY)
        assert 3 == len(fake_openai.requests)
        assert ("rate_limited", True) == (caught.value.code, caught.value.transient)
        assert "HTTP 429" in caught.value.message

    async def test_429_honours_retry_after_then_succeeds(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """Retry-After (seconds) sets the pause before the retry that then succeeds."""
        fake_openai.fail(429, **{"retry-after": "0.3"}).answer(AUDI_KEY)
        result = await make_parser(max_retries=2).parse(BODY)
        first, second = fake_openai.requests
        assert second.at - first.at >= 0.25
        assert "openai" == result.parser

    async def test_500_is_retried_then_transient(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """5xx: retried, then transient."""
        fake_openai.fail(500, times=2)
        with pytest.raises(IntegrationError) as caught:
            await make_parser(max_retries=1).parse(BODY)
        assert 2 == len(fake_openai.requests)
        assert ("http_500", True) == (caught.value.code, caught.value.transient)

    async def test_400_is_not_retried_and_not_transient(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """A request the API rejects will be rejected again: no retry."""
        fake_openai.fail(400)
        with pytest.raises(IntegrationError) as caught:
            await make_parser(max_retries=2).parse(BODY)
        assert 1 == len(fake_openai.requests)
        assert ("http_400", False) == (caught.value.code, caught.value.transient)

    async def test_error_bodies_never_leak_the_key(
        self, parser: OpenAIParser, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An API echoing the key in its error text: the key reaches neither error nor log."""
        caplog.set_level(logging.DEBUG)
        fake_openai.fail(401, message=f"Incorrect API key provided: {API_KEY}")
        with pytest.raises(IntegrationError) as caught:
            await parser.parse(BODY)
        assert "http_401" == caught.value.code
        assert API_KEY not in str(caught.value)
        assert API_KEY not in caplog.text
        assert "Incorrect API key provided: ***" in caplog.text

    async def test_slow_answer_times_out(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """An answer later than the client timeout is a transient timeout, soon."""
        fake_openai.answer(AUDI_KEY, delay=3)
        started = time.monotonic()
        with pytest.raises(IntegrationError) as caught:
            await make_parser(timeout=0.5, max_retries=0).parse(BODY)
        assert time.monotonic() - started < 2
        assert ("timeout", True) == (caught.value.code, caught.value.transient)
        assert 1 == len(fake_openai.requests)

    async def test_timeout_is_retried(
        self, make_parser: MakeParser, fake_openai: FakeOpenAI
    ) -> None:
        """A timed-out attempt is retried; a timely retry answers."""
        fake_openai.answer(AUDI_KEY, delay=3).answer(AUDI_KEY)
        result = await make_parser(timeout=0.3, max_retries=1).parse(BODY)
        assert 2 == len(fake_openai.requests)
        assert 1 == len(result.requests)

    async def test_nobody_listening(self, make_parser: MakeParser) -> None:
        """A refused connection is a transient connection error."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        parser = make_parser(base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        with pytest.raises(IntegrationError) as caught:
            await parser.parse(BODY)
        assert ("connection", True) == (caught.value.code, caught.value.transient)
