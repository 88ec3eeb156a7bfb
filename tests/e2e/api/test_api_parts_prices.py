"""The parts catalog (/api/parts), dealerships' own prices (/api/prices), a service's included
labour and a dealership's hourly rate: admin resources like the other reference kinds."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import AUDI, TOYOTA, Api, assert_problem, param_names

FILTER = {"name": "Cabin filter HEPA", "sku": "CAF-220", "price": "44.90"}


async def create(api: Api, kind: str, body: dict[str, Any]) -> Any:
    return await api.client.post(f"/api/{kind}", headers=api.admin, json=body)


async def patch(api: Api, kind: str, item_id: str, body: dict[str, Any]) -> Any:
    return await api.client.patch(f"/api/{kind}/{item_id}", headers=api.admin, json=body)


async def everything(api: Api, kind: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, in order."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await api.client.get(f"/api/{kind}", headers=api.admin, params=query)).json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


class TestParts:
    async def test_create_read_change_deactivate(self, api: Api) -> None:
        """A part as the catalog keeps it: name, SKU, price as a string; patched field by field;
        deactivated, it leaves the list unless asked for."""
        created = await create(api, "parts", FILTER)
        assert 201 == created.status_code, created.text
        part = created.json()
        assert ("Cabin filter HEPA", "CAF-220", "44.90", True) == (
            part["name"],
            part["sku"],
            part["price"],
            part["is_active"],
        )
        url = f"/api/parts/{part['id']}"
        assert part == (await api.client.get(url, headers=api.admin)).json()
        changed = await patch(api, "parts", part["id"], {"price": "39.90", "is_active": False})
        assert ("39.90", "CAF-220", False) == (
            changed.json()["price"],
            changed.json()["sku"],
            changed.json()["is_active"],
        )
        assert part["id"] not in {p["id"] for p in await everything(api, "parts")}
        assert part["id"] in {
            p["id"] for p in await everything(api, "parts", include_inactive="true")
        }

    async def test_the_demo_catalog_is_paged_by_name(self, api: Api) -> None:
        """The demo's fourteen parts, five a page, by name in any case."""
        names = [p["name"] for p in await everything(api, "parts")]
        assert 14 == len(names)
        assert sorted(names, key=str.casefold) == names

    @pytest.mark.parametrize(
        "clash", [{"name": "oil FILTER"}, {"sku": "of-2231"}], ids=["name", "sku"]
    )
    async def test_a_name_or_sku_taken_in_any_case_is_409(
        self, api: Api, clash: dict[str, str]
    ) -> None:
        assert_problem(await create(api, "parts", FILTER | clash), 409)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (FILTER | {"price": "-1"}, "price"),
            (FILTER | {"price": "1.999"}, "price"),
            (FILTER | {"price": 44.9}, "price"),
            (FILTER | {"name": ""}, "name"),
            (FILTER | {"name": "x" * 201}, "name"),
            (FILTER | {"sku": "x" * 61}, "sku"),
            ({"name": "No price"}, "price"),
            (FILTER | {"colour": "blue"}, "colour"),
        ],
    )
    async def test_invalid_is_422_naming_the_field(
        self, mem_api: Api, body: dict[str, Any], field: str
    ) -> None:
        response = await create(mem_api, "parts", body)
        assert field in param_names(assert_problem(response, 422))

    async def test_a_name_of_spaces_is_422(self, mem_api: Api) -> None:
        """Trimmed, nothing is left: the name is required."""
        response = await create(mem_api, "parts", FILTER | {"name": "   "})
        assert "name" in param_names(assert_problem(response, 422))

    async def test_admins_only(self, api: Api) -> None:
        assert_problem(await api.client.get("/api/parts", headers=api.tech), 401)
        assert_problem(await api.client.post("/api/parts", json=FILTER), 401)


