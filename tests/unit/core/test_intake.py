"""Intake through the fakes: a dealership's text becomes ranked jobs and a confirmation."""

from __future__ import annotations

import pytest
from core_helpers import ADMIN, Demo, parse_result

from sm2_core.domain.enums import JobStatus, Language, Urgency
from sm2_core.domain.job import Vehicle
from sm2_core.domain.records import MessageStatus, ReceivedSms
from sm2_core.errors import (
    IntegrationError,
    InvalidInput,
    NotConfigured,
    NotFound,
    PermissionDenied,
)
from sm2_core.parsing import ParsedRequest
from sm2_core.policies import AUDI_REASON
from sm2_core.services import Receipt
from sm2_core.tasks import ParseMessage, SendSms

FORD_LEVIS = "+14185550102"
AUDI_QUEBEC = "+14185550101"
TWILIO = "+14185550000"
AUDI_VIN = "WA1BNAFY4PP057830"
F150 = ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE")
RAV4 = ParsedRequest(year=2022, make="Toyota", model="RAV4", service_code="TIRE_CHANGE")


async def receive(demo: Demo, body: str, *, sid: str = "SM1", sender: str = FORD_LEVIS) -> Receipt:
    return await demo.svc.receipt.receive_sms(
        ReceivedSms(sid=sid, from_number=sender, to_number=TWILIO, body=body)
    )


class TestReceive:
    async def test_text_is_stored_and_queued_before_anything_else(self, demo: Demo) -> None:
        """Receipt keeps the raw text and queues its parsing; nothing is looked up or parsed."""
        receipt = await receive(demo, "oil change F150")
        message = receipt.message
        assert (True, MessageStatus.RECEIVED, None) == (
            receipt.created,
            message.status,
            message.dealership_id,
        )
        assert [ParseMessage(message.id)] == demo.system.tasks.pending
        assert [] == demo.parser.calls

    async def test_the_task_matches_the_sender_to_its_dealership(self, demo: Demo) -> None:
        """A sender written (418) 555-0102 is stored as +14185550102 and is Ford Lévis."""
        receipt = await receive(demo, "hi", sender="(418) 555-0102")
        await demo.system.run_tasks()
        message = demo.system.store.tables.messages[receipt.message.id]
        assert (FORD_LEVIS, demo.dealers["Ford Lévis"].id) == (
            receipt.message.from_number,
            message.dealership_id,
        )

    async def test_repeated_delivery_creates_nothing_new(self, demo: Demo) -> None:
        """Twilio retries with the same sid: the first message is returned, nothing is queued."""
        first = await receive(demo, "oil change F150", sid="SMdup")
        await demo.system.run_tasks()
        again = await receive(demo, "oil change F150", sid="SMdup")
        assert (False, first.message.id) == (again.created, again.message.id)
        assert [] == demo.system.tasks.pending
        assert 1 == len(demo.parser.calls)

    async def test_unknown_sender_goes_to_the_inbox(self, demo: Demo) -> None:
        """A number no dealership has is UNMATCHED, announced, and never parsed."""
        receipt = await receive(demo, "need a tow", sender="+15145550199")
        await demo.system.run_tasks()
        message = demo.system.store.tables.messages[receipt.message.id]
        assert (MessageStatus.UNMATCHED, None) == (message.status, message.dealership_id)
        assert ["message.unmatched", "conversation.updated"] == demo.system.bus.names[-2:]
        assert ([], {}) == (demo.parser.calls, demo.system.store.tables.jobs)
        assert [receipt.message.id] == [m.id for m in await demo.svc.intake.inbox()]

    async def test_deactivated_dealership_is_unknown(self, demo: Demo) -> None:
        """A dealership that left is treated like a stranger."""
        ford = demo.dealers["Ford Lévis"]
        await demo.svc.admin.update("dealerships", ford.id, {"is_active": False}, actor=ADMIN)
        receipt = await receive(demo, "oil")
        await demo.system.run_tasks()
        message = demo.system.store.tables.messages[receipt.message.id]
        assert MessageStatus.UNMATCHED == message.status

    async def test_unknown_sender_is_announced_once(self, demo: Demo) -> None:
        """The parse task running twice does not announce the stranger twice."""
        receipt = await receive(demo, "need a tow", sender="+15145550199")
        await demo.svc.intake.process_message(receipt.message.id)
        await demo.svc.intake.process_message(receipt.message.id)
        assert 1 == demo.system.bus.names.count("message.unmatched")

    async def test_malformed_input_names_every_bad_field(self, demo: Demo) -> None:
        """Blank sid, non-number sender, huge body, negative media: all named, nothing stored."""
        with pytest.raises(InvalidInput) as caught:
            await demo.svc.receipt.receive_sms(
                ReceivedSms(
                    sid=" ",
                    from_number="not a phone",
                    to_number=TWILIO,
                    body="x" * 1601,
                    num_media="-1",
                )
            )
        assert {"MessageSid", "From", "Body", "NumMedia"} == set(caught.value.fields)
        assert {} == demo.system.store.tables.messages


