"""GET /api/reports/dealerships, /turnaround, /technicians and /parser: who may ask, the period's
422s, the figures after real work through the API, and the CSV form."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_harness import MARC, TOYOTA, Api, assert_problem, param_names

KINDS = ("dealerships", "turnaround", "technicians", "parser")
TORONTO = ZoneInfo("America/Toronto")


async def report(api: Api, kind: str, **query: str) -> Any:
    return await api.client.get(f"/api/reports/{kind}", headers=api.admin, params=query)


def today(api: Api) -> date:
    return api.clock.now().astimezone(TORONTO).date()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestWhoMayAsk:
    @pytest.mark.parametrize("kind", KINDS)
    async def test_without_a_token_is_401(self, api: Api, kind: str) -> None:
        assert_problem(await api.client.get(f"/api/reports/{kind}"), 401)

    @pytest.mark.parametrize("kind", KINDS)
    async def test_a_technician_is_refused(self, api: Api, kind: str) -> None:
        """A technician's token is no admin token (another audience): 401, as on every admin
        route."""
        assert_problem(await api.client.get(f"/api/reports/{kind}", headers=api.tech), 401)


class TestThePeriod:
    async def test_the_default_is_this_month_so_far(self, api: Api) -> None:
        body = (await report(api, "dealerships")).json()
        assert {
            "from": today(api).replace(day=1).isoformat(),
            "to": today(api).isoformat(),
            "timezone": "America/Toronto",
        } == body["period"]

    async def test_from_alone_runs_to_today(self, api: Api) -> None:
        first = (today(api) - timedelta(days=40)).isoformat()
        body = (await report(api, "parser", **{"from": first})).json()
        assert (first, today(api).isoformat()) == (body["period"]["from"], body["period"]["to"])

    @pytest.mark.parametrize("kind", KINDS)
    async def test_a_date_that_is_no_date_is_422_naming_it(self, api: Api, kind: str) -> None:
        body = assert_problem(await report(api, kind, to="2026-02-30"), 422)
        assert {"to"} == param_names(body)
        body = assert_problem(await report(api, kind, **{"from": "yesterday"}), 422)
        assert {"from"} == param_names(body)

    async def test_an_empty_date_is_422(self, api: Api) -> None:
        """``from=`` is no date (leave the parameter out for the default)."""
        body = assert_problem(await report(api, "dealerships", **{"from": ""}), 422)
        assert {"from"} == param_names(body)

    async def test_to_before_from_is_422_naming_to(self, api: Api) -> None:
        body = assert_problem(
            await report(api, "turnaround", **{"from": "2026-03-10", "to": "2026-03-09"}), 422
        )
        assert {"to"} == param_names(body)

    async def test_more_than_366_days_is_422(self, api: Api) -> None:
        """A leap year is 366 days and fits; a day more does not."""
        fits = await report(api, "technicians", **{"from": "2024-01-01", "to": "2024-12-31"})
        assert 200 == fits.status_code, fits.text
        body = assert_problem(
            await report(api, "technicians", **{"from": "2024-01-01", "to": "2025-01-01"}), 422
        )
        assert {"from", "to"} == param_names(body)

    async def test_an_unknown_format_is_422(self, api: Api) -> None:
        body = assert_problem(await report(api, "dealerships", format="xlsx"), 422)
        assert "format" in param_names(body)


class TestFigures:
    async def test_a_months_work(self, mem_api: Api) -> None:
        """Toyota: a job completed (assigned 10 min after it was typed in, accepted an hour
        later, completed two hours after that, 45 labour minutes), approved and invoiced at
        the service's price; another cancelled. Every report says so."""
        api = mem_api
        done = await api.job(TOYOTA)
        api.clock.advance(minutes=10)
        assert 200 == (await api.assign(done.id)).status_code
        api.clock.advance(hours=1)
        accepted = await api.client.post(f"/api/technician/jobs/{done.id}/accept", headers=api.tech)
        assert 200 == accepted.status_code, accepted.text
        api.clock.advance(hours=2)
        completed = await api.client.post(
            f"/api/technician/jobs/{done.id}/complete",
            headers=api.tech,
            json={"notes": "Two keys programmed", "labour_minutes": 45},
        )
        assert 200 == completed.status_code, completed.text
        approved = await api.client.post(f"/api/jobs/{done.id}/approve", headers=api.admin)
        assert 200 == approved.status_code, approved.text
        await api.run()
        dropped = await api.job(TOYOTA)
        cancel = await api.client.post(
            f"/api/jobs/{dropped.id}/cancel", headers=api.admin, json={"reason": "sold"}
        )
        assert 200 == cancel.status_code, cancel.text
        invoice = (await api.get_job(done.id))["invoice_state"]
        assert "SYNCED" == invoice

        dealers = (await report(api, "dealerships")).json()
        toyota = next(i for i in dealers["items"] if i["dealership_id"] == str(api.dealers[TOYOTA]))
        subtotal = (
            await api.client.get(f"/api/jobs/{done.id}/invoice-preview", headers=api.admin)
        ).json()["subtotal"]
        assert {
            "texts": 0,
            "jobs_created": 2,
            "completed": 1,
            "cancelled": 1,
            "invoiced": subtotal,
            "paid": "0.00",
            "overdue": "0.00",
        } == {k: toyota[k] for k in ("texts", "jobs_created", "completed", "cancelled",
                                      "invoiced", "paid", "overdue")}  # fmt: skip
        assert 2 == dealers["totals"]["jobs_created"]

        turnaround = (await report(api, "turnaround")).json()
        assert {
            "created": {"count": 2, "p50": 0, "p90": 0},
            "assigned": {"count": 1, "p50": 600, "p90": 600},
            "started": {"count": 1, "p50": 4200, "p90": 4200},
            "completed": {"count": 1, "p50": 11400, "p90": 11400},
        } == turnaround["overall"]
        assert [str(api.dealers[TOYOTA])] == [
            d["dealership_id"] for d in turnaround["by_dealership"]
        ]

        techs = (await report(api, "technicians")).json()
        marc = next(t for t in techs["items"] if t["name"] == MARC)
        assert {
            "completed": 1,
            "labour_minutes": 45,
            "km_between_jobs": 0.0,
            "busy_seconds": 7200,
            "working_days": 1,
            "busy_share": 0.25,
        } == {k: marc[k] for k in ("completed", "labour_minutes", "km_between_jobs",
                                    "busy_seconds", "working_days", "busy_share")}  # fmt: skip
        assert 8.0 == techs["working_day_hours"]

        parser = (await report(api, "parser")).json()
        assert (0, 0, None) == (
            parser["parsed_jobs"],
            parser["corrected_jobs"],
            parser["corrected_share"],
        )
        assert ["year", "make", "model", "vin", "stock_no", "service_code"] == [
            f["field"] for f in parser["fields"]
        ]

    async def test_every_report_on_each_backend(self, api: Api) -> None:
        """The same work read through both adapters: counts, and times that are seconds."""
        await api.completed(TOYOTA)
        dealers = (await report(api, "dealerships")).json()
        assert 1 == dealers["totals"]["completed"]
        overall = (await report(api, "turnaround")).json()["overall"]
        assert [1, 1, 1, 1] == [overall[m]["count"] for m in overall]
        assert all(isinstance(overall[m]["p90"], int) for m in overall)
        techs = (await report(api, "technicians")).json()["items"]
        assert 1 == next(t for t in techs if t["name"] == MARC)["completed"]


