"""GET /api/jobs/{id}/invoice-preview and PATCH /api/jobs/{id}/invoice-lines/{line}: the lines a
job will bill (service, parts, labour), adjusted before approval, fixed by it."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from api_harness import TOYOTA, Api, assert_problem, param_names

from sm2_core.domain.job import Job

REPORT = {
    "notes": "Two keys programmed, one blank and a battery",
    "labour_minutes": 90,
    "parts": [
        {"name": "key blank", "quantity": 1},
        {"name": "CR2032", "quantity": 2},
        {"name": "Mystery clip", "quantity": 3},
    ],
}


async def completed_with_parts(api: Api, report: dict[str, Any] = REPORT) -> Job:
    """Key programming at Toyota, completed by the tech login with the parts above."""
    job = await api.in_progress(TOYOTA)
    response = await api.client.post(
        f"/api/technician/jobs/{job.id}/complete", headers=api.tech, json=report
    )
    assert 200 == response.status_code, response.text
    return job


async def preview(api: Api, job_id: UUID, headers: dict[str, str] | None = None) -> Any:
    return await api.client.get(
        f"/api/jobs/{job_id}/invoice-preview", headers=api.admin if headers is None else headers
    )


async def adjust(api: Api, job_id: UUID, line: str, body: dict[str, Any], **headers: str) -> Any:
    version = (await api.get_job(job_id))["version"]
    sent = {**api.admin, "If-Match": str(version), **headers}
    return await api.client.patch(
        f"/api/jobs/{job_id}/invoice-lines/{line}", headers=sent, json=body
    )


class TestPreview:
    async def test_a_completed_job_with_parts_and_labour(self, api: Api) -> None:
        """Service, two catalog parts, an unknown one flagged at zero, 30 minutes of labour:
        amounts as strings, the subtotal, one flagged line."""
        job = await completed_with_parts(api)
        response = await preview(api, job.id)
        assert 200 == response.status_code, response.text
        body = response.json()
        assert [
            ("service", "service", "1", "249.00", "249.00", None),
            ("part-1", "part", "1", "35.00", "35.00", None),
            ("part-2", "part", "2", "6.50", "13.00", None),
            ("part-3", "part", "3", "0.00", "0.00", "not in the parts catalog"),
            ("labour", "labour", "0.50", "95.00", "47.50", None),
        ] == [
            (x["line"], x["kind"], x["quantity"], x["unit_price"], x["amount"], x["flag"])
            for x in body["lines"]
        ]
        assert ["Key blank", "Key fob battery", "Mystery clip"] == [
            x["description"] for x in body["lines"][1:4]
        ]
        assert ("draft", True, "344.50", 1, None) == (
            body["stage"],
            body["adjustable"],
            body["subtotal"],
            body["flagged"],
            body["invoice"],
        )
        assert (str(job.id), job.job_code) == (body["job_id"], body["job_code"])

    async def test_quebec_taxes_estimated_on_the_subtotal(self, api: Api) -> None:
        """GST 5 % and QST 9.975 % of 344.50, each to the cent (17.225 rounds up), and the
        total with them; no invoice yet, so nothing from QuickBooks."""
        job = await completed_with_parts(api)
        body = (await preview(api, job.id)).json()
        assert (
            [
                {"name": "GST", "percent": "5", "amount": "17.23"},
                {"name": "QST", "percent": "9.975", "amount": "34.36"},
            ],
            "396.09",
        ) == (body["taxes"], body["total"])

    async def test_an_estimate_before_completion(self, api: Api) -> None:
        """A job not yet done shows what its service would bill, not adjustable."""
        job = await api.scheduled()
        body = (await preview(api, job.id)).json()
        assert ("estimate", False, ["service"], "249.00") == (
            body["stage"],
            body["adjustable"],
            [x["line"] for x in body["lines"]],
            body["subtotal"],
        )

    async def test_a_cancelled_job_is_409(self, api: Api) -> None:
        job = await api.job()
        await api.client.post(f"/api/jobs/{job.id}/cancel", headers=api.admin, json={"reason": "x"})
        assert_problem(await preview(api, job.id), 409)

    async def test_a_job_without_a_service_is_409_naming_the_rule(self, api: Api) -> None:
        job = await api.job(service=None)
        assert "Billing" == assert_problem(await preview(api, job.id), 409)["rule"]

    async def test_an_unknown_job_is_404(self, api: Api) -> None:
        assert_problem(await preview(api, uuid4()), 404)

    async def test_admins_only(self, api: Api) -> None:
        """A technician's token is for the technician API (its audience): 401, as none."""
        job = await api.job()
        assert_problem(await preview(api, job.id, api.tech), 401)
        assert_problem(await preview(api, job.id, {}), 401)


