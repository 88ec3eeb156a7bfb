"""The web app runs on any ``Runtime``: the in-memory one serves a text end to end."""

from __future__ import annotations

import asyncio

from api_apps import WEB, serving
from api_harness import wall_clock

from sm2_adapters.bootstrap import seed_demo
from sm2_adapters.memory import MemorySystem, build_memory_system
from sm2_core.domain.records import InboundMessage, MessageStatus
from sm2_web.serve import app_for_runtime

TOYOTA = "+14185550103"


class TestAppOnTheMemoryRuntime:
    async def test_a_text_becomes_a_job_through_the_in_process_worker(self) -> None:
        """Webhook in, the app's own worker parses it, the job is on the board: no PostgreSQL."""
        system = build_memory_system(clock=wall_clock())
        await seed_demo(system.services)
        app = app_for_runtime(system, config=WEB, run_worker=True)
        errors: list[BaseException] = []
        async with serving(app, errors) as client:
            form = {
                "MessageSid": "SMruntime1",
                "From": TOYOTA,
                "To": "+14185550000",
                "Body": "changement d'huile RAV4 2022 stock T9001",
                "NumMedia": "0",
            }
            response = await client.post("/webhooks/twilio/sms", data=form)
            assert 200 == response.status_code
            async with asyncio.timeout(10):
                async for stored in system.bus.follow():
                    if stored.event.name == "job.created":
                        break
        message = _only_message(system)
        assert (MessageStatus.PROCESSED, []) == (message.status, errors)
        (job,) = [system.store.tables.jobs[job_id] for job_id in message.job_ids]
        assert ("Toyota", "RAV4", "OIL_CHANGE") == (
            job.vehicle.make,
            job.vehicle.model,
            job.service_code,
        )


def _only_message(system: MemorySystem) -> InboundMessage:
    (message,) = system.store.tables.messages.values()
    return message