class TestCsv:
    async def test_each_report_downloads_as_csv(self, api: Api) -> None:
        await api.completed(TOYOTA)
        headers = {
            "dealerships": "dealership_id",
            "turnaround": "group",
            "technicians": "technician_id",
            "parser": "field",
        }
        for kind, first_column in headers.items():
            response = await report(api, kind, format="csv", **{"from": "2026-01-01"})
            assert 200 == response.status_code, response.text
            assert "text/csv; charset=utf-8" == response.headers["content-type"]
            assert (
                f'attachment; filename="sm2-{kind}-2026-01-01-to-{today(api)}.csv"'
                == response.headers["content-disposition"]
            )
            assert response.text.startswith(first_column + ",")

    async def test_the_dealerships_table(self, api: Api) -> None:
        await api.completed(TOYOTA)
        found = rows((await report(api, "dealerships", format="csv")).text)
        toyota = next(r for r in found if r["dealership_id"] == str(api.dealers[TOYOTA]))
        assert ("1", "1", "0") == (toyota["jobs_created"], toyota["completed"], toyota["cancelled"])

    async def test_a_name_that_would_be_a_formula_is_quoted(self, mem_api: Api) -> None:
        """A dealership named like a spreadsheet formula is written as text."""
        created = await mem_api.client.post(
            "/api/dealerships",
            headers=mem_api.admin,
            json={"name": "=HYPERLINK(\"http://x\")", "phone": "+14185550199",
                  "email": "x@example.com"},
        )  # fmt: skip
        assert 201 == created.status_code, created.text
        found = rows((await report(mem_api, "dealerships", format="csv")).text)
        assert '\'=HYPERLINK("http://x")' in {r["dealership"] for r in found}
