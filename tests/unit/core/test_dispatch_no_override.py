"""An admin's urgency can be taken back: the job's urgency is then what the rules give."""

from __future__ import annotations

from core_helpers import ADMIN, Demo

from sm2_core.domain.enums import Urgency
from sm2_core.services.dispatch import NO_OVERRIDE


class TestNoOverride:
    async def test_back_to_what_the_rules_say(self, demo: Demo) -> None:
        job = await demo.new_job(service="OIL_CHANGE")
        ruled = job.urgency
        raised = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, urgency=Urgency.CRITICAL
        )
        assert (Urgency.CRITICAL, Urgency.CRITICAL) == (raised.urgency, raised.urgency_override)
        back = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=raised.version, urgency=NO_OVERRIDE
        )
        assert (ruled, None) == (back.urgency, back.urgency_override)

    async def test_no_urgency_said_keeps_the_admins(self, demo: Demo) -> None:
        job = await demo.new_job(service="OIL_CHANGE")
        raised = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=job.version, urgency=Urgency.HIGH
        )
        kept = await demo.svc.dispatch.update(
            job.id, actor=ADMIN, expected_version=raised.version, notes="Side door"
        )
        assert Urgency.HIGH == kept.urgency_override