class TestPrices:
    async def test_a_dealerships_own_price_prices_its_invoices(self, api: Api) -> None:
        """Toyota's own oil change price: created, listed, and what its job's preview bills;
        deactivated, the base price is back."""
        created = await create(
            api,
            "prices",
            {
                "dealership_id": str(api.dealers[TOYOTA]),
                "service_code": "oil_change",
                "price": "74.95",
            },
        )
        assert 201 == created.status_code, created.text
        price = created.json()
        assert ("OIL_CHANGE", "74.95") == (price["service_code"], price["price"])
        job = await api.job(TOYOTA, service="OIL_CHANGE")
        url = f"/api/jobs/{job.id}/invoice-preview"
        assert "74.95" == (await api.client.get(url, headers=api.admin)).json()["subtotal"]
        await patch(api, "prices", price["id"], {"is_active": False})
        assert "89.95" == (await api.client.get(url, headers=api.admin)).json()["subtotal"]

    async def test_the_demo_prices(self, api: Api) -> None:
        """Audi Québec's key programming and Honda Charlesbourg's diagnostic."""
        listed = await everything(api, "prices")
        assert [("DIAGNOSTIC", "119.00"), ("KEY_PROGRAMMING", "279.00")] == [
            (p["service_code"], p["price"]) for p in listed
        ]
        assert str(api.dealers[AUDI]) == listed[1]["dealership_id"]

    async def test_one_price_per_dealership_and_service_409(self, api: Api) -> None:
        body = {"dealership_id": str(api.dealers[AUDI]), "service_code": "KEY_PROGRAMMING"}
        assert_problem(await create(api, "prices", body | {"price": "1.00"}), 409)

    @pytest.mark.parametrize("missing", ["dealership_id", "service_code"])
    async def test_what_it_names_must_exist_422(self, api: Api, missing: str) -> None:
        """An unknown dealership or service is an invalid field of the price, not a missing
        price."""
        body = {
            "dealership_id": str(api.dealers[AUDI]),
            "service_code": "OIL_CHANGE",
            "price": "1.00",
        }
        body[missing] = (
            "00000000-0000-4000-8000-000000000000" if missing == "dealership_id" else "NOPE"
        )
        assert {missing} == param_names(assert_problem(await create(api, "prices", body), 422))

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"dealership_id": None}, "dealership_id"),
            ({"dealership_id": "not-a-uuid"}, "dealership_id"),
            ({"service_code": "OIL CHANGE"}, "service_code"),
            ({"price": "free"}, "price"),
        ],
    )
    async def test_invalid_is_422_naming_the_field(
        self, mem_api: Api, body: dict[str, Any], field: str
    ) -> None:
        full = {
            "dealership_id": str(mem_api.dealers[AUDI]),
            "service_code": "OIL_CHANGE",
            "price": "1",
        }
        response = await create(mem_api, "prices", full | body)
        assert field in param_names(assert_problem(response, 422))


class TestLabourFields:
    async def test_included_minutes_and_hourly_rate_price_the_labour(self, api: Api) -> None:
        """Key programming including 30 minutes, Toyota's rate at 120.00: a 90-minute job bills
        one hour of labour at 120.00."""
        services = (await api.client.get("/api/services", headers=api.admin)).json()["items"]
        keys = next(s for s in services if s["code"] == "KEY_PROGRAMMING")
        assert 60 == keys["included_minutes"]
        changed = await patch(api, "services", keys["id"], {"included_minutes": 30})
        assert 30 == changed.json()["included_minutes"]
        toyota = str(api.dealers[TOYOTA])
        dealer = (await api.client.get(f"/api/dealerships/{toyota}", headers=api.admin)).json()
        assert "95.00" == dealer["hourly_rate"]
        changed = await patch(api, "dealerships", toyota, {"hourly_rate": "120.00"})
        assert "120.00" == changed.json()["hourly_rate"]
        job = await api.in_progress(TOYOTA)
        await api.client.post(
            f"/api/technician/jobs/{job.id}/complete",
            headers=api.tech,
            json={"notes": "done", "labour_minutes": 90},
        )
        lines = (
            await api.client.get(f"/api/jobs/{job.id}/invoice-preview", headers=api.admin)
        ).json()["lines"]
        assert ("labour", "1.00", "120.00", "120.00") == (
            lines[-1]["line"],
            lines[-1]["quantity"],
            lines[-1]["unit_price"],
            lines[-1]["amount"],
        )

    @pytest.mark.parametrize("value", [-1, 1441, "60", 60.5, None])
    async def test_included_minutes_out_of_bounds_is_422(self, mem_api: Api, value: Any) -> None:
        services = (await mem_api.client.get("/api/services", headers=mem_api.admin)).json()
        oil = next(s for s in services["items"] if s["code"] == "OIL_CHANGE")
        response = await patch(mem_api, "services", oil["id"], {"included_minutes": value})
        assert "included_minutes" in param_names(assert_problem(response, 422))

    @pytest.mark.parametrize("value", ["-1", "95.001", 95, "a lot"])
    async def test_an_hourly_rate_that_is_no_price_is_422(self, mem_api: Api, value: Any) -> None:
        response = await patch(
            mem_api, "dealerships", str(mem_api.dealers[AUDI]), {"hourly_rate": value}
        )
        assert "hourly_rate" in param_names(assert_problem(response, 422))
