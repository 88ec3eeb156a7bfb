"""Schemathesis against the app's own OpenAPI document, in-process (ASGI), on the memory system.

Every operation is called with data generated from its schema, as an admin (technician routes
with a technician token); no answer may be a 5xx, and each documented answer must match its
schema and media type; and the same call without a token must be refused where the document
asks for a bearer token (schemathesis' ignored_auth). The SSE stream and the Twilio webhook (form in, XML out) are left out:
their documents are checked in test_api_openapi.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from api_harness import ADMIN, MARC, ScriptedParser, bearer, wall_clock
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import ignored_auth, not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from sm2_adapters.memory import build_memory_system
from sm2_adapters.memory.fakes import MemoryHealth, MemoryRateLimiter
from sm2_adapters.seed import seed_demo
from sm2_core.domain.enums import Role
from sm2_web.app import create_app
from sm2_web.auth import issue_token
from sm2_web.config import WebConfig

CONFIG = WebConfig(jwt_secret="s" * 32, twilio_verify=False, heartbeat_seconds=0.1)
SKIPPED = ("/api/events", "/webhooks/twilio/sms")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    ignored_auth,
]


@pytest.fixture
async def seeded_app() -> dict[str, Any]:
    """A seeded memory app and a token for each portal."""
    system = build_memory_system(parser=ScriptedParser(), clock=wall_clock())
    await seed_demo(system.services)
    techs = {t.name: t.id for t in await system.services.admin.all("technicians")}
    admin = await system.services.admin.create_user(
        username="fuzz-admin", role=Role.ADMIN, password="fuzz-password-1", actor=ADMIN
    )
    tech = await system.services.admin.create_user(
        username="fuzz-tech",
        role=Role.TECH,
        password="fuzz-password-1",
        actor=ADMIN,
        technician_id=techs[MARC],
    )
    app = create_app(
        system.services,
        config=CONFIG,
        clock=system.clock,
        limiter=MemoryRateLimiter(system.clock),
        events_feed=system.bus,
        health_probe=MemoryHealth(),
    )
    return {
        "app": app,
        "admin": bearer(issue_token(admin, config=CONFIG, clock=system.clock)[0]),
        "tech": bearer(issue_token(tech, config=CONFIG, clock=system.clock)[0]),
    }


@pytest.fixture
def api_schema(seeded_app: dict[str, Any]) -> Iterator[Any]:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", seeded_app["app"])
    yield schema.exclude(path=list(SKIPPED))
    asgi.shutdown_lifespans()  # the app's lifespan runs on schemathesis' own loop


def fuzz(operation: Any, headers: dict[str, str]) -> None:
    """Generated calls of one operation; raises on the first failing check."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_no_server_error_and_documented_answers_match(
    api_schema: Any, seeded_app: dict[str, Any]
) -> None:
    """Generated calls never get a 5xx, and documented answers match their schemas.

    (schemathesis' pytest loader ``from_fixture`` does not run on pytest 9, hence the loop.)
    """
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 35
    for operation in operations:
        portal = "tech" if operation.path.startswith("/api/technician/") else "admin"
        try:
            fuzz(operation, seeded_app[portal])
        except Exception as exc:  # every operation is tried; all failures are reported
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:600]
    assert {} == failures
