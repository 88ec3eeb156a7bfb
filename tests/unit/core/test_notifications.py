"""Who hears of a job's changes, when, and by which way (memory system, scripted clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from core_helpers import ADMIN, DONE, Demo

from sm2_core.domain.enums import Language
from sm2_core.domain.job import Vehicle
from sm2_core.domain.notices import NoticeKind
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import Channel, OptOut, OutboundKind, OutboundStatus, ReceivedSms
from sm2_core.errors import IntegrationError, InvalidInput, NotFound, PermissionDenied
from sm2_core.ports import PushOutcome

RAV4 = Vehicle(year=2022, make="Toyota", model="RAV4")


async def settle(demo: Demo, **wait: float) -> None:
    """Let the clock move on (if asked) and run what the worker would run by then."""
    if wait:
        demo.system.clock.advance(**wait)
    await demo.system.run_tasks()


def texts_to(demo: Demo, phone: str) -> list[str]:
    return demo.system.sms.to(phone)


async def english(demo: Demo, name: str) -> None:
    tech = demo.techs[name]
    demo.techs[name] = await demo.svc.admin.update(
        "technicians", tech.id, {"language": Language.EN}, actor=ADMIN
    )


class TestTechnicianAlerts:
    async def test_an_assignment_texts_the_technician_at_once(self, demo: Demo) -> None:
        """Job code, service, vehicle, dealership and a link to the job, in their language."""
        await english(demo, "Julie")
        job = await demo.scheduled_job("Julie", vehicle=RAV4)
        await settle(demo)
        [text] = texts_to(demo, demo.techs["Julie"].phone)
        assert job.job_code in text
        assert "Toyota RAV4 2022, Ford Lévis" in text
        assert "Oil change" in text
        assert text.endswith(f"http://127.0.0.1:8000/tech/jobs/{job.id}")
        assert text.startswith("SM2: New job")

    async def test_french_is_the_default(self, demo: Demo) -> None:
        await demo.scheduled_job("Julie")
        await settle(demo)
        [text] = texts_to(demo, demo.techs["Julie"].phone)
        assert text.startswith("SM2 : Nouvelle job")

    async def test_changes_within_a_minute_go_as_one_follow_up(self, demo: Demo) -> None:
        """The first alert at once; the next three within the minute as "3 changes"."""
        await english(demo, "Julie")
        await demo.scheduled_job("Julie")
        await settle(demo)
        for _ in range(3):
            await demo.scheduled_job("Julie")
            await settle(demo, seconds=5)
        phone = demo.techs["Julie"].phone
        assert 1 == len(texts_to(demo, phone))
        await settle(demo, seconds=45)
        follow_up = texts_to(demo, phone)[1]
        assert follow_up.startswith("SM2: 3 changes to your day")
        assert 3 == follow_up.count("\n- new: ")
        assert follow_up.endswith("http://127.0.0.1:8000/tech")
        # After the window, the next change goes at once again.
        await demo.scheduled_job("Julie")
        await settle(demo, seconds=1)
        assert 3 == len(texts_to(demo, phone))

    async def test_unassigning_tells_the_technician_it_was_taken_off(self, demo: Demo) -> None:
        await english(demo, "Julie")
        job = await demo.scheduled_job("Julie")
        await settle(demo, seconds=61)
        await demo.svc.dispatch.unassign(job.id, actor=ADMIN)
        await settle(demo)
        assert "was taken off your day" in texts_to(demo, demo.techs["Julie"].phone)[-1]

    async def test_reassigning_tells_both_technicians(self, demo: Demo) -> None:
        await english(demo, "Éric")
        job = await demo.scheduled_job("Julie")
        await settle(demo, seconds=61)
        current = await demo.job(job.id)
        await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=current.version, tech_id=demo.techs["Éric"].id
        )
        await settle(demo)
        assert "retirée de votre journée" in texts_to(demo, demo.techs["Julie"].phone)[-1]
        assert "New job" in texts_to(demo, demo.techs["Éric"].phone)[-1]

    async def test_cancelling_tells_the_technician_not_to_go(self, demo: Demo) -> None:
        await english(demo, "Julie")
        job = await demo.in_progress_job("Julie")
        await settle(demo, seconds=61)
        await demo.svc.dispatch.cancel(job.id, "dealer sold the car", actor=ADMIN)
        await settle(demo)
        assert "is cancelled: do not go" in texts_to(demo, demo.techs["Julie"].phone)[-1]

    async def test_a_review_hold_tells_the_technician_not_to_start(self, demo: Demo) -> None:
        """Changing the service to one that needs approval holds the job again."""
        await english(demo, "Julie")
        needs_approval = next(s for s in demo.services.values() if s.requires_approval)
        demo.techs["Julie"] = await demo.svc.admin.update(
            "technicians",
            demo.techs["Julie"].id,
            {"skills": frozenset({*demo.techs["Julie"].skills, needs_approval.code})},
            actor=ADMIN,
        )
        job = await demo.scheduled_job("Julie")
        await settle(demo, seconds=61)
        await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, service_code=needs_approval.code
        )
        await settle(demo)
        assert "do not start" in texts_to(demo, demo.techs["Julie"].phone)[-1]

    async def test_a_job_given_and_taken_back_unheard_is_not_news(self, demo: Demo) -> None:
        """Assigned then unassigned inside the window: the follow-up says nothing of it."""
        await demo.scheduled_job("Julie")
        await settle(demo)
        job = await demo.scheduled_job("Julie")
        await demo.svc.dispatch.unassign(job.id, actor=ADMIN)
        await settle(demo, seconds=61)
        assert 1 == len(texts_to(demo, demo.techs["Julie"].phone))

    async def test_what_technicians_do_themselves_is_not_texted_to_them(self, demo: Demo) -> None:
        await demo.completed_job("Julie")
        await settle(demo, seconds=61)
        assert 1 == len(texts_to(demo, demo.techs["Julie"].phone))  # the assignment only


class TestDealershipStatus:
    async def test_assigned_started_completed_each_reach_the_dealer(self, demo: Demo) -> None:
        phone = demo.dealers["Ford Lévis"].phone
        job = await demo.scheduled_job("Julie")
        await settle(demo)
        assert [] == texts_to(demo, phone)  # combined for ten seconds
        await settle(demo, seconds=10)
        assigned = texts_to(demo, phone)[-1]
        assert assigned.startswith("SM2 : Julie Tremblay est assigné(e) à " + job.job_code)
        await demo.svc.field.accept(job.id, actor=demo.as_tech("Julie"))
        await settle(demo, seconds=10)
        assert "en route / a commencé" in texts_to(demo, phone)[-1]
        await demo.svc.field.complete(job.id, DONE, actor=demo.as_tech("Julie"))
        await settle(demo, seconds=10)
        assert "est terminée" in texts_to(demo, phone)[-1]
        assert 3 == len(texts_to(demo, phone))

    async def test_a_batch_of_jobs_is_one_text(self, demo: Demo) -> None:
        phone = demo.dealers["Ford Lévis"].phone
        jobs = []
        for _ in range(4):
            jobs.append(await demo.scheduled_job("Julie"))
            await settle(demo, seconds=2)
        await settle(demo, seconds=10)
        [text] = texts_to(demo, phone)
        assert text.startswith("SM2 : mise à jour de 4 jobs")
        assert all(job.job_code in text for job in jobs)

    async def test_the_dealership_chooses_what_it_hears(self, demo: Demo) -> None:
        dealer = demo.dealers["Ford Lévis"]
        await demo.svc.admin.update(
            "dealerships", dealer.id, {"notify_on": frozenset({NoticeKind.COMPLETED})}, actor=ADMIN
        )
        await demo.completed_job("Julie")
        await settle(demo, seconds=11)
        [text] = texts_to(demo, dealer.phone)
        assert "est terminée" in text

    async def test_in_the_language_the_dealer_wrote_in(self, demo: Demo) -> None:
        """A dealership whose text was English hears back in English."""
        from core_helpers import parse_result

        from sm2_core.parsing import ParsedRequest

        dealer = demo.dealers["Ford Lévis"]
        body = demo.parser.reads(
            "oil change F-150 2024",
            parse_result(
                ParsedRequest(year=2024, make="Ford", model="F-150", service_code="OIL_CHANGE"),
                language=Language.EN,
            ),
        )
        await demo.svc.receipt.receive_sms(
            ReceivedSms(
                sid=f"SM{uuid4().hex}",
                from_number=dealer.phone,
                to_number="+14185550000",
                body=body,
            )
        )
        await settle(demo)
        [job] = list(demo.system.store.tables.jobs.values())
        await demo.svc.dispatch.assign(job.id, demo.techs["Julie"].id, actor=ADMIN)
        await settle(demo, seconds=10)
        assert texts_to(demo, dealer.phone)[-1].startswith("SM2: Julie")


class TestWebPush:
    async def subscribe(self, demo: Demo, name: str = "Julie") -> PushSubscription:
        return await demo.svc.notifications.subscribe(
            actor=demo.as_tech(name),
            endpoint=f"https://push.example.net/{uuid4()}",
            p256dh="B" + "A" * 86,
            auth="A" * 22,
            user_agent="Chrome on Android",
        )

    async def test_a_subscribed_technician_gets_a_push_not_a_text(self, demo: Demo) -> None:
        subscription = await self.subscribe(demo)
        job = await demo.scheduled_job("Julie")
        await settle(demo)
        [push] = demo.system.push.pushed
        assert subscription.endpoint == push.endpoint
        assert job.job_code in push.payload["body"]
        assert push.payload["url"].endswith(f"/tech/jobs/{job.id}")
        await demo.svc.notifications.acknowledge(
            UUID(push.payload["id"]), actor=demo.as_tech("Julie")
        )
        await settle(demo, seconds=120)
        assert [] == texts_to(demo, demo.techs["Julie"].phone)
        message = demo.system.store.tables.outbox[UUID(push.payload["id"])]
        assert (OutboundStatus.DELIVERED, Channel.PUSH) == (message.status, message.channel)

    async def test_an_unacknowledged_push_is_followed_by_the_sms(self, demo: Demo) -> None:
        await self.subscribe(demo)
        await demo.scheduled_job("Julie")
        await settle(demo)
        assert [] == texts_to(demo, demo.techs["Julie"].phone)
        await settle(demo, seconds=59)
        assert [] == texts_to(demo, demo.techs["Julie"].phone)
        await settle(demo, seconds=2)
        assert 1 == len(texts_to(demo, demo.techs["Julie"].phone))

    async def test_an_expired_subscription_is_forgotten_and_the_sms_goes(self, demo: Demo) -> None:
        subscription = await self.subscribe(demo)
        demo.system.push.answers[subscription.endpoint] = PushOutcome(accepted=False, gone=True)
        await demo.scheduled_job("Julie")
        await settle(demo)
        assert 1 == len(texts_to(demo, demo.techs["Julie"].phone))
        assert {} == demo.system.store.tables.push_subscriptions

    async def test_only_the_technician_acknowledges_their_own_alerts(self, demo: Demo) -> None:
        await self.subscribe(demo)
        await demo.scheduled_job("Julie")
        await settle(demo)
        message_id = UUID(demo.system.push.pushed[0].payload["id"])
        with pytest.raises(NotFound):
            await demo.svc.notifications.acknowledge(message_id, actor=demo.as_tech("Karim"))
        with pytest.raises(PermissionDenied):
            await demo.svc.notifications.acknowledge(message_id, actor=ADMIN)

    @pytest.mark.parametrize(
        ("endpoint", "p256dh", "auth", "field"),
        [
            ("http://push.example.net/x", "B" + "A" * 86, "A" * 22, "endpoint"),
            ("https://push.example.net/x", "short", "A" * 22, "keys.p256dh"),
            ("https://push.example.net/x", "B" + "A" * 86, "A" * 10, "keys.auth"),
        ],
    )
    async def test_a_bad_subscription_is_refused_at_its_field(
        self, demo: Demo, endpoint: str, p256dh: str, auth: str, field: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            await demo.svc.notifications.subscribe(
                actor=demo.as_tech("Julie"),
                endpoint=endpoint,
                p256dh=p256dh,
                auth=auth,
                user_agent=None,
            )
        assert field in refused.value.fields


class TestDelivery:
    async def test_an_opted_out_number_gets_nothing(self, demo: Demo) -> None:
        phone = demo.techs["Julie"].phone
        async with demo.system.uow() as uow:
            await uow.opt_outs.add(OptOut(phone, demo.system.clock.now(), "STOP"))
        await demo.scheduled_job("Julie")
        await settle(demo)
        assert [] == texts_to(demo, phone)
        [alert] = [m for m in demo.system.store.tables.outbox.values() if m.to_number == phone]
        assert OutboundStatus.OPTED_OUT == alert.status

    async def test_a_lost_answer_is_looked_up_not_sent_twice(self, demo: Demo) -> None:
        demo.system.sms.lose_answers = 1
        await demo.scheduled_job("Julie")
        await settle(demo)
        [alert] = [
            m for m in demo.system.store.tables.outbox.values() if m.kind is OutboundKind.ALERT
        ]
        assert 1 == len(texts_to(demo, demo.techs["Julie"].phone))
        assert (OutboundStatus.SENT, demo.system.sms.sent[0].sid) == (
            alert.status,
            alert.provider_sid,
        )

    async def test_a_final_refusal_is_recorded_and_shown(self, demo: Demo) -> None:
        demo.system.sms.fail_with = [
            IntegrationError("twilio", "invalid number", transient=False, code="21211")
        ]
        await demo.scheduled_job("Julie")
        await settle(demo)
        async with demo.system.uow() as uow:
            [failed] = await uow.outbox.failed_alerts(since=datetime(2000, 1, 1, tzinfo=UTC))
        assert ("21211", demo.techs["Julie"].id) == (failed.error_code, failed.technician_id)
        names = [s.event.name for s in demo.system.bus.published]
        assert "message.status" in names

    async def test_status_callbacks_move_forward_only(self, demo: Demo) -> None:
        await demo.scheduled_job("Julie")
        await settle(demo)
        sid = demo.system.sms.sent[0].sid
        outbox = demo.svc.outbox
        delivered = await outbox.delivery_report(sid=sid, status="delivered", error_code=None)
        late = await outbox.delivery_report(sid=sid, status="sent", error_code=None)
        assert delivered is not None
        assert late is not None
        assert OutboundStatus.DELIVERED == delivered.status == late.status
        assert None is await outbox.delivery_report(sid="SMnone", status="sent", error_code=None)

    async def test_the_carriers_opt_out_error_records_an_opt_out(self, demo: Demo) -> None:
        await demo.scheduled_job("Julie")
        await settle(demo)
        sid = demo.system.sms.sent[0].sid
        report = await demo.svc.outbox.delivery_report(sid=sid, status="failed", error_code="21610")
        assert report is not None
        assert OutboundStatus.OPTED_OUT == report.status
        async with demo.system.uow() as uow:
            assert await uow.opt_outs.get(demo.techs["Julie"].phone) is not None


class TestMorningSummary:
    async def test_each_technician_with_work_gets_their_day_once(self, demo: Demo) -> None:
        clock = demo.system.clock
        clock._now = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 5:00 in Québec
        jobs = [await demo.scheduled_job("Julie"), await demo.in_progress_job("Julie")]
        await settle(demo, seconds=61)
        before = len(texts_to(demo, demo.techs["Julie"].phone))
        assert [] == await demo.svc.notifications.morning_summary()
        clock._now = datetime(2026, 12, 3, 11, 31, tzinfo=UTC)  # 6:31
        [summary] = await demo.svc.notifications.morning_summary()
        assert [] == await demo.svc.notifications.morning_summary()
        await settle(demo)
        text = texts_to(demo, demo.techs["Julie"].phone)[before]
        assert text.startswith("SM2 : bonjour ! 2 job(s) aujourd'hui")
        assert all(job.job_code in text for job in jobs)
        assert summary.kind is OutboundKind.SUMMARY
        assert [] == texts_to(demo, demo.techs["Karim"].phone)


def test_the_notice_kinds_a_dealer_may_choose() -> None:
    from sm2_core.domain.notices import parse_updates

    assert {NoticeKind.STARTED, NoticeKind.COMPLETED} == parse_updates("started|completed")
    with pytest.raises(InvalidInput):
        parse_updates(["cancelled"])