class TestProcess:
    async def test_one_job_per_vehicle_with_codes_counting_up(self, demo: Demo) -> None:
        """Two vehicles make two jobs, SM2-2026-001 and -002; the next text gets -003."""
        demo.parser.reads("two cars", parse_result(F150, RAV4))
        demo.parser.reads("one more", parse_result(F150))
        await receive(demo, "two cars", sid="SM1")
        await receive(demo, "one more", sid="SM2")
        await demo.system.run_tasks()
        jobs = sorted(demo.system.store.tables.jobs.values(), key=lambda j: j.job_code)
        assert ["SM2-2026-001", "SM2-2026-002", "SM2-2026-003"] == [j.job_code for j in jobs]
        assert [("Ford", "OIL_CHANGE"), ("Toyota", "TIRE_CHANGE"), ("Ford", "OIL_CHANGE")] == [
            (j.vehicle.make, j.service_code) for j in jobs
        ]

    async def test_jobs_come_with_audit_events_and_message_link(self, demo: Demo) -> None:
        """Each job is PENDING, audited as created by intake, and the message points to it."""
        demo.parser.reads("two cars", parse_result(F150, RAV4))
        receipt = await receive(demo, "two cars")
        jobs = await demo.svc.intake.process_message(receipt.message.id)
        message = demo.system.store.tables.messages[receipt.message.id]
        assert (MessageStatus.PROCESSED, tuple(j.id for j in jobs)) == (
            message.status,
            message.job_ids,
        )
        for job in jobs:
            timeline = await demo.timeline(job.id)
            assert [("create", "system:intake")] == [(e.action, e.actor) for e in timeline]
            assert (JobStatus.PENDING, receipt.message.id) == (job.status, job.source_message_id)
        assert ["job.created", "job.created", "conversation.updated"] == demo.system.bus.names[-3:]

    async def test_processing_twice_creates_nothing_new(self, demo: Demo) -> None:
        """The parse task may run twice: the second run returns the same jobs."""
        demo.parser.reads("oil", parse_result(F150))
        receipt = await receive(demo, "oil")
        first = await demo.svc.intake.process_message(receipt.message.id)
        second = await demo.svc.intake.process_message(receipt.message.id)
        assert first == second
        assert 1 == len(demo.system.store.tables.jobs)

    async def test_text_asking_for_nothing_is_no_work(self, demo: Demo) -> None:
        """ "Merci!" makes no job and no confirmation; it waits in the inbox."""
        receipt = await receive(demo, "Merci!")
        await demo.system.run_tasks()
        message = demo.system.store.tables.messages[receipt.message.id]
        assert (MessageStatus.NO_WORK, "scripted") == (message.status, message.parser)
        assert ({}, []) == (demo.system.store.tables.jobs, demo.system.sms.sent)
        assert [message.id] == [m.id for m in await demo.svc.intake.inbox()]

    async def test_words_and_rules_set_urgency(self, demo: Demo) -> None:
        """ "Client attend" (HIGH) stays HIGH; key programming is HIGH +10 by the demo rule."""
        keys = ParsedRequest(make="Ford", model="Escape", service_code="KEY_PROGRAMMING")
        demo.parser.reads("client attend", parse_result(F150, urgency=Urgency.HIGH))
        demo.parser.reads("cle", parse_result(keys))
        await receive(demo, "client attend", sid="SM1")
        await receive(demo, "cle", sid="SM2")
        await demo.system.run_tasks()
        jobs = sorted(demo.system.store.tables.jobs.values(), key=lambda j: j.job_code)
        assert [(Urgency.HIGH, 0), (Urgency.HIGH, 10)] == [
            (j.urgency, j.ranking_score) for j in jobs
        ]

    async def test_low_confidence_is_held_for_review(self, demo: Demo) -> None:
        """A parse below 0.6 confidence waits for an admin."""
        demo.parser.reads("??", parse_result(F150, confidence=0.4))
        receipt = await receive(demo, "??")
        (job,) = await demo.svc.intake.process_message(receipt.message.id)
        assert ("Low parsing confidence (0.40 < 0.60)",) == job.review_reasons

    async def test_audi_known_only_by_its_vin(self, demo: Demo) -> None:
        """A text giving only an Audi VIN makes a HIGH job held under the Audi rule."""
        demo.parser.reads("vin", parse_result(ParsedRequest(vin=AUDI_VIN, service_code="PDI")))
        receipt = await receive(demo, "vin")
        (job,) = await demo.svc.intake.process_message(receipt.message.id)
        assert (Urgency.HIGH, "Audi", 2023) == (job.urgency, job.vehicle.make, job.vehicle.year)
        assert (AUDI_REASON,) == job.review_reasons

    async def test_vin_typo_is_kept_and_held_for_review(self, demo: Demo) -> None:
        """A VIN whose check digit fails is kept as typed and shown to an admin."""
        typo = ParsedRequest(vin="1HGCM82643A004352", service_code="OIL_CHANGE")
        demo.parser.reads("typo", parse_result(typo, warnings=("VIN check digit does not match",)))
        receipt = await receive(demo, "typo")
        (job,) = await demo.svc.intake.process_message(receipt.message.id)
        assert "1HGCM82643A004352" == job.vehicle.vin
        assert (
            "VIN check digit does not match",
            "VIN 1HGCM82643A004352 is not valid (check digit or characters)",
        ) == job.review_reasons


