"""A service added, re-worded or switched off through the API is what the next text is read
with: the offline parser reads the live catalog (PostgreSQL, the real parser and worker)."""

from __future__ import annotations

from typing import Any

from api_harness import TOYOTA, Api, assert_problem

ALIGNMENT: dict[str, Any] = {
    "code": "WHEEL_ALIGNMENT",
    "name": "Wheel alignment",
    "name_fr": "Alignement",
    "base_price": "99.00",
    "terms_en": ["wheel alignment", "alignment"],
    "terms_fr": ["alignement", "parallélisme"],
}


async def text_in(api: Api, body: str, sid: str) -> list[dict[str, Any]]:
    """The jobs the text made."""
    form = {"From": TOYOTA, "To": "+14185550000", "Body": body, "MessageSid": sid}
    response = await api.client.post("/webhooks/twilio/sms", data=form)
    assert 200 == response.status_code, response.text
    await api.run()
    jobs = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
    return [j for j in jobs if j["request_text"] == body]


class TestLiveCatalog:
    async def test_a_service_added_through_the_api_is_recognised_by_the_next_text(
        self, pg_api: Api
    ) -> None:
        api = pg_api
        body = "Alignement sur Civic 2021 stock H5512 svp"
        [before] = await text_in(api, body, "SM-cat-1")
        assert before["service_code"] is None
        created = await api.client.post("/api/services", json=ALIGNMENT, headers=api.admin)
        assert 201 == created.status_code, created.text
        assert ["alignement", "parallélisme"] == created.json()["terms_fr"]
        [after] = await text_in(api, "Parallelisme sur Civic 2021 stock H5513", "SM-cat-2")
        assert ("WHEEL_ALIGNMENT", "H5513") == (
            after["service_code"],
            after["vehicle_data"]["stock_no"],
        )

    async def test_new_words_and_deactivation_apply_at_once(self, pg_api: Api) -> None:
        api = pg_api
        created = (await api.client.post("/api/services", json=ALIGNMENT, headers=api.admin)).json()
        url = f"/api/services/{created['id']}"
        patched = await api.client.patch(
            url, json={"terms_en": ["alignment", "toe in"]}, headers=api.admin
        )
        assert ["alignment", "toe in"] == patched.json()["terms_en"]
        [job] = await text_in(api, "Need toe in adjusted on the RAV4 2022 stock T7001", "SM-cat-3")
        assert "WHEEL_ALIGNMENT" == job["service_code"]
        await api.client.patch(url, json={"is_active": False}, headers=api.admin)
        [job] = await text_in(api, "Need toe in adjusted on the RAV4 2022 stock T7002", "SM-cat-4")
        assert job["service_code"] is None

    async def test_the_demo_services_carry_their_words(self, pg_api: Api) -> None:
        """The vocabulary the parser was built with is the demo catalog's data, editable."""
        page = (await pg_api.client.get("/api/services?limit=50", headers=pg_api.admin)).json()
        oil = next(s for s in page["items"] if s["code"] == "OIL_CHANGE")
        assert "vidange" in oil["terms_fr"]
        assert "oil change" in oil["terms_en"]
        assert "entretien" in oil["hints_fr"]


class TestTermsValidation:
    async def test_bad_terms_are_refused_field_by_field(self, api: Api) -> None:
        for terms, field in (
            ("alignment", "terms_en"),  # a string, not a list
            (["x" * 61], "terms_en"),
            ([""], "terms_en"),
            (["a|b"], "terms_en"),
            (["..."], "terms_en"),
        ):
            body = {**ALIGNMENT, "code": "ALIGN_BAD", field: terms}
            response = await api.client.post("/api/services", json=body, headers=api.admin)
            problem = assert_problem(response, 422)
            assert field in str(problem), (terms, problem)
        listed = (await api.client.get("/api/services?limit=50", headers=api.admin)).json()
        assert all(s["code"] != "ALIGN_BAD" for s in listed["items"])

    async def test_a_technician_cannot_change_a_service_s_words(self, api: Api) -> None:
        page = (await api.client.get("/api/services?limit=50", headers=api.admin)).json()
        oil = next(s for s in page["items"] if s["code"] == "OIL_CHANGE")
        response = await api.client.patch(
            f"/api/services/{oil['id']}", json={"terms_en": ["x"]}, headers=api.tech
        )
        # A technician's token is for the technician audience: the admin API does not take it.
        assert 401 == response.status_code
        again = await api.client.get(f"/api/services/{oil['id']}", headers=api.admin)
        assert oil["terms_en"] == again.json()["terms_en"]
