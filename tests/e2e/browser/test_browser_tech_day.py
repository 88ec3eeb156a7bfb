"""The technician's day on the phone: jobs in the order of their windows (today, tomorrow, later,
then those with no time set), each with its window in the company's time, the dealership's
address opening the maps app, and the dispatcher's notes; live, as before."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from browser_pages import sign_in
from browser_server import ADMIN_ACTOR, TECH_PASSWORD, PortalServer
from playwright.sync_api import Page, expect
from test_browser_language_access import _audit

from sm2_core.domain.job import Job, Vehicle
from sm2_core.services.dispatch import WindowChange

FORD_LEVIS = "+14185550102"
FORD_LEVIS_ADDRESS = "5300 boulevard Guillaume-Couture, Lévis, QC G6V 4Z7"
ZONE = ZoneInfo("America/Toronto")
LIVE_MS = 15_000


def _today() -> date:
    return datetime.now(ZONE).date()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def _update(server: PortalServer, job_id: UUID, **changes: Any) -> Job:
    current = server.call(server.system.services.dispatch.detail(job_id)).job
    return server.call(
        server.system.services.dispatch.update(
            job_id, actor=ADMIN_ACTOR, expected_version=current.version, **changes
        )
    )


def _julies(server: PortalServer, service: str, model: str, **changes: Any) -> Job:
    job = server.create_job(FORD_LEVIS, service, Vehicle(2024, "Ford", model))
    server.assign(job.id, "julie")
    return _update(server, job.id, **changes) if changes else job


@pytest.fixture(scope="module")
def day(server: PortalServer) -> dict[str, Job]:
    """Julie's jobs: one with no time set (made first), tomorrow's, one later this week with
    no end, and today's (made last)."""
    today = _today()
    return {
        "none": _julies(server, "OIL_CHANGE", "Edge"),
        "tomorrow": _julies(
            server,
            "TIRE_CHANGE",
            "Ranger",
            window=WindowChange(
                start=_at(today + timedelta(days=1), 13), end=_at(today + timedelta(days=1), 14)
            ),
        ),
        "later": _julies(
            server, "PDI", "Bronco", window=WindowChange(start=_at(today + timedelta(days=3), 9))
        ),
        "today": _julies(
            server,
            "BATTERY_REPLACEMENT",
            "Escape",
            window=WindowChange(start=_at(today, 8), end=_at(today, 10)),
            notes="Keys at the service desk.\nAsk for Paul.",
        ),
    }


def _julie(open_page: Callable[..., Page], server: PortalServer) -> Page:
    phone = open_page(phone=True)
    sign_in(phone, server, "julie", TECH_PASSWORD, tech=True)
    return phone


class TestTheDayInOrder:
    def test_today_then_tomorrow_then_later_then_no_time(
        self, open_page: Callable[..., Page], server: PortalServer, day: dict[str, Job]
    ) -> None:
        phone = _julie(open_page, server)
        cards = phone.locator("#tech-jobs .card")
        expect(cards).to_have_count(4)
        expected = ("Escape", "Ranger", "Bronco", "Edge")
        for position, model in enumerate(expected):
            expect(cards.nth(position).locator("h2")).to_contain_text(model)
        whens = cards.locator(".card__when")
        expect(whens.nth(0)).to_have_text("Today 8:00–10:00")
        expect(whens.nth(1)).to_have_text("Tomorrow 13:00–14:00")
        expect(whens.nth(2)).to_have_text(
            re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} 9:00–…$")
        )
        expect(whens.nth(3)).to_have_text("No time set yet")
        _audit(phone)

    def test_the_address_opens_the_maps_app_and_the_notes_are_shown(
        self, open_page: Callable[..., Page], server: PortalServer, day: dict[str, Job]
    ) -> None:
        phone = _julie(open_page, server)
        card = phone.locator(f"#job-{day['today'].id}")
        link = card.get_by_role("link", name=FORD_LEVIS_ADDRESS)
        expect(link).to_have_attribute(
            "href",
            "https://www.google.com/maps/search/?api=1&query=" + quote(FORD_LEVIS_ADDRESS, safe=""),
        )
        expect(link).to_have_attribute("target", "_blank")
        expect(card.locator(".dispatch-notes")).to_have_text(
            "Keys at the service desk.\nAsk for Paul."
        )
        expect(phone.locator(f"#job-{day['none'].id} .dispatch-notes")).to_have_count(0)

        # The job's own page says the same.
        card.get_by_role("link", name=day["today"].job_code).click()
        expect(phone).to_have_url(f"{server.url}/tech/jobs/{day['today'].id}")
        expect(phone.locator(".card")).to_have_count(1)
        expect(phone.locator(".card__when")).to_have_text("Today 8:00–10:00")
        expect(phone.get_by_role("link", name=FORD_LEVIS_ADDRESS)).to_be_visible()

    def test_in_french(
        self, open_page: Callable[..., Page], server: PortalServer, day: dict[str, Job]
    ) -> None:
        phone = _julie(open_page, server)
        phone.get_by_role("button", name="Français").click()
        expect(phone.locator("html")).to_have_attribute("lang", "fr")
        whens = phone.locator("#tech-jobs .card .card__when")
        expect(whens.nth(0)).to_have_text("Aujourd'hui 8:00–10:00")
        expect(whens.nth(1)).to_have_text("Demain 13:00–14:00")
        expect(whens.nth(2)).to_have_text(
            re.compile(r"^(lun|mar|mer|jeu|ven|sam|dim)\. \d{1,2} \S+ 9:00–…$")
        )
        expect(whens.nth(3)).to_have_text("Heure pas encore fixée")
        expect(phone.get_by_text("Notes du répartiteur")).to_be_visible()

    def test_a_window_set_by_the_dispatcher_moves_the_card_live(
        self, open_page: Callable[..., Page], server: PortalServer, day: dict[str, Job]
    ) -> None:
        """The dispatcher books the Edge early this morning: it moves to the top, with its
        window, without a reload."""
        phone = _julie(open_page, server)
        expect(phone.locator("#live-status")).to_have_attribute("data-state", "live")
        phone.evaluate("window.__sameDocument = true")
        today = _today()
        _update(
            server,
            day["none"].id,
            window=WindowChange(start=_at(today, 6), end=_at(today, 7, 30)),
        )
        first = phone.locator("#tech-jobs .card").first
        expect(first.locator("h2")).to_contain_text("Edge", timeout=LIVE_MS)
        expect(first.locator(".card__when")).to_have_text("Today 6:00–7:30")
        assert phone.evaluate("window.__sameDocument") is True, "the list was reloaded"
