"""The job page's invoice over HTTP in-process: the lines it will bill with their flags and the
subtotal, a line adjusted from its form (CSRF-protected, audited), approval asking to confirm
flagged lines, and the parts and prices pages."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from api_apps import memory_api
from api_harness import ADMIN_NAME, ADMIN_PASSWORD, TOYOTA, Api
from test_portal_sessions import PORTAL, csrf_of, sign_in

REPORT = {
    "notes": "Key programmed",
    "labour_minutes": 75,
    "parts": [{"name": "Key blank", "quantity": 1}, {"name": "Mystery clip", "quantity": 2}],
}


@pytest.fixture
async def portal() -> AsyncIterator[Api]:
    async with memory_api(PORTAL) as built:
        await sign_in(built.client, ADMIN_NAME, ADMIN_PASSWORD)
        yield built


async def completed(api: Api) -> UUID:
    job = await api.in_progress(TOYOTA)
    response = await api.client.post(
        f"/api/technician/jobs/{job.id}/complete", headers=api.tech, json=REPORT
    )
    assert 200 == response.status_code, response.text
    return job.id


async def page_of(api: Api, job_id: UUID, lang: str = "en") -> str:
    response = await api.client.get(f"/jobs/{job_id}", headers={"Accept-Language": lang})
    assert 200 == response.status_code, response.text
    return html.unescape(response.text)


def lines_table(text: str) -> str:
    found = re.search(r'<table class="invoice-lines".*?</table>', text, re.DOTALL)
    assert found is not None, text
    return found[0]


async def english(api: Api, path: str) -> str:
    response = await api.client.get(path, headers={"Accept-Language": "en"})
    assert 200 == response.status_code, response.text
    return html.unescape(response.text)


def version_of(text: str) -> str:
    found = re.search(r'data-job-version="(\d+)"', text)
    assert found is not None
    return found[1]


class TestJobPage:
    async def test_the_lines_flags_and_subtotal(self, portal: Api) -> None:
        """Service, the key blank at its price, the unknown clips flagged, 15 minutes of labour;
        the subtotal; a warning and a box to tick beside the approve button."""
        job_id = await completed(portal)
        text = await page_of(portal, job_id)
        table = lines_table(text)
        assert "$249.00" in table
        assert "Key blank" in table
        assert "$35.00" in table
        assert "Mystery clip" in table
        assert "not in the parts catalog" in table
        assert "invoice-line--flagged" in table
        assert "0.25\u00a0h" in table
        assert "$23.75" in table
        assert 'id="invoice-subtotal">$307.75<' in table
        assert "1 line(s) flagged" in text
        assert 'name="confirm_flagged"' in text

    async def test_the_estimated_taxes_and_total(self, portal: Api) -> None:
        """Before QuickBooks computes them: GST and QST on $307.75 (15.39 and 30.70) and the
        total with them; in French with a decimal comma."""
        job_id = await completed(portal)
        table = lines_table(await page_of(portal, job_id))
        assert re.search(r"GST \(5\xa0%\)</th><td[^>]*>\$15\.39<", table), table
        assert re.search(r"QST \(9\.975\xa0%\)</th><td[^>]*>\$30\.70<", table), table
        assert 'id="invoice-total">$353.84<' in table
        french = lines_table(await page_of(portal, job_id, "fr"))
        assert "QST (9,975\xa0%)" in french
        assert "Total estimé" in french

    async def test_in_french(self, portal: Api) -> None:
        job_id = await completed(portal)
        text = await page_of(portal, job_id, "fr")
        assert "absente du catalogue de pièces" in text
        assert "307,75\u00a0$" in text
        assert "Main-d'œuvre : 15 min au-delà des 60 min incluses" in text

    async def test_a_line_adjusted_from_its_form(self, portal: Api) -> None:
        """The clips' form with the page's version: saved, the page shows the new amount and
        who adjusted it and why; the timeline has it."""
        job_id = await completed(portal)
        text = await page_of(portal, job_id)
        form = {
            "_csrf": csrf_of(await portal.client.get(f"/jobs/{job_id}")),
            "version": version_of(text),
            "quantity": "2",
            "unit_price": "1,50",
            "reason": "Clips from our stock",
        }
        response = await portal.client.post(f"/jobs/{job_id}/invoice-lines/part-2", data=form)
        assert (303, f"/jobs/{job_id}?done=adjusted#invoice-h") == (
            response.status_code,
            response.headers["location"],
        )
        after = await page_of(portal, job_id)
        table = lines_table(after)
        assert "$3.00" in table
        assert "$310.75" in table
        assert "Adjusted by boss: Clips from our stock" in table
        assert "invoice-line--flagged" not in table
        assert "Invoice line adjusted" in after
        assert "Mystery clip: 2 × 0.00 = 0.00 → Mystery clip: 2 × 1.50 = 3.00" in " ".join(
            after.split()
        )
        assert 'name="confirm_flagged"' not in after

    async def test_a_stale_form_is_refused(self, portal: Api) -> None:
        job_id = await completed(portal)
        form = {
            "_csrf": csrf_of(await portal.client.get(f"/jobs/{job_id}")),
            "version": "1",
            "quantity": "2",
            "unit_price": "1.50",
            "reason": "late",
        }
        response = await portal.client.post(f"/jobs/{job_id}/invoice-lines/part-2", data=form)
        assert 409 == response.status_code

    async def test_without_the_csrf_token_nothing_changes(self, portal: Api) -> None:
        job_id = await completed(portal)
        text = await page_of(portal, job_id)
        form = {"version": version_of(text), "quantity": "9", "unit_price": "9", "reason": "x"}
        response = await portal.client.post(f"/jobs/{job_id}/invoice-lines/part-2", data=form)
        assert 403 == response.status_code
        assert "$0.00" in lines_table(await page_of(portal, job_id))

    async def test_approving_flagged_lines_needs_the_box(self, portal: Api) -> None:
        """Without the box ticked: refused, not approved. Ticked: approved, lines fixed."""
        job_id = await completed(portal)
        text = await page_of(portal, job_id)
        form = {
            "_csrf": csrf_of(await portal.client.get(f"/jobs/{job_id}")),
            "version": version_of(text),
        }
        refused = await portal.client.post(f"/jobs/{job_id}/approve", data=form)
        assert 409 == refused.status_code
        assert "Mystery clip" in html.unescape(refused.text)
        assert not (await portal.get_job(job_id))["approved_at"]
        approved = await portal.client.post(
            f"/jobs/{job_id}/approve", data=form | {"confirm_flagged": "1"}
        )
        assert 303 == approved.status_code
        job = await portal.get_job(job_id)
        assert 4 == len(job["invoice_lines"])
        assert "Adjust" not in lines_table(await page_of(portal, job_id))


class TestReferencePages:
    async def test_parts_and_prices_pages(self, portal: Api) -> None:
        """Both listed in the navigation, with their rows and their forms."""
        parts = await english(portal, "/admin/parts")
        assert "Smart key fob" in parts
        assert "FOB-PROX" in parts
        assert 'name="sku"' in parts
        prices = await english(portal, "/admin/prices")
        assert "Audi Québec" in prices
        assert "KEY_PROGRAMMING" in prices
        assert "$279.00" in prices
        assert 'href="/admin/parts"' in prices
        assert 'href="/admin/prices"' in prices

    async def test_a_part_created_from_the_form(self, portal: Api) -> None:
        page = await portal.client.get("/admin/parts")
        form = {"_csrf": csrf_of(page), "name": "Valve stem", "sku": "VS-1", "price": "4,25"}
        response = await portal.client.post("/admin/parts", data=form)
        assert 303 == response.status_code, response.text
        listed = (await portal.client.get("/api/parts", headers=portal.admin)).json()["items"]
        assert {"name": "Valve stem", "sku": "VS-1", "price": "4.25"} in [
            {k: p[k] for k in ("name", "sku", "price")} for p in listed
        ]

    async def test_a_price_edited_from_its_form(self, portal: Api) -> None:
        """The edit page is named after its dealership and service; saving changes the price."""
        listed = (await portal.client.get("/api/prices", headers=portal.admin)).json()["items"]
        audi = next(p for p in listed if p["service_code"] == "KEY_PROGRAMMING")
        page = await portal.client.get(f"/admin/prices/{audi['id']}")
        assert "Audi Québec — KEY_PROGRAMMING" in html.unescape(page.text)
        assert 'value="279.00"' in page.text
        form = {
            "_csrf": csrf_of(page),
            "dealership_id": audi["dealership_id"],
            "service_code": "KEY_PROGRAMMING",
            "price": "269.00",
        }
        assert (
            303 == (await portal.client.post(f"/admin/prices/{audi['id']}", data=form)).status_code
        )
        got = await portal.client.get(f"/api/prices/{audi['id']}", headers=portal.admin)
        assert "269.00" == got.json()["price"]

    async def test_services_and_dealerships_show_the_labour_fields(self, portal: Api) -> None:
        services = await english(portal, "/admin/services")
        assert 'name="included_minutes"' in services
        assert "Labour included" in services
        dealers = await english(portal, "/admin/dealerships")
        assert 'name="hourly_rate"' in dealers
        assert "$95.00" in dealers