class TestAdjust:
    async def test_an_adjustment_answers_the_preview_and_is_on_the_timeline(self, api: Api) -> None:
        """The clips at 1.75 each, with a reason: billed, checked, audited."""
        job = await completed_with_parts(api)
        body = {"unit_price": "1.75", "reason": "Clips from our stock"}
        response = await adjust(api, job.id, "part-3", body)
        assert 200 == response.status_code, response.text
        clips = response.json()["lines"][3]
        assert ("5.25", "not in the parts catalog") == (clips["amount"], clips["flag"])
        assert ("Clips from our stock", "boss", "3", "0.00") == (
            clips["adjustment"]["reason"],
            clips["adjustment"]["by"],
            clips["adjustment"]["from_quantity"],
            clips["adjustment"]["from_unit_price"],
        )
        assert ("349.75", 0) == (response.json()["subtotal"], response.json()["flagged"])
        detail = await api.get_job(job.id)
        last = detail["audit_timeline"][-1]
        assert ("invoice_adjust", "Mystery clip: 3 × 1.75 = 5.25 (Clips from our stock)") == (
            last["action"],
            last["new_values"]["invoice_line"],
        )
        assert [("part-3", "1.75")] == [
            (a["line"], a["unit_price"]) for a in detail["invoice_adjustments"]
        ]

    async def test_the_version_in_the_body_does_too(self, mem_api: Api) -> None:
        job = await completed_with_parts(mem_api)
        version = (await mem_api.get_job(job.id))["version"]
        response = await mem_api.client.patch(
            f"/api/jobs/{job.id}/invoice-lines/labour",
            headers=mem_api.admin,
            json={"quantity": "1", "reason": "Agreed on the phone", "version": version},
        )
        assert ("95.00", "0.50") == (
            response.json()["lines"][-1]["amount"],
            response.json()["lines"][-1]["adjustment"]["from_quantity"],
        )

    async def test_without_a_version_is_422(self, mem_api: Api) -> None:
        job = await completed_with_parts(mem_api)
        response = await mem_api.client.patch(
            f"/api/jobs/{job.id}/invoice-lines/service",
            headers=mem_api.admin,
            json={"unit_price": "200", "reason": "x"},
        )
        assert "version" in param_names(assert_problem(response, 422))

    async def test_a_stale_version_is_409(self, api: Api) -> None:
        job = await completed_with_parts(api)
        stale = {"If-Match": "1"}
        response = await adjust(api, job.id, "service", {"unit_price": "1", "reason": "x"}, **stale)
        assert_problem(response, 409)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"unit_price": "1"}, "reason"),
            ({"unit_price": "1", "reason": "   "}, "reason"),
            ({"reason": "no value"}, "quantity"),
            ({"quantity": "-1", "reason": "x"}, "quantity"),
            ({"quantity": "0.333", "reason": "x"}, "quantity"),
            ({"quantity": "10000.01", "reason": "x"}, "quantity"),
            ({"quantity": 2, "reason": "x"}, "quantity"),
            ({"unit_price": "1.005", "reason": "x"}, "unit_price"),
            ({"unit_price": 1.5, "reason": "x"}, "unit_price"),
            ({"unit_price": "1", "reason": "x", "discount": "10"}, "discount"),
        ],
    )
    async def test_invalid_input_is_422_naming_the_field(
        self, mem_api: Api, body: dict[str, Any], field: str
    ) -> None:
        job = await completed_with_parts(mem_api)
        response = await adjust(mem_api, job.id, "service", body)
        assert field in param_names(assert_problem(response, 422))

    async def test_an_unknown_line_is_404(self, api: Api) -> None:
        job = await completed_with_parts(api)
        response = await adjust(api, job.id, "part-9", {"quantity": "1", "reason": "x"})
        assert_problem(response, 404)

    async def test_not_before_completion_409(self, api: Api) -> None:
        job = await api.scheduled()
        response = await adjust(api, job.id, "service", {"unit_price": "1", "reason": "x"})
        assert_problem(response, 409)

    async def test_not_after_approval_409(self, api: Api) -> None:
        """Approved: the lines are fixed; the job's JSON carries them."""
        job = await completed_with_parts(api)
        approved = await api.client.post(f"/api/jobs/{job.id}/approve", headers=api.admin)
        assert 200 == approved.status_code, approved.text
        assert 5 == len(approved.json()["invoice_lines"])
        response = await adjust(api, job.id, "service", {"unit_price": "1", "reason": "x"})
        assert_problem(response, 409)
        assert "approved" == (await preview(api, job.id)).json()["stage"]

    async def test_a_technician_is_401(self, api: Api) -> None:
        job = await completed_with_parts(api)
        version = (await api.get_job(job.id))["version"]
        response = await api.client.patch(
            f"/api/jobs/{job.id}/invoice-lines/service",
            headers={**api.tech, "If-Match": str(version)},
            json={"unit_price": "1", "reason": "x"},
        )
        assert_problem(response, 401)


class TestApproveWithFlags:
    async def test_the_api_approves_and_the_audit_names_the_flagged_lines(self, api: Api) -> None:
        """An API client sees flags in the preview; approving bills them as they stand and the
        approval's audit entry lists them."""
        job = await completed_with_parts(api)
        response = await api.client.post(f"/api/jobs/{job.id}/approve", headers=api.admin)
        assert 200 == response.status_code, response.text
        approval = next(
            e for e in (await api.get_job(job.id))["audit_timeline"] if e["action"] == "approve"
        )
        assert ["Mystery clip (not in the parts catalog)"] == approval["new_values"][
            "flagged_lines"
        ]

    async def test_the_invoice_bills_what_the_preview_showed(self, mem_api: Api) -> None:
        """Approved and synced (the memory accounting): the lines sent are the preview's."""
        job = await completed_with_parts(mem_api)
        shown = (await preview(mem_api, job.id)).json()
        await mem_api.client.post(f"/api/jobs/{job.id}/approve", headers=mem_api.admin)
        await mem_api.run()
        sent = mem_api.system.accounting.invoices[job.id]
        assert [(x["description"], x["amount"]) for x in shown["lines"]] == [
            (line.description, str(line.amount)) for line in sent.lines
        ]
        after = (await preview(mem_api, job.id)).json()
        assert ("invoiced", shown["subtotal"]) == (after["stage"], after["subtotal"])
        assert after["invoice"]["qb_invoice_id"] == (await mem_api.get_job(job.id))["qb_invoice_id"]
