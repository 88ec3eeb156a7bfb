"""The Reports page over HTTP in-process: the four tables and three charts after real work, its
CSV links opened with the page's own session, the period form and its refusals."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from api_apps import memory_api
from api_harness import ADMIN_NAME, ADMIN_PASSWORD, MARC, TOYOTA, Api
from test_portal_sessions import PORTAL, sign_in

from sm2_core.parsing import ParsedRequest

EN = {"Accept-Language": "en"}
TORONTO = ZoneInfo("America/Toronto")
ODD_NAME = "Toyota <Ste-Foy> & Fils"
READ = ParsedRequest(year=2022, make="Toyota", model="RAV4", service_code="KEY_PROGRAMMING")


@pytest.fixture
async def portal() -> AsyncIterator[Api]:
    async with memory_api(PORTAL) as built:
        yield built


async def month_of_work(api: Api) -> None:
    """A text from Toyota (renamed with characters HTML must escape) becomes a job that Marc
    completes; the admin approves it and it is invoiced; a second job is typed in by hand."""
    toyota = api.dealers[TOYOTA]
    version = (await api.client.get(f"/api/dealerships/{toyota}", headers=api.admin)).json()
    renamed = await api.client.patch(
        f"/api/dealerships/{toyota}", headers=api.admin, json={"name": ODD_NAME}
    )
    assert 200 == renamed.status_code, (renamed.text, version)
    assert api.parser is not None
    body = api.parser.reads("Clé pour RAV4 2022 svp", READ)
    form = {"From": TOYOTA, "To": "+14185550000", "Body": body, "MessageSid": "SMreport1"}
    assert 200 == (await api.client.post("/webhooks/twilio/sms", data=form)).status_code
    await api.run()
    (job,) = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
    api.clock.advance(minutes=5)
    assert 200 == (await api.assign(job["id"], MARC)).status_code
    api.clock.advance(minutes=30)
    accept = await api.client.post(f"/api/technician/jobs/{job['id']}/accept", headers=api.tech)
    assert 200 == accept.status_code, accept.text
    api.clock.advance(minutes=90)
    done = await api.client.post(
        f"/api/technician/jobs/{job['id']}/complete",
        headers=api.tech,
        json={"notes": "Clé programmée", "labour_minutes": 80},
    )
    assert 200 == done.status_code, done.text
    approved = await api.client.post(f"/api/jobs/{job['id']}/approve", headers=api.admin)
    assert 200 == approved.status_code, approved.text
    await api.run()
    await api.job(TOYOTA)


def table(page: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert found is not None, table_id
    return found[0]


def charts(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, re.S)


class TestThePage:
    async def test_tables_and_charts_after_a_months_work(self, portal: Api) -> None:
        await month_of_work(portal)
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get("/reports", headers=EN)
        assert 200 == page.status_code, page.text
        text = page.text
        dealers = table(text, "report-dealerships")
        assert html.escape(ODD_NAME) in dealers
        assert ODD_NAME not in text
        toyota_row = re.search(r"<tr>\s*<th scope=\"row\">Toyota &lt;.*?</tr>", dealers, re.S)
        assert toyota_row is not None
        assert re.findall(r'<td class="num">(\d+)</td>', toyota_row[0])[:4] == ["1", "2", "1", "0"]
        assert "2 h 5 min" in table(text, "report-turnaround")
        marc = re.search(
            rf"<th scope=\"row\">{MARC}</th>.*?</tr>", table(text, "report-technicians"), re.S
        )
        assert marc is not None
        assert ">80<" in marc[0]
        assert ">19%<" in marc[0]
        assert "Any field" in table(text, "report-parser")

        svgs = charts(text)
        assert 3 == len(svgs)
        for svg in svgs:
            assert 'role="img"' in svg
            assert "<title" in svg
            assert "<desc" in svg
        money, jobs, turnaround = svgs
        assert html.escape(ODD_NAME) in money
        assert "Invoiced and paid per dealership" in money
        assert re.search(r"<text[^>]*>2</text>", jobs)
        assert "p50 (median)" in turnaround
        assert "2 h 5 min" in turnaround

    async def test_no_inline_style_or_script(self, portal: Api) -> None:
        """The Content-Security-Policy allows none: the charts are styled from reports.css."""
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = (await portal.client.get("/reports", headers=EN)).text
        assert " style=" not in page
        assert "<style" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert "/static/portal/reports.css?v=" in page
        css = re.search(r'href="(/static/portal/reports\.css\?v=[^"]+)"', page)
        assert css is not None
        assert 200 == (await portal.client.get(css[1])).status_code

    async def test_linked_from_the_navigation(self, portal: Api) -> None:
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        board = (await portal.client.get("/", headers=EN)).text
        assert 'href="/reports"' in board
        page = (await portal.client.get("/reports", headers=EN)).text
        assert re.search(r'<a href="/reports" aria-current="page">Reports</a>', page)

    async def test_in_french(self, portal: Api) -> None:
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = (await portal.client.get("/reports", headers={"Accept-Language": "fr"})).text
        assert "<h1>Rapports" in page
        assert "Télécharger en CSV" in page

    async def test_signed_out_goes_to_the_login(self, portal: Api) -> None:
        response = await portal.client.get("/reports")
        assert response.status_code in (302, 303), response.text
        assert response.headers["location"].startswith("/login")


class TestCsvLinks:
    async def test_each_link_downloads_with_the_pages_session(self, portal: Api) -> None:
        """No bearer token: the admin's session cookie opens the API's reads."""
        await month_of_work(portal)
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        first = (portal.clock.now().astimezone(TORONTO).date() - timedelta(days=40)).isoformat()
        page = (await portal.client.get(f"/reports?from={first}", headers=EN)).text
        links = re.findall(r'href="(/api/reports/[a-z]+\?[^"]+)" download hx-boost="false"', page)
        assert 4 == len(links)
        for link in links:
            url = html.unescape(link)
            assert "format=csv" in url
            assert f"from={first}" in url
            response = await portal.client.get(url)
            assert 200 == response.status_code, response.text
            assert response.headers["content-type"].startswith("text/csv")
        dealers = next(html.unescape(link) for link in links if "dealerships" in link)
        rows = list(csv.DictReader(io.StringIO((await portal.client.get(dealers)).text)))
        assert ODD_NAME in {r["dealership"] for r in rows}


class TestThePeriodForm:
    async def test_the_period_asked_for(self, portal: Api) -> None:
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = (await portal.client.get("/reports?from=2026-01-01&to=2026-01-31", headers=EN)).text
        assert 'name="from" value="2026-01-01"' in page
        assert "2026-01-01 to 2026-01-31" in page
        assert re.search(r"<text[^>]*>No job was created in this period\.</text>", page)

    @pytest.mark.parametrize(
        ("query", "field"),
        [("from=2026-03-10&to=2026-03-01", "to"), ("from=2026-02-30", "from")],
    )
    async def test_a_period_refused_says_why(self, portal: Api, query: str, field: str) -> None:
        """The form keeps what was typed, marks the field, and this month is shown instead."""
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get(f"/reports?{query}", headers=EN)
        assert 200 == page.status_code, page.text
        assert 'role="alert"' in page.text
        assert re.search(rf'name="{field}" value="[^"]*" aria-invalid="true"', page.text)
        assert "Showing this month so far instead." in page.text
