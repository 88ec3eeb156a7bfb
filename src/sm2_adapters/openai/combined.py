"""Offline first, the LLM only when it helps: a MessageParser that composes the two.

The LLM is asked only when the offline reading is unsure (confidence under ``threshold``), an
LLM parser is configured (None means no API key: LLM parsing off), and the dealership is within
its hourly allowance. Whatever goes wrong on the LLM side, the offline reading is returned with
a warning saying why the LLM did not help, so the job gets a review reason instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

import attrs

from sm2_adapters.openai.parser import OpenAIParser
from sm2_adapters.settings import Settings
from sm2_core.errors import IntegrationError
from sm2_core.parsing import ParseResult
from sm2_core.ports import MessageParser, ParsingCatalog, RateLimiter

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.6
DEFAULT_CALLS_PER_HOUR = 30
#: The SDK's own budget is timeout x (retries + 1) plus backoff, and it honours a Retry-After
#: of up to two minutes; a parse task must not hang that long, so the whole LLM step has a cap.
DEFAULT_DEADLINE_SECONDS = 30.0
WINDOW_SECONDS = 3600
RATE_LIMITED = "LLM unavailable: rate limit reached"


def limiter_key(dealership_id: UUID | None) -> str:
    """The rate-limit key: per dealership; texts without one (``sm2 parse``) share a bucket."""
    return f"openai:{'none' if dealership_id is None else dealership_id}"


class CombinedParser:
    """Implements ``MessageParser``."""

    def __init__(
        self,
        *,
        offline: MessageParser,
        llm: MessageParser | None,
        limiter: RateLimiter,
        calls_per_hour: int = DEFAULT_CALLS_PER_HOUR,
        threshold: float = DEFAULT_THRESHOLD,
        deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
    ) -> None:
        self._offline = offline
        self._llm = llm
        self._limiter = limiter
        self._calls_per_hour = calls_per_hour
        self._threshold = threshold
        self._deadline = deadline_seconds

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        offline: MessageParser,
        limiter: RateLimiter,
        catalog: ParsingCatalog,
        **options: Any,
    ) -> CombinedParser:
        """LLM on when ``OPENAI_API_KEY`` is set, at ``SM2_OPENAI_CALLS_PER_HOUR``; it is told
        the services of the live ``catalog``."""
        return cls(
            offline=offline,
            llm=OpenAIParser.from_settings(settings, live=catalog),
            limiter=limiter,
            calls_per_hour=settings.openai_calls_per_hour,
            **options,
        )

    async def aclose(self) -> None:
        """Close the LLM client's connections (``System.close`` should call it)."""
        close = getattr(self._llm, "aclose", None)
        if close is not None:
            await close()

    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult:
        offline = await self._offline.parse(body, dealership_id=dealership_id)
        if self._llm is None or offline.confidence >= self._threshold:
            return offline
        # Limiter errors (a database down) propagate: the parse task is retried as a whole.
        allowed = await self._limiter.allow(
            limiter_key(dealership_id), limit=self._calls_per_hour, window_seconds=WINDOW_SECONDS
        )
        if not allowed:
            return _with_warning(offline, RATE_LIMITED)
        try:
            async with asyncio.timeout(self._deadline):
                llm = await self._llm.parse(body, dealership_id=dealership_id)
        except IntegrationError as exc:
            log.warning("LLM parse failed, keeping the offline reading: %s", exc.message)
            return _with_warning(offline, f"LLM failed: {exc.message}")
        except TimeoutError:
            log.warning("LLM parse took over %g s, keeping the offline reading", self._deadline)
            return _with_warning(offline, f"LLM failed: no answer within {self._deadline:g} s")
        except Exception as exc:
            # A bug on the LLM side must not cost the dealership its job: the offline reading
            # is still good enough to hold the job for review. Logged with the traceback.
            log.exception("LLM parser crashed, keeping the offline reading")
            return _with_warning(offline, f"LLM failed: {type(exc).__name__}")
        return choose(offline, llm)


def choose(offline: ParseResult, llm: ParseResult) -> ParseResult:
    """The LLM's reading unless our checks found it less sure than the offline one.

    The LLM was asked because the offline reading was unsure, and its confidence is not the
    model's say-so but what survived our validation (VIN check digits, catalog codes, plausible
    years). So it wins ties and whenever it validated better; when it validated worse (several
    doubts, say) it is no better than what we had, and the offline reading stays, with a note
    that the LLM was asked, for whoever reviews the job.

    The time the text proposes ("demain matin") is read offline whichever reading wins: the
    LLM is not asked for it. It goes with a reading that asks for work only.
    """
    if llm.confidence >= offline.confidence:
        return attrs.evolve(llm, when=offline.when if llm.is_work else None)
    return _with_warning(
        offline,
        f"LLM reading less certain ({llm.confidence:.2f} < {offline.confidence:.2f}); kept offline",
    )


def _with_warning(result: ParseResult, warning: str) -> ParseResult:
    if warning in result.warnings:
        return result
    return attrs.evolve(result, warnings=(*result.warnings, warning))