class TestConfirmation:
    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            (Language.EN, "Received: SM2-2026-001, Ford F-150 2024 — oil change, priority NORMAL"),
            (
                Language.FR,
                "Reçu : SM2-2026-001, Ford F-150 2024 — changement d'huile, priorité NORMALE",
            ),
        ],
    )
    async def test_confirmation_in_the_messages_language(
        self, demo: Demo, language: Language, expected: str
    ) -> None:
        """The dealership hears back in the language it wrote in."""
        demo.parser.reads("oil", parse_result(F150, language=language))
        await receive(demo, "oil")
        await demo.system.run_tasks()
        assert [(FORD_LEVIS, expected)] == [(s.to, s.body) for s in demo.system.sms.sent]

    async def test_confirmation_is_queued_after_the_jobs(self, demo: Demo) -> None:
        """Parsing queues exactly one SMS task for the whole message."""
        demo.parser.reads("two cars", parse_result(F150, RAV4))
        receipt = await receive(demo, "two cars")
        demo.system.tasks.pending.clear()
        await demo.svc.intake.process_message(receipt.message.id)
        assert [SendSms] == [type(task) for task in demo.system.tasks.pending]

    async def test_twilio_outage_is_retried(self, demo: Demo) -> None:
        """A transient SMS failure is retried by the queue and the text goes out once."""
        demo.parser.reads("oil", parse_result(F150))
        demo.system.sms.fail_with.append(IntegrationError("Twilio", "503", transient=True))
        await receive(demo, "oil")
        await demo.system.run_tasks()
        assert 1 == len(demo.system.sms.sent)
        assert ["SENT"] == [m.status for m in demo.system.store.tables.outbox.values()]

    async def test_without_twilio_the_text_stays_in_the_outbox(self, demo: Demo) -> None:
        """Not configured is no error: the confirmation is kept, marked NOT_CONFIGURED."""
        demo.parser.reads("oil", parse_result(F150))
        demo.system.sms.fail_with.append(NotConfigured("no Twilio token"))  # type: ignore[arg-type]
        await receive(demo, "oil")
        await demo.system.run_tasks()
        (sms,) = demo.system.store.tables.outbox.values()
        assert ("NOT_CONFIGURED", "no Twilio token", []) == (
            sms.status,
            sms.error,
            demo.system.tasks.failed,
        )


class TestTypedInJobs:
    async def test_admin_types_a_job_in(self, demo: Demo) -> None:
        """The same rules apply to a job typed by hand: Audi Québec engine repair → CRITICAL."""
        job = await demo.new_job("Audi Québec", "ENGINE_REPAIR", Vehicle(make="Audi", model="Q7"))
        assert (Urgency.CRITICAL, 15, "SM2-2026-001") == (
            job.urgency,
            job.ranking_score,
            job.job_code,
        )
        assert [("create", "admin:alice")] == [
            (e.action, e.actor) for e in await demo.timeline(job.id)
        ]

    async def test_unknown_service_is_not_found(self, demo: Demo) -> None:
        """A service code outside the catalog is refused and no code is used up."""
        with pytest.raises(NotFound):
            await demo.new_job(service="TELEPORT")
        assert "SM2-2026-001" == (await demo.new_job()).job_code

    async def test_technician_cannot_type_in_a_job(self, demo: Demo) -> None:
        """Creating jobs by hand is an admin's task, like every other change to the board."""
        with pytest.raises(PermissionDenied):
            await demo.svc.intake.create_job(
                dealership_id=demo.dealers["Ford Lévis"].id,
                service_code="OIL_CHANGE",
                vehicle=Vehicle(make="Ford"),
                actor=demo.as_tech("Julie"),
            )
