"""A service's expected duration and a dealership's address, through /api/services and
/api/dealerships: stored, answered, patched, and refused naming the field when out of bounds."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import AUDI, Api, assert_problem, param_names

ROOF_RACK = {"code": "ROOF_RACK", "name": "Roof rack", "name_fr": "Support de toit"}
KIA = {"name": "Kia Lévis", "phone": "+14185550195", "email": "ap@kia.example"}
ADDRESS = "5300 boulevard Guillaume-Couture, Lévis, QC G6V 4Z7"


def named(body: dict[str, Any], field: str) -> bool:
    """The problem names ``field``: as an invalid parameter or in its detail."""
    return field in param_names(body) or field in str(body)


def constraints(node: dict[str, Any]) -> dict[str, Any]:
    """A property's keywords, whether on its node or (for an optional one) on its one branch."""
    branches = node.get("oneOf", [])
    return {**(branches[0] if len(branches) == 1 else {}), **node}


async def seeded_service(api: Api, code: str) -> dict[str, Any]:
    listed = await api.client.get("/api/services", headers=api.admin)
    return next(s for s in listed.json()["items"] if s["code"] == code)


class TestServiceDuration:
    async def test_chosen_on_create_changed_by_patch_and_kept(self, api: Api) -> None:
        body = ROOF_RACK | {"base_price": "99.50", "duration_minutes": 90}
        created = await api.client.post("/api/services", headers=api.admin, json=body)
        assert (201, 90) == (created.status_code, created.json()["duration_minutes"])
        url = f"/api/services/{created.json()['id']}"
        patched = await api.client.patch(url, headers=api.admin, json={"duration_minutes": 45})
        assert (200, 45) == (patched.status_code, patched.json()["duration_minutes"])
        assert 45 == (await api.client.get(url, headers=api.admin)).json()["duration_minutes"]
        patched = await api.client.patch(url, headers=api.admin, json={"base_price": "109.00"})
        assert 45 == patched.json()["duration_minutes"], "a PATCH without it keeps it"

    async def test_an_hour_unless_said_and_the_demo_catalog_says(self, api: Api) -> None:
        body = ROOF_RACK | {"base_price": "99.50"}
        created = await api.client.post("/api/services", headers=api.admin, json=body)
        assert 60 == created.json()["duration_minutes"]
        assert (30, 90) == (
            (await seeded_service(api, "OIL_CHANGE"))["duration_minutes"],
            (await seeded_service(api, "PDI"))["duration_minutes"],
        )

    @pytest.mark.parametrize("bound", [5, 720])
    async def test_the_bounds_are_taken(self, api: Api, bound: int) -> None:
        oil = await seeded_service(api, "OIL_CHANGE")
        url = f"/api/services/{oil['id']}"
        patched = await api.client.patch(url, headers=api.admin, json={"duration_minutes": bound})
        assert (200, bound) == (patched.status_code, patched.json()["duration_minutes"])

    @pytest.mark.parametrize("value", [4, 721, 0, -30, 100000, "60", 60.5, True, None])
    async def test_out_of_range_or_not_a_whole_number_is_422_naming_the_field(
        self, api: Api, value: object
    ) -> None:
        body = ROOF_RACK | {"base_price": "99.50", "duration_minutes": value}
        created = await api.client.post("/api/services", headers=api.admin, json=body)
        assert named(assert_problem(created, 422), "duration_minutes")
        oil = await seeded_service(api, "OIL_CHANGE")
        url = f"/api/services/{oil['id']}"
        patched = await api.client.patch(url, headers=api.admin, json={"duration_minutes": value})
        assert named(assert_problem(patched, 422), "duration_minutes")
        assert 30 == (await api.client.get(url, headers=api.admin)).json()["duration_minutes"]

    async def test_the_document_gives_the_bounds(self, mem_api: Api) -> None:
        """Clients (and the schemathesis run) learn 5 to 720."""
        doc = (await mem_api.client.get("/schema/openapi.json")).json()
        schemas = doc["components"]["schemas"]
        for name in ("ServiceIn", "ServicePatch"):
            node = constraints(schemas[name]["properties"]["duration_minutes"])
            assert ("integer", 5, 720) == (node["type"], node["minimum"], node["maximum"]), name
        assert "duration_minutes" in schemas["ServiceOut"]["required"]


class TestDealershipAddress:
    async def test_given_on_create_changed_and_cleared_by_patch_and_kept(self, api: Api) -> None:
        created = await api.client.post(
            "/api/dealerships", headers=api.admin, json=KIA | {"address": ADDRESS}
        )
        assert (201, ADDRESS) == (created.status_code, created.json()["address"])
        url = f"/api/dealerships/{created.json()['id']}"
        moved = "1200 route des Rivières, Lévis, QC G7A 2N9"
        patched = await api.client.patch(url, headers=api.admin, json={"address": moved})
        assert (200, moved) == (patched.status_code, patched.json()["address"])
        assert moved == (await api.client.get(url, headers=api.admin)).json()["address"]
        patched = await api.client.patch(url, headers=api.admin, json={"email": "b@kia.example"})
        assert moved == patched.json()["address"], "a PATCH without it keeps it"
        patched = await api.client.patch(url, headers=api.admin, json={"address": ""})
        assert "" == (await api.client.get(url, headers=api.admin)).json()["address"]

    async def test_empty_unless_given_and_the_demo_dealerships_have_one(self, api: Api) -> None:
        created = await api.client.post("/api/dealerships", headers=api.admin, json=KIA)
        assert "" == created.json()["address"]
        audi = await api.client.get(f"/api/dealerships/{api.dealers[AUDI]}", headers=api.admin)
        assert "3100 boulevard Hochelaga, Québec, QC G1V 4S3" == audi.json()["address"]

    async def test_trimmed_and_taken_up_to_300_characters(self, api: Api) -> None:
        url = f"/api/dealerships/{api.dealers[AUDI]}"
        patched = await api.client.patch(url, headers=api.admin, json={"address": f"  {ADDRESS}\n"})
        assert ADDRESS == patched.json()["address"]
        longest = "x" * 300
        patched = await api.client.patch(url, headers=api.admin, json={"address": longest})
        assert (200, longest) == (patched.status_code, patched.json()["address"])

    @pytest.mark.parametrize("value", ["x" * 301, "1 rue\x00Principale", None, 12])
    async def test_too_long_a_nul_or_not_text_is_422_naming_the_field(
        self, api: Api, value: object
    ) -> None:
        created = await api.client.post(
            "/api/dealerships", headers=api.admin, json=KIA | {"address": value}
        )
        assert named(assert_problem(created, 422), "address")
        url = f"/api/dealerships/{api.dealers[AUDI]}"
        patched = await api.client.patch(url, headers=api.admin, json={"address": value})
        assert named(assert_problem(patched, 422), "address")
        unchanged = (await api.client.get(url, headers=api.admin)).json()["address"]
        assert "3100 boulevard Hochelaga, Québec, QC G1V 4S3" == unchanged

    async def test_the_document_gives_the_bound(self, mem_api: Api) -> None:
        doc = (await mem_api.client.get("/schema/openapi.json")).json()
        schemas = doc["components"]["schemas"]
        for name in ("DealershipIn", "DealershipPatch"):
            node = constraints(schemas[name]["properties"]["address"])
            assert ("string", 300, r"^[^\x00]*$") == (
                node["type"],
                node["maxLength"],
                node["pattern"],
            ), name
        assert "address" in schemas["DealershipOut"]["required"]
