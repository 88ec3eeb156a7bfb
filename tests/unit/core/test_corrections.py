"""Dispatchers' corrections of parsed jobs: recorded with the edit, exported as labeled texts,
counted per service and field."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from core_helpers import ADMIN, Demo, parse_result

from sm2_core.corrections import FIELDS, summarize
from sm2_core.domain.corrections import ParseCorrection, ParsedField, ServiceTally
from sm2_core.domain.enums import Language, Role, Urgency
from sm2_core.domain.job import Job, Vehicle
from sm2_core.domain.records import Actor, ReceivedSms
from sm2_core.errors import InvalidInput, StaleVersion
from sm2_core.parsing import ParsedRequest

FORD_LEVIS = "+14185550102"
BOB = Actor(name="admin:bob", role=Role.ADMIN)
F150 = ParsedRequest(
    year=2024, make="Ford", model="F-150", stock_no="T21-0456", service_code="OIL_CHANGE"
)
ESCAPE = ParsedRequest(year=2023, make="Ford", model="Escape", service_code="OIL_CHANGE")
TEXT = "F150 24 stk T21-0456 vidange svp"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def parsed_jobs(
    demo: Demo,
    *requests: ParsedRequest,
    body: str = TEXT,
    sid: str = "SM1",
    language: Language = Language.FR,
) -> tuple[Job, ...]:
    """The jobs intake makes of ``body``, which the parser reads as ``requests``."""
    demo.parser.reads(body, parse_result(*(requests or (F150,)), language=language))
    await demo.svc.receipt.receive_sms(
        ReceivedSms(sid=sid, from_number=FORD_LEVIS, to_number="+14185550000", body=body)
    )
    await demo.system.run_tasks()
    message = next(m for m in demo.system.store.tables.messages.values() if m.sid == sid)
    return tuple(demo.system.store.tables.jobs[job_id] for job_id in message.job_ids)


async def edit(demo: Demo, job: Job, actor: Actor = ADMIN, **changes: object) -> Job:
    current = await demo.job(job.id)
    vehicle = {k: v for k, v in changes.items() if k != "service_code"}
    return await demo.svc.dispatch.update(
        job.id,
        actor=actor,
        expected_version=current.version,
        vehicle=vehicle or None,
        service_code=changes.get("service_code"),  # type: ignore[arg-type]
    )


async def corrections(demo: Demo, job: Job) -> list[ParseCorrection]:
    async with demo.system.uow() as uow:
        return await uow.corrections.for_job(job.id)


class TestRecording:
    async def test_a_changed_field_records_what_the_parser_read(self, demo: Demo) -> None:
        """The job, its text and sender, the field, the parser's value, the new one, who, when."""
        (job,) = await parsed_jobs(demo)
        await edit(demo, job, model="Ranger")
        (found,) = await corrections(demo, job)
        message_id = job.source_message_id
        assert (
            job.id,
            message_id,
            ParsedField.MODEL,
            "F-150",
            "Ranger",
            "admin:alice",
            demo.system.clock.now(),
            FORD_LEVIS,
            TEXT,
            Language.FR,
        ) == (
            found.job_id,
            found.message_id,
            found.field,
            found.parsed,
            found.corrected,
            found.corrected_by,
            found.corrected_at,
            found.sender,
            found.body,
            found.language,
        )

    async def test_editing_again_keeps_the_parsers_value(self, demo: Demo) -> None:
        """A second edit of the field updates the correction (same id, latest who and when);
        what the parser read stays."""
        (job,) = await parsed_jobs(demo)
        await edit(demo, job, year=2014)
        (first,) = await corrections(demo, job)
        demo.system.clock.advance(minutes=5)
        await edit(demo, job, BOB, year=2015)
        (second,) = await corrections(demo, job)
        assert (first.id, "2024", "2015", "admin:bob", demo.system.clock.now()) == (
            second.id,
            second.parsed,
            second.corrected,
            second.corrected_by,
            second.corrected_at,
        )

    async def test_setting_it_back_removes_the_correction(self, demo: Demo) -> None:
        """Back to what the parser read, as the parser is judged (case and dashes aside)."""
        (job,) = await parsed_jobs(demo)
        await edit(demo, job, model="Ranger", stock_no="T21-0465")
        await edit(demo, job, model="f150")
        assert [ParsedField.STOCK_NO] == [c.field for c in await corrections(demo, job)]

    async def test_a_field_the_parser_missed_or_invented(self, demo: Demo) -> None:
        """A value the parser did not find, and one it should not have found, are both
        corrections (from None, and to None)."""
        (job,) = await parsed_jobs(demo)
        await edit(demo, job, vin="1FTFW1E55NF094929", stock_no=None)
        found = {c.field: (c.parsed, c.corrected) for c in await corrections(demo, job)}
        assert {
            ParsedField.VIN: (None, "1FTFW1E55NF094929"),
            ParsedField.STOCK_NO: ("T21-0456", None),
        } == found

    async def test_a_service_correction(self, demo: Demo) -> None:
        (job,) = await parsed_jobs(demo)
        await edit(demo, job, service_code="TIRE_CHANGE")
        (found,) = await corrections(demo, job)
        assert (ParsedField.SERVICE_CODE, "OIL_CHANGE", "TIRE_CHANGE") == (
            found.field,
            found.parsed,
            found.corrected,
        )

    async def test_a_job_typed_in_by_hand_records_nothing(self, demo: Demo) -> None:
        """No parser read it: nothing to correct, even when it was typed from a text."""
        typed = await demo.new_job()
        (parsed,) = await parsed_jobs(demo)
        from_text = await demo.svc.intake.create_job(
            dealership_id=demo.dealers["Ford Lévis"].id,
            service_code="OIL_CHANGE",
            vehicle=Vehicle(year=2020, model="Edge", make="Ford"),
            actor=ADMIN,
            source_message_id=parsed.source_message_id,
        )
        for job in (typed, from_text):
            await edit(demo, job, model="Bronco")
            assert [] == await corrections(demo, job)

    async def test_other_edits_record_nothing(self, demo: Demo) -> None:
        """Urgency, and a vehicle field set to the value it has, change no parsed field."""
        (job,) = await parsed_jobs(demo)
        current = await demo.job(job.id)
        await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=current.version, urgency=Urgency.HIGH
        )
        await edit(demo, job, model="F-150")
        assert [] == await corrections(demo, job)

    async def test_a_refused_edit_records_nothing(self, demo: Demo) -> None:
        (job,) = await parsed_jobs(demo)
        with pytest.raises(StaleVersion):
            await demo.svc.dispatch.update(
                job.id, actor=ADMIN, expected_version=99, vehicle={"model": "Ranger"}
            )
        with pytest.raises(InvalidInput):
            await edit(demo, job, model="Ranger", year=1900)
        assert [] == await corrections(demo, job)

    async def test_the_language_of_an_older_text_is_its_dealerships(self, demo: Demo) -> None:
        """A text parsed before languages were kept takes its dealership's language."""
        (job,) = await parsed_jobs(demo, language=Language.EN)
        assert job.source_message_id is not None
        messages = demo.system.store.tables.messages
        assert Language.EN == messages[job.source_message_id].language
        messages[job.source_message_id] = attrs.evolve(
            messages[job.source_message_id], language=None
        )
        await edit(demo, job, model="Ranger")
        (found,) = await corrections(demo, job)
        assert demo.dealers["Ford Lévis"].language == found.language


