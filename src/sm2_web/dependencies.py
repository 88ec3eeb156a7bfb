"""What ``create_app`` injects, by parameter name, and the types handlers declare for it.

A handler, or a dependency such as ``admin_actor``, names what it uses: ``services``,
``config``, ``clock``, ``limiter``, ``events_feed``, ``health_probe``, ``broadcaster``,
``quickbooks``, ``accounting_webhook``. Litestar checks an injected value against the
parameter's type, and a port is a Protocol it cannot check, so port-typed parameters use these
aliases, which skip that check: the value is the very object ``create_app`` was given. The
carrier's webhooks take theirs directly (``routes.webhooks.carrier_webhooks``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from litestar.di import Provide
from litestar.params import SkipValidation

from sm2_core.errors import NotConfigured
from sm2_core.ports import (
    QUICKBOOKS_NOT_CONFIGURED,
    AccountingWebhook,
    Clock,
    EventFeed,
    HealthProbe,
    QuickBooksConnection,
    RateLimiter,
)

AppClock: TypeAlias = SkipValidation[Clock]
Limiter: TypeAlias = SkipValidation[RateLimiter]
Feed: TypeAlias = SkipValidation[EventFeed]
Health: TypeAlias = SkipValidation[HealthProbe]
QuickBooks: TypeAlias = SkipValidation[QuickBooksConnection | None]
"""None when the app was built without it; its endpoints then answer 503."""
AccountingHook: TypeAlias = SkipValidation[AccountingWebhook]


def _constant(value: Any) -> Callable[[], Any]:
    def provide() -> Any:
        return value

    return provide


def provide_all(values: Mapping[str, Any]) -> dict[str, Provide]:
    """One app-wide dependency per name, each always the given object."""
    return {
        name: Provide(_constant(value), use_cache=True, sync_to_thread=False)
        for name, value in values.items()
    }


def required_quickbooks(quickbooks: QuickBooks) -> QuickBooksConnection:
    """The app's QuickBooks connection; NotConfigured (503) when it was built without one."""
    if quickbooks is None:
        raise NotConfigured(QUICKBOOKS_NOT_CONFIGURED)
    return quickbooks
