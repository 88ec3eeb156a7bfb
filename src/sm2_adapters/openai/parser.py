"""OpenAI as a MessageParser: one chat completion constrained by a strict JSON schema.

Every failure (refusal, a malformed or truncated answer, a timeout, 429, 5xx, no connection)
leaves as ``IntegrationError("openai", ..., transient=...)``; callers never see SDK exceptions.
The SDK retries 408/409/429/5xx and connection errors itself (``max_retries``), honouring
``Retry-After``; what reaches us has exhausted those retries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import attrs
import openai
from openai import AsyncOpenAI
from openai.types.shared_params import ResponseFormatJSONSchema

from sm2_adapters.clock import SystemClock
from sm2_adapters.openai.catalog import CatalogService, catalog_entries
from sm2_adapters.openai.output import decode_answer
from sm2_adapters.openai.prompt import response_format, system_prompt
from sm2_adapters.openai.validation import to_parse_result
from sm2_adapters.settings import Settings
from sm2_core.errors import IntegrationError
from sm2_core.parsing import CatalogSnapshot, ParseResult
from sm2_core.ports import Clock, ParsingCatalog

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
#: Twilio joins segments up to 1,600 characters; more than this is no dealer's text, and the
#: cost of a call grows with it.
MAX_BODY_CHARS = 2000
#: Room for a dozen vehicles; an answer cut off here is malformed, so the cap is also a guard.
MAX_ANSWER_TOKENS = 1500
_SYSTEM = "openai"


class OpenAIParser:
    """Reads a dealer's text with an OpenAI chat model. Implements ``MessageParser``."""

    def __init__(
        self,
        *,
        api_key: str,
        catalog: Iterable[CatalogService] = (),
        live: ParsingCatalog | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        clock: Clock | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("an OpenAI API key is required; build no parser without one")
        self._api_key = api_key
        self._live = live
        """When given, each parse tells the model the catalog as it is now, not ``catalog``."""
        self._instructions = _Instructions.of(catalog)
        self._instructions_for: CatalogSnapshot | None = None
        self.model = model
        self._base_url = base_url
        self._timeout = timeout
        self._max_retries = max_retries
        self._clock: Clock = clock or SystemClock()
        self._client: AsyncOpenAI | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> OpenAIParser | None:
        """The parser the settings ask for; None when no API key is set (LLM parsing off)."""
        if not settings.openai_api_key:
            return None
        return cls(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            model=settings.openai_model,
            **options,
        )

    def __repr__(self) -> str:
        return f"OpenAIParser(model={self.model!r}, base_url={self._base_url!r})"

    @property
    def system_prompt(self) -> str:
        """The instructions the last parse gave (the fixed catalog's before any)."""
        return self._instructions.prompt

    async def _current(self) -> _Instructions:
        if self._live is not None:
            snapshot = await self._live.snapshot()
            if snapshot is not self._instructions_for:
                self._instructions = _Instructions.of(snapshot.services)
                self._instructions_for = snapshot
        return self._instructions

    def _get_client(self) -> AsyncOpenAI:
        # Built on first use: an httpx pool belongs to the event loop that uses it, and building
        # the system (synchronously, maybe before any loop runs) must not open anything.
        if self._client is None:
            self._client = AsyncOpenAI(
                api_key=self._api_key,
                base_url=self._base_url,
                timeout=self._timeout,
                max_retries=self._max_retries,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        text = body[:MAX_BODY_CHARS]
        instructions = await self._current()
        content = await self._ask(text, instructions)
        answer = decode_answer(content)
        result = to_parse_result(answer, codes=instructions.codes, this_year=self._clock.now().year)
        if len(body) > len(text):
            note = f"Text longer than {MAX_BODY_CHARS} characters; only its start was read"
            result = attrs.evolve(result, warnings=(*result.warnings, note))
        return result

    async def _ask(self, text: str, instructions: _Instructions) -> str:
        """The answer's JSON text, or IntegrationError."""
        log.debug("asking %s to read a text of %d characters", self.model, len(text))
        try:
            completion = await self._get_client().chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": instructions.prompt},
                    {"role": "user", "content": text},
                ],
                response_format=instructions.response_format,
                temperature=0,
                max_completion_tokens=MAX_ANSWER_TOKENS,
            )
        except openai.OpenAIError as exc:
            raise self._translate(exc) from exc
        return _content(completion)

    def _translate(self, exc: openai.OpenAIError) -> IntegrationError:
        if isinstance(exc, openai.APITimeoutError):
            return _error(f"no answer within {self._timeout:g} s", transient=True, code="timeout")
        if isinstance(exc, openai.APIConnectionError):
            return _error("cannot reach the API", transient=True, code="connection")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            transient = status in (408, 409, 429) or status >= 500
            code = "rate_limited" if status == 429 else f"http_{status}"
            # The body's text goes to the log only: a review reason should stay one short line.
            log.info("OpenAI answered HTTP %s: %s", status, self._redact(exc.message)[:500])
            vendor_code = f" ({exc.code})" if isinstance(exc.code, str) else ""
            return _error(f"HTTP {status}{vendor_code}", transient=transient, code=code)
        return _error(self._redact(str(exc))[:300], transient=False, code="sdk_error")

    def _redact(self, text: str) -> str:
        # Vendor messages echo parts of a bad key; never let the whole key reach a log or a job.
        return text.replace(self._api_key, "***")


@attrs.frozen
class _Instructions:
    """What the model is told for one catalog: the prompt, the answer's schema, the codes."""

    prompt: str
    response_format: ResponseFormatJSONSchema
    codes: frozenset[str]

    @classmethod
    def of(cls, catalog: Iterable[CatalogService]) -> _Instructions:
        entries = catalog_entries(catalog)
        codes = [e.code for e in entries]
        return cls(system_prompt(entries), response_format(codes), frozenset(codes))


def _content(completion: object) -> str:
    """The JSON text of the first choice; refusals, cut-off and empty answers are errors."""
    choices = getattr(completion, "choices", None)
    if not choices:
        raise _error("the answer is not a chat completion", transient=False, code="invalid_answer")
    choice = choices[0]
    message = getattr(choice, "message", None)
    refusal = getattr(message, "refusal", None)
    if refusal:
        raise _error(f"the model refused: {refusal[:200]}", transient=False, code="refusal")
    finish = getattr(choice, "finish_reason", None)
    if finish == "length":
        raise _error("the answer was cut off", transient=False, code="truncated")
    if finish == "content_filter":
        raise _error("the answer was filtered", transient=False, code="content_filter")
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        raise _error("the answer is empty", transient=False, code="invalid_answer")
    return content


def _error(message: str, *, transient: bool, code: str) -> IntegrationError:
    return IntegrationError(_SYSTEM, message, transient=transient, code=code)