class TestExport:
    async def test_one_labeled_text_per_corrected_text(self, demo: Demo) -> None:
        """Every job made from the text, in order, as it is now; texts without a correction
        are left out."""
        _, second = await parsed_jobs(demo, F150, ESCAPE, language=Language.EN)
        await parsed_jobs(demo, body="oil change on the edge", sid="SM2")
        await edit(demo, second, model="Edge")
        (line,) = await demo.svc.corrections.export()
        assert ("SM1", FORD_LEVIS, TEXT, Language.EN) == (
            line.id,
            line.sender,
            line.body,
            line.language,
        )
        assert (F150, ParsedRequest(2023, "Ford", "Edge", None, None, "OIL_CHANGE")) == (
            line.expected
        )

    async def test_since_keeps_texts_corrected_from_then(self, demo: Demo) -> None:
        (old,) = await parsed_jobs(demo)
        (new,) = await parsed_jobs(demo, body="pneus F150", sid="SM2")
        await edit(demo, old, model="Ranger")
        demo.system.clock.advance(hours=2)
        cut = demo.system.clock.now()
        await edit(demo, new, service_code="TIRE_CHANGE")
        assert ["SM2"] == [line.id for line in await demo.svc.corrections.export(since=cut)]
        assert ["SM1", "SM2"] == [line.id for line in await demo.svc.corrections.export()]


class TestSummary:
    async def test_counts_and_shares_per_service_and_field(self, demo: Demo) -> None:
        """Of the parsed jobs of the period, per service as corrected, how many had each field
        corrected."""
        jobs = [(await parsed_jobs(demo, sid=f"SM{n}", body=f"text {n}"))[0] for n in range(4)]
        await edit(demo, jobs[0], model="Ranger")
        await edit(demo, jobs[1], model="Ranger", year=2020)
        await edit(demo, jobs[2], service_code="TIRE_CHANGE")
        summary = await demo.svc.corrections.summary(days=30)
        rows = {
            r.service_code: (r.parsed_jobs, {f.field: (f.count, f.share) for f in r.fields})
            for r in summary.services
        }
        oil = rows["OIL_CHANGE"]
        assert (3, (2, 2 / 3), (1, 1 / 3)) == (
            oil[0],
            oil[1][ParsedField.MODEL],
            oil[1][ParsedField.YEAR],
        )
        assert (1, (1, 1.0)) == (
            rows["TIRE_CHANGE"][0],
            rows["TIRE_CHANGE"][1][ParsedField.SERVICE_CODE],
        )
        assert (4, 4) == (summary.total.parsed_jobs, summary.total.corrected)
        assert ["OIL_CHANGE", "TIRE_CHANGE"] == [r.service_code for r in summary.services]

    async def test_jobs_older_than_the_period_do_not_count(self, demo: Demo) -> None:
        (job,) = await parsed_jobs(demo)
        await edit(demo, job, model="Ranger")
        demo.system.clock.advance(days=31)
        summary = await demo.svc.corrections.summary(days=30)
        assert ((), 0) == (summary.services, summary.total.parsed_jobs)

    async def test_days_out_of_range(self, demo: Demo) -> None:
        with pytest.raises(InvalidInput):
            await demo.svc.corrections.summary(days=0)

    def test_summarize_has_every_field_and_no_division_by_zero(self) -> None:
        """A service without parsed jobs has shares of 0; fields come in corpus order."""
        summary = summarize([ServiceTally("PDI", 0, {})], since=T0, days=30)
        (row,) = summary.services
        assert (FIELDS, (0.0,) * 6) == (
            tuple(f.field for f in row.fields),
            tuple(f.share for f in row.fields),
        )
