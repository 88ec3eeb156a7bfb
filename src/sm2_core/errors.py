"""The one error tree of SM2 Dispatch.

Every edge (HTTP, CLI, task worker) maps these once; the core never speaks HTTP status codes.
Adapters translate vendor exceptions into these with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Mapping

from sm2_core.domain.enums import PolicyRule


class Sm2Error(Exception):
    """Root of every error the domain and its adapters raise on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(Sm2Error):
    """Input that can never be accepted as given (a malformed VIN, a phone that is no number)."""

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})
        """Field name → why it is wrong, for edges that list the fields at fault."""


class TooLarge(InvalidInput):
    """Input refused for its size alone (a photo over the limit): the same input, smaller,
    would do."""


class NotFound(Sm2Error):
    """The thing asked for does not exist (or is not visible to the caller)."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = key


class AlreadyExists(Sm2Error):
    """A uniqueness rule refused a new row (a dealership phone, a username, a service code)."""


class StaleVersion(Sm2Error):
    """An update was based on a version of the record that is no longer current."""

    def __init__(self, kind: str, key: object, *, expected: int, actual: int) -> None:
        super().__init__(
            f"{kind} {key} was changed by someone else (version {actual}, you had {expected})"
        )
        self.expected = expected
        self.actual = actual


class InvalidTransition(Sm2Error):
    """The job's lifecycle does not allow this step from its current state."""


class PolicyViolation(Sm2Error):
    """A business rule refused the change; ``rule`` names it for people and problem documents."""

    def __init__(self, rule: PolicyRule, message: str) -> None:
        super().__init__(message)
        self.rule = PolicyRule(rule)


class PermissionDenied(Sm2Error):
    """The caller is known but may not do this."""


class AuthenticationFailed(Sm2Error):
    """The caller could not be identified (bad password, bad or expired token)."""


class IntegrationError(Sm2Error):
    """An outside system (OpenAI, Twilio, QuickBooks) failed; ``transient`` says whether to retry."""

    def __init__(self, system: str, message: str, *, transient: bool, code: str | None = None):
        super().__init__(f"{system}: {message}")
        self.system = system
        self.transient = transient
        self.code = code


class NotConfigured(Sm2Error):
    """A feature needs configuration that is missing (no Twilio token, QuickBooks not connected)."""


class OptedOut(Sm2Error):
    """The number asked for no more texts (it texted STOP): nothing is sent to it until it
    texts START."""

    def __init__(self, phone: str) -> None:
        super().__init__(f"{phone} has opted out of texts (STOP); it must text START first")
        self.phone = phone
