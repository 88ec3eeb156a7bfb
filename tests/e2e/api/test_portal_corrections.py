"""The parser's corrections page, over HTTP in-process: the figures, a suggested word added with
one click (CSRF-protected, audited), and the way there from the services page."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest
from api_apps import memory_api
from api_harness import ADMIN_NAME, ADMIN_PASSWORD, TOYOTA, Api
from test_portal_sessions import PORTAL, csrf_of, sign_in

from sm2_core.domain.enums import ReferenceKind
from sm2_core.parsing import ParsedRequest

TEXTS = (
    "Toyota RAV4 2022 permutation svp",
    "permutation sur RAV4 2022 stock T-1",
    "RAV4 2022, faire permutation merci",
)
READ = ParsedRequest(year=2022, make="Toyota", model="RAV4", service_code="OIL_CHANGE")


@pytest.fixture
async def portal() -> AsyncIterator[Api]:
    async with memory_api(PORTAL) as built:
        yield built


async def corrected_to_tires(api: Api) -> None:
    """Three texts read as oil changes, each job corrected to a tire change on the API."""
    assert api.parser is not None
    for n, body in enumerate(TEXTS):
        api.parser.reads(body, READ)
        form = {"From": TOYOTA, "To": "+14185550000", "Body": body, "MessageSid": f"SMp{n}"}
        assert 200 == (await api.client.post("/webhooks/twilio/sms", data=form)).status_code
    await api.run()
    for job in (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]:
        response = await api.client.patch(
            f"/api/jobs/{job['id']}",
            headers={**api.admin, "If-Match": str(job["version"])},
            json={"service_code": "TIRE_CHANGE"},
        )
        assert 200 == response.status_code, response.text


class TestCorrectionsPage:
    async def test_the_figures_and_a_suggestion(self, portal: Api) -> None:
        """Per service, the parsed jobs and the corrected fields; the suggested word, in
        French, with its one-click form."""
        await corrected_to_tires(portal)
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get("/portal/corrections", headers={"Accept-Language": "en"})
        assert 200 == page.status_code, page.text
        assert 'id="correction-rates"' in page.text
        assert "Tire change and balancing" in page.text
        assert '3 <span class="muted">(100%)</span>' in page.text
        assert 'name="word" value="permutation"' in page.text
        assert 'name="lang" value="fr"' in page.text
        assert 'aria-current="page"' in page.text.split('href="/portal/corrections"')[1][:30]

    async def test_nothing_yet(self, portal: Api) -> None:
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get("/portal/corrections", headers={"Accept-Language": "fr"})
        assert 200 == page.status_code, page.text
        text = html.unescape(page.text)
        assert "Aucun travail n'a été créé à partir d'un texto" in text
        assert "Aucun mot à suggérer pour l'instant." in text

    async def test_one_click_adds_the_word_to_the_service(self, portal: Api) -> None:
        """The form posts with the page's CSRF token; the service gains the term through the
        admin's update (audited), and the suggestion is gone."""
        await corrected_to_tires(portal)
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get("/portal/corrections")
        form = {
            "_csrf": csrf_of(page),
            "service_code": "TIRE_CHANGE",
            "word": "permutation",
            "lang": "fr",
        }
        done = await portal.client.post("/portal/corrections/terms", data=form)
        assert (303, "/portal/corrections?done=term") == (
            done.status_code,
            done.headers["location"],
        )
        tires = next(
            s
            for s in await portal.services.admin.all(ReferenceKind.SERVICES)
            if s.code == "TIRE_CHANGE"
        )
        assert "permutation" == tires.terms_fr[-1]
        history = await portal.services.admin.history(ReferenceKind.SERVICES, tires.id)
        assert ("update", ADMIN_NAME) == (history[-1].action, history[-1].actor)
        assert () == await portal.services.corrections.suggestions()

    async def test_a_form_without_the_token_is_refused(self, portal: Api) -> None:
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        form = {"service_code": "TIRE_CHANGE", "word": "permutation", "lang": "fr"}
        refused = await portal.client.post("/portal/corrections/terms", data=form)
        assert 403 == refused.status_code

    async def test_the_services_page_links_to_it_and_says_so(self, portal: Api) -> None:
        await corrected_to_tires(portal)
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get("/admin/services", headers={"Accept-Language": "en"})
        assert 200 == page.status_code, page.text
        assert "Dispatchers&#39; corrections suggest 1 new term(s)." in page.text
        assert '<a href="/portal/corrections">' in page.text
