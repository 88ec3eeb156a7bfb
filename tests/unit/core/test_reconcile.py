"""Reconciliation: texts in the carrier's record that never reached us are received late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from core_helpers import Demo, parse_result

from sm2_core.domain.records import MessageStatus, ReceivedSms
from sm2_core.errors import IntegrationError, NotConfigured
from sm2_core.parsing import ParsedRequest
from sm2_core.services import ReconcileReport, RefusedText
from sm2_core.tasks import ParseMessage

FORD_LEVIS = "+14185550102"
TWILIO = "+14185550000"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")


def at_carrier(
    demo: Demo, sid: str, minutes_ago: float, body: str = "oil change F150"
) -> ReceivedSms:
    """A text the carrier received ``minutes_ago``, put in its record (the memory inbox)."""
    sms = ReceivedSms(
        sid=sid,
        from_number=FORD_LEVIS,
        to_number=TWILIO,
        body=body,
        num_media="0",
        sent_at=demo.system.clock.now() - timedelta(minutes=minutes_ago),
    )
    demo.system.inbox.texts.append(sms)
    return sms


async def reconcile(demo: Demo, hours: float = 1) -> ReconcileReport:
    since = demo.system.clock.now() - timedelta(hours=hours)
    return await demo.svc.receipt.reconcile(since=since)


class TestReconcile:
    async def test_a_text_we_lack_becomes_jobs_once(self, demo: Demo) -> None:
        """A webhook that never came: the text is stored, queued, parsed, and makes its job."""
        demo.parser.reads("oil change F150", parse_result(F150))
        at_carrier(demo, "SMlost1", 30)
        report = await reconcile(demo)
        assert (1, 1, 0) == (report.seen, report.stored, report.already_had)
        (message,) = demo.system.store.tables.messages.values()
        assert [ParseMessage(message.id)] == demo.system.tasks.pending
        await demo.system.run_tasks()
        stored = demo.system.store.tables.messages[message.id]
        assert (MessageStatus.PROCESSED, 1) == (stored.status, len(stored.job_ids))
        assert 1 == len(demo.parser.calls)

    async def test_the_text_keeps_the_time_the_carrier_received_it(self, demo: Demo) -> None:
        """``received_at`` is when the dealership texted, not when we caught up."""
        sms = at_carrier(demo, "SMlost2", 45)
        await reconcile(demo)
        (message,) = demo.system.store.tables.messages.values()
        assert sms.sent_at == message.received_at

    async def test_a_text_we_have_is_not_stored_again(self, demo: Demo) -> None:
        """The webhook did arrive: same sid, nothing new, no second parse."""
        sms = at_carrier(demo, "SMhere", 10)
        await demo.svc.receipt.receive_sms(ReceivedSms(sms.sid, FORD_LEVIS, TWILIO, sms.body))
        await demo.system.run_tasks()
        report = await reconcile(demo)
        assert (1, 0, 1) == (report.seen, report.stored, report.already_had)
        assert [] == demo.system.tasks.pending
        assert 1 == len(demo.system.store.tables.messages)
        assert 1 == len(demo.parser.calls)

    async def test_running_twice_stores_once(self, demo: Demo) -> None:
        """Idempotent on the sid: the second run finds everything already here."""
        at_carrier(demo, "SMa", 50)
        at_carrier(demo, "SMb", 20)
        first = await reconcile(demo)
        await demo.system.run_tasks()
        second = await reconcile(demo)
        assert (2, 2, 0) == (first.seen, first.stored, first.already_had)
        assert (2, 0, 2) == (second.seen, second.stored, second.already_had)
        assert 2 == len(demo.system.store.tables.messages)
        assert 2 == len(demo.parser.calls)

    async def test_counts_each_kind(self, demo: Demo) -> None:
        """Seen = stored + already here + refused."""
        at_carrier(demo, "SMnew", 40)
        here = at_carrier(demo, "SMhad", 30)
        await demo.svc.receipt.receive_sms(ReceivedSms(here.sid, FORD_LEVIS, TWILIO, here.body))
        at_carrier(demo, "SMlong", 20, body="x" * 1601)
        report = await reconcile(demo)
        assert (3, 1, 1) == (report.seen, report.stored, report.already_had)
        assert (RefusedText("SMlong", "Body: longer than 1600 characters"),) == report.refused

    async def test_a_refused_text_does_not_stop_the_others(self, demo: Demo) -> None:
        """A text receipt cannot take is skipped; the ones after it are stored."""
        demo.system.inbox.texts.append(
            ReceivedSms(
                sid="SMbad",
                from_number="not a phone",
                to_number=TWILIO,
                body="hi",
                sent_at=demo.system.clock.now() - timedelta(minutes=50),
            )
        )
        at_carrier(demo, "SMgood", 10)
        report = await reconcile(demo)
        assert (2, 1) == (report.seen, report.stored)
        assert ("SMbad",) == tuple(r.sid for r in report.refused)
        assert "From" in report.refused[0].reason
        assert ["SMgood"] == [m.sid for m in demo.system.store.tables.messages.values()]

    async def test_asks_the_carrier_since_the_moment_given(self, demo: Demo) -> None:
        """The moment goes to the carrier as given; the report repeats it."""
        since = demo.system.clock.now() - timedelta(hours=6)
        report = await demo.svc.receipt.reconcile(since=since)
        assert ([since], since, 0) == (demo.system.inbox.asked, report.since, report.seen)

    @pytest.mark.parametrize(
        "error",
        [
            NotConfigured("Twilio is not configured"),
            IntegrationError("twilio", "HTTP 503", transient=True),
        ],
    )
    async def test_a_carrier_failure_stores_nothing(self, demo: Demo, error: Exception) -> None:
        """Not configured or failing: the error reaches the caller, nothing is written."""
        at_carrier(demo, "SMx", 10)
        demo.system.inbox.fail_with.append(error)
        with pytest.raises(type(error)):
            await reconcile(demo)
        assert {} == demo.system.store.tables.messages
