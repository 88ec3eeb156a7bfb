"""``sm2 sms reconcile``: the texts Twilio has and we lack, stored, on the memory system."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cli_support import AUDI, Sm2, assert_ok, assert_refused

from sm2_adapters.memory import MemorySystem
from sm2_core.domain.records import MessageStatus, ReceivedSms
from sm2_core.errors import IntegrationError, NotConfigured

OUR_NUMBER = "+14185550000"


def at_twilio(system: MemorySystem, sid: str, minutes_ago: float, body: str = AUDI[1]) -> None:
    system.inbox.texts.append(
        ReceivedSms(
            sid=sid,
            from_number=AUDI[0],
            to_number=OUR_NUMBER,
            body=body,
            num_media="0",
            sent_at=system.clock.now() - timedelta(minutes=minutes_ago),
        )
    )


def have(system: MemorySystem, sid: str) -> None:
    """The webhook of ``sid`` did reach us."""
    sms = next(t for t in system.inbox.texts if t.sid == sid)
    asyncio.run(system.services.receipt.receive_sms(sms))


class TestReconcile:
    def test_stores_what_we_lack_and_says_so(self, sm2: Sm2, system: MemorySystem) -> None:
        """Two texts at Twilio, one already here: one stored, and a one-line summary."""
        at_twilio(system, "SMmissed", 90)
        at_twilio(system, "SMarrived", 30)
        have(system, "SMarrived")
        result = sm2("sms", "reconcile")
        assert_ok(result)
        since = (system.clock.now() - timedelta(hours=24)).isoformat(timespec="seconds")
        assert f"2 texts at Twilio since {since}: 1 stored, 1 already here\n" == result.stdout
        stored = {m.sid: m for m in system.store.tables.messages.values()}
        assert {"SMmissed", "SMarrived"} == set(stored)

    def test_the_stored_text_is_parsed_into_a_job(self, sm2: Sm2, system: MemorySystem) -> None:
        """The missed Audi key text goes the whole way: parsed, matched, a job."""
        at_twilio(system, "SMmissed", 90)
        assert_ok(sm2("sms", "reconcile"))
        (message,) = system.store.tables.messages.values()
        assert (MessageStatus.PROCESSED, 1) == (message.status, len(message.job_ids))

    def test_json(self, sm2: Sm2, system: MemorySystem) -> None:
        """``--json``: the moment and every count."""
        at_twilio(system, "SMmissed", 90)
        result = sm2("sms", "reconcile", "--json")
        assert_ok(result)
        report = json.loads(result.stdout)
        assert {
            "since": (system.clock.now() - timedelta(hours=24)).isoformat(),
            "seen": 1,
            "stored": 1,
            "already_had": 0,
            "refused": [],
        } == report

    def test_default_is_the_last_24_hours(self, sm2: Sm2, system: MemorySystem) -> None:
        """Without ``--since``, Twilio is asked for the last day."""
        assert_ok(sm2("sms", "reconcile"))
        assert [system.clock.now() - timedelta(hours=24)] == system.inbox.asked

    @pytest.mark.parametrize(
        ("typed", "meant"),
        [
            ("2026-11-25T08:00:00-05:00", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
            ("2026-11-25T13:00:00Z", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
            ("2026-11-24", datetime(2026, 11, 24).astimezone()),
            ("2026-11-25T07:30", datetime(2026, 11, 25, 7, 30).astimezone()),
        ],
    )
    def test_since_is_iso_8601(
        self, sm2: Sm2, system: MemorySystem, typed: str, meant: datetime
    ) -> None:
        """An offset, Z, a date, or a local time (no zone: the operator's)."""
        assert_ok(sm2("sms", "reconcile", "--since", typed))
        assert [meant] == system.inbox.asked

    def test_since_in_another_zone_is_the_same_moment(self, sm2: Sm2, system: MemorySystem) -> None:
        """Texts since 08:00 Québec time are those since 13:00 GMT."""
        at_twilio(system, "SMold", 60 * 3)
        at_twilio(system, "SMnew", 10)
        quebec = (system.clock.now() - timedelta(hours=1)).astimezone(timezone(timedelta(hours=-5)))
        result = sm2("sms", "reconcile", "--since", quebec.isoformat(), "--json")
        assert_ok(result)
        assert 1 == json.loads(result.stdout)["seen"]

    def test_a_bad_since_is_a_usage_error(self, sm2: Sm2) -> None:
        """Not ISO 8601: exit 2, the value named."""
        result = sm2("sms", "reconcile", "--since", "yesterday")
        assert 2 == result.exit_code
        assert "'yesterday' is not an ISO 8601 date or date-time" in result.stderr

    def test_a_refused_text_is_reported(self, sm2: Sm2, system: MemorySystem) -> None:
        """A text receipt cannot take is counted, named on stderr, and the rest goes on."""
        at_twilio(system, "SMtoolong", 30, body="x" * 1601)
        at_twilio(system, "SMfine", 20)
        result = sm2("sms", "reconcile")
        assert_ok(result)
        assert result.stdout.endswith(": 1 stored, 0 already here, 1 refused\n")
        assert "refused SMtoolong: Body: longer than 1600 characters" in result.stderr

    def test_without_twilio_exit_1_with_what_to_set(self, sm2: Sm2, system: MemorySystem) -> None:
        """NotConfigured: the CLI's error mapping, exit 1, no traceback."""
        system.inbox.fail_with.append(NotConfigured("Twilio is not configured: set TWILIO_…"))
        assert_refused(sm2("sms", "reconcile"), "Error: Twilio is not configured")

    def test_twilio_failing_exit_1(self, sm2: Sm2, system: MemorySystem) -> None:
        """A Twilio outage: exit 1 with its message."""
        system.inbox.fail_with.append(
            IntegrationError("twilio", "HTTP 503, error 20503: Service Unavailable", transient=True)
        )
        assert_refused(sm2("sms", "reconcile"), "HTTP 503")
