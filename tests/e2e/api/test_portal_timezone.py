"""The portal's dates and times in the company's time zone (SM2_TIMEZONE), not Québec City's
whatever it is set to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import attrs
import pytest
from api_apps import memory_api
from api_harness import ADMIN_NAME, ADMIN_PASSWORD, Api
from test_portal_sessions import PORTAL, sign_in

from sm2_core.services import Services
from sm2_web.portal.formats import format_datetime

VANCOUVER = "America/Vancouver"


def in_vancouver(services: Services) -> Services:
    return attrs.evolve(services, schedule=attrs.evolve(services.schedule, timezone=VANCOUVER))


@pytest.fixture
async def portal() -> AsyncIterator[Api]:
    async with memory_api(PORTAL, wrap=in_vancouver) as built:
        yield built


async def test_a_jobs_page_and_the_board_show_the_companys_clock(portal: Api) -> None:
    job = await portal.job()
    await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
    there = format_datetime(job.created_at, "en", ZoneInfo(VANCOUVER))
    quebec = format_datetime(job.created_at, "en", ZoneInfo("America/Toronto"))
    pages = [
        (await portal.client.get(f"/jobs/{job.id}", headers={"Accept-Language": "en"})).text,
        (await portal.client.get("/", headers={"Accept-Language": "en"})).text,
    ]
    assert [(True, False), (True, False)] == [(there in p, quebec in p) for p in pages]
