"""Admin reference data: /api/{zones,services,dealerships,technicians,rules} and their ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import attrs
import pytest
from api_harness import AUDI, Api, assert_problem, param_names

from sm2_core.domain.notices import DEALER_UPDATES
from sm2_core.serialize import in_order


@attrs.frozen
class Kind:
    """One resource and bodies for each behaviour, built from the seeded ids."""

    name: str
    new: Callable[[Api], dict[str, Any]]
    change: dict[str, Any]
    duplicate: dict[str, Any] | None
    """A new row clashing with a seeded one on a unique key."""
    invalid: tuple[dict[str, Any], str]
    """A body with one wrong field, and that field."""
    seeded: int


KINDS = [
    Kind(
        "zones",
        lambda api: {"name": "Lac-Beauport", "latitude": 46.95, "longitude": -71.3},
        {"description": "North of the city"},
        {"name": "Sainte-Foy", "latitude": 1.0, "longitude": 1.0},
        ({"name": "Nowhere", "latitude": 91, "longitude": 0}, "latitude"),
        8,
    ),
    Kind(
        "services",
        lambda api: {
            "code": "roof_rack",
            "name": "Roof rack",
            "name_fr": "Support de toit",
            "base_price": "99.50",
        },
        {"base_price": "109.00"},
        {"code": "OIL_CHANGE", "name": "Again", "name_fr": "Encore", "base_price": "1.00"},
        ({"code": "1BAD", "name": "x", "name_fr": "x", "base_price": "1"}, "code"),
        14,
    ),
    Kind(
        "dealerships",
        lambda api: {
            "name": "BMW Québec",
            "phone": "+14185550199",
            "email": "ap@bmwquebec.example",
            "zone_id": str(api.zones["Québec Centre"]),
            "language": "en",
        },
        {"email": "billing@bmwquebec.example", "is_audit_flagged": True},
        {"name": "Audi again", "phone": "(418) 555-0101", "email": "a@b.example"},
        ({"name": "No mail", "phone": "+14185550198", "email": "not-an-email"}, "email"),
        10,
    ),
    Kind(
        "technicians",
        lambda api: {
            "name": "Paul Fortin",
            "phone": "+14185550299",
            "zone_id": str(api.zones["Beauport"]),
            "skills": ["OIL_CHANGE", "pdi"],
        },
        {"status": "ON_LEAVE", "skills": ["DETAILING"]},
        {"name": "Marc twin", "phone": "+14185550201"},
        ({"name": "Sleepy", "phone": "+14185550298", "status": "SLEEPING"}, "status"),
        6,
    ),
    Kind(
        "rules",
        lambda api: {
            "description": "Tesla diagnostics first",
            "make": "Tesla",
            "service_code": "DIAGNOSTIC",
            "target_urgency": "HIGH",
            "ranking_score": 7,
        },
        {"ranking_score": 9, "target_urgency": None},
        None,
        (
            {"description": "Too urgent", "make": "BMW", "target_urgency": "URGENT"},
            "target_urgency",
        ),
        4,
    ),
]
ids = [kind.name for kind in KINDS]


async def listing(api: Api, kind: str, **params: Any) -> dict[str, Any]:
    response = await api.client.get(f"/api/{kind}", headers=api.admin, params=params)
    assert 200 == response.status_code, response.text
    return response.json()  # type: ignore[no-any-return]


class TestCrud:
    @pytest.mark.parametrize("kind", KINDS, ids=ids)
    async def test_list_is_a_page_of_the_active_rows(self, api: Api, kind: Kind) -> None:
        """GET /api/<kind> is {"items": [...], "next_cursor": null} with the seeded rows."""
        page = await listing(api, kind.name)
        assert {"items", "next_cursor"} <= set(page)
        assert (kind.seeded, None) == (len(page["items"]), page["next_cursor"])
        assert all("id" in item for item in page["items"])

    @pytest.mark.parametrize("kind", KINDS, ids=ids)
    async def test_create_get_patch_and_deactivate(self, api: Api, kind: Kind) -> None:
        """A row made by POST is read back, changed by PATCH and hidden once deactivated."""
        created = await api.client.post(f"/api/{kind.name}", headers=api.admin, json=kind.new(api))
        assert 201 == created.status_code, created.text
        row = created.json()
        url = f"/api/{kind.name}/{row['id']}"
        assert row == (await api.client.get(url, headers=api.admin)).json()
        changed = await api.client.patch(url, headers=api.admin, json=kind.change)
        assert 200 == changed.status_code, changed.text
        assert {**row, **kind.change} == changed.json()
        off = await api.client.patch(url, headers=api.admin, json={"is_active": False})
        assert (200, False) == (off.status_code, off.json()["is_active"])
        assert row["id"] not in {i["id"] for i in (await listing(api, kind.name))["items"]}
        everything = await listing(api, kind.name, include_inactive="true")
        assert row["id"] in {i["id"] for i in everything["items"]}
        assert 200 == (await api.client.get(url, headers=api.admin)).status_code

    @pytest.mark.parametrize("kind", [k for k in KINDS if k.duplicate], ids=lambda k: k.name)
    async def test_a_duplicate_is_409(self, api: Api, kind: Kind) -> None:
        """A second row with a unique key already taken is refused with 409."""
        assert kind.duplicate is not None
        response = await api.client.post(
            f"/api/{kind.name}", headers=api.admin, json=kind.duplicate
        )
        assert_problem(response, 409)
        assert kind.seeded == len((await listing(api, kind.name))["items"])

    @pytest.mark.parametrize("kind", KINDS, ids=ids)
    async def test_an_invalid_body_is_422_naming_the_field(self, mem_api: Api, kind: Kind) -> None:
        """A wrong value is a 422 whose invalid_params names the field."""
        body, field = kind.invalid
        response = await mem_api.client.post(f"/api/{kind.name}", headers=mem_api.admin, json=body)
        assert field in param_names(assert_problem(response, 422))

    @pytest.mark.parametrize("kind", KINDS, ids=ids)
    async def test_an_unknown_id_is_404(self, api: Api, kind: Kind) -> None:
        """Reading or changing a row that does not exist is a 404."""
        url = f"/api/{kind.name}/{uuid4()}"
        assert_problem(await api.client.get(url, headers=api.admin), 404)
        patched = await api.client.patch(url, headers=api.admin, json={"is_active": False})
        assert_problem(patched, 404)


class TestRulesOfTheData:
    async def test_a_phone_taken_by_a_patch_is_409(self, api: Api) -> None:
        """Changing a dealership's phone to another's is refused."""
        url = f"/api/dealerships/{api.dealers['+14185550102']}"
        response = await api.client.patch(url, headers=api.admin, json={"phone": AUDI})
        assert_problem(response, 409)

    async def test_phones_are_stored_in_e164(self, api: Api) -> None:
        """A phone typed with punctuation is kept as +1XXXXXXXXXX."""
        body = {"name": "Paul", "phone": "(418) 555-0297"}
        response = await api.client.post("/api/technicians", headers=api.admin, json=body)
        assert (201, "+14185550297") == (response.status_code, response.json()["phone"])

    async def test_a_negative_price_is_422(self, api: Api) -> None:
        """The catalog refuses a negative base price."""
        body = {"code": "FREEBIE", "name": "x", "name_fr": "x", "base_price": "-1"}
        response = await api.client.post("/api/services", headers=api.admin, json=body)
        assert "base_price" in param_names(assert_problem(response, 422))

    @pytest.mark.parametrize("price", ["NaN", "sNaN", "Infinity", "-Infinity", "1e30"])
    async def test_a_price_that_is_no_amount_is_422(self, api: Api, price: str) -> None:
        """NaN, infinities and absurd amounts are refused as invalid input, never a 500."""
        body = {"code": "ODD_PRICE", "name": "x", "name_fr": "x", "base_price": price}
        response = await api.client.post("/api/services", headers=api.admin, json=body)
        assert "base_price" in param_names(assert_problem(response, 422))

    async def test_the_price_answered_is_the_price_stored(self, api: Api) -> None:
        """A price with three decimals comes back from GET as POST answered it (or is refused)."""
        body = {"code": "FINE_PRICE", "name": "x", "name_fr": "x", "base_price": "12.345"}
        created = await api.client.post("/api/services", headers=api.admin, json=body)
        if created.status_code == 422:
            return
        url = f"/api/services/{created.json()['id']}"
        stored = (await api.client.get(url, headers=api.admin)).json()
        assert created.json()["base_price"] == stored["base_price"]

    async def test_a_rule_needs_a_criterion(self, api: Api) -> None:
        """A rule that would match every job is refused."""
        response = await api.client.post(
            "/api/rules", headers=api.admin, json={"description": "Everything", "ranking_score": 5}
        )
        assert_problem(response, 422)

    @pytest.mark.parametrize(
        ("kind", "body"),
        [
            (
                "dealerships",
                {"name": "X", "phone": "+14185550197", "email": "x@y.z", "zone_id": "Z"},
            ),
            ("technicians", {"name": "X", "phone": "+14185550296", "zone_id": "Z"}),
            ("technicians", {"name": "X", "phone": "+14185550295", "skills": ["TELEPORT"]}),
            ("rules", {"description": "X", "dealership_id": "Z"}),
            ("rules", {"description": "X", "service_code": "TELEPORT"}),
        ],
    )
    async def test_an_unknown_reference_is_refused(
        self, api: Api, kind: str, body: dict[str, Any]
    ) -> None:
        """A zone, dealership or service that does not exist is a 422 naming the field, and
        nothing is made."""
        body = {k: str(uuid4()) if v == "Z" else v for k, v in body.items()}
        response = await api.client.post(f"/api/{kind}", headers=api.admin, json=body)
        named = param_names(assert_problem(response, 422))
        assert named & {"zone_id", "skills", "dealership_id", "service_code"}, response.text
        everything = await listing(api, kind, include_inactive="true")
        assert "X" not in {
            item.get("name", item.get("description")) for item in everything["items"]
        }

    async def test_dealerships_list_only_active_ones(self, api: Api) -> None:
        """GET /api/dealerships lists the active dealerships (CONTRACT)."""
        url = f"/api/dealerships/{api.dealers[AUDI]}"
        await api.client.patch(url, headers=api.admin, json={"is_active": False})
        phones = {d["phone"] for d in (await listing(api, "dealerships"))["items"]}
        assert AUDI not in phones
        assert 9 == len(phones)


class TestTechnicianLanguage:
    async def test_french_by_default_english_on_request(self, api: Api) -> None:
        """The language a technician's alerts are written in: stored, answered, patched."""
        body = {"name": "Jordan Smith", "phone": "+14185550291"}
        created = await api.client.post("/api/technicians", headers=api.admin, json=body)
        assert ("fr", 201) == (created.json()["language"], created.status_code)
        url = f"/api/technicians/{created.json()['id']}"
        patched = await api.client.patch(url, headers=api.admin, json={"language": "en"})
        assert "en" == patched.json()["language"]
        assert "en" == (await api.client.get(url, headers=api.admin)).json()["language"]

    async def test_another_language_is_422(self, api: Api) -> None:
        body = {"name": "Jordan Smith", "phone": "+14185550292", "language": "es"}
        response = await api.client.post("/api/technicians", headers=api.admin, json=body)
        assert "language" in str(assert_problem(response, 422))


class TestDealershipStatusTexts:
    """``notify_on``: the status texts a dealership receives, as a list in lifecycle order."""

    async def test_chosen_on_create_changed_by_patch_and_answered_in_order(self, api: Api) -> None:
        body = {"name": "Kia Lévis", "phone": "+14185550197", "email": "ap@kia.example"}
        chosen = {"notify_on": ["completed", "assigned"]}
        created = await api.client.post("/api/dealerships", headers=api.admin, json=body | chosen)
        assert (201, ["assigned", "completed"]) == (
            created.status_code,
            created.json()["notify_on"],
        )
        url = f"/api/dealerships/{created.json()['id']}"
        patched = await api.client.patch(url, headers=api.admin, json={"notify_on": []})
        assert [] == patched.json()["notify_on"]
        assert [] == (await api.client.get(url, headers=api.admin)).json()["notify_on"]
        patched = await api.client.patch(url, headers=api.admin, json={"email": "b@kia.example"})
        assert [] == patched.json()["notify_on"], "a PATCH without it keeps the choice"

    async def test_all_three_unless_a_new_dealership_says(self, api: Api) -> None:
        body = {"name": "Kia Lévis", "phone": "+14185550196", "email": "ap@kia.example"}
        created = await api.client.post("/api/dealerships", headers=api.admin, json=body)
        assert ["assigned", "started", "completed"] == created.json()["notify_on"]
        seeded = await api.client.get(f"/api/dealerships/{api.dealers[AUDI]}", headers=api.admin)
        assert ["assigned", "started", "completed"] == seeded.json()["notify_on"]

    @pytest.mark.parametrize("value", [["invoiced"], ["assigned", "assigned"], "assigned"])
    async def test_another_value_a_repeat_or_text_is_422_naming_the_field(
        self, api: Api, value: object
    ) -> None:
        url = f"/api/dealerships/{api.dealers[AUDI]}"
        response = await api.client.patch(url, headers=api.admin, json={"notify_on": value})
        assert "notify_on" in str(assert_problem(response, 422))
        unchanged = (await api.client.get(url, headers=api.admin)).json()["notify_on"]
        assert ["assigned", "started", "completed"] == unchanged

    async def test_the_document_lists_the_allowed_values(self, mem_api: Api) -> None:
        """Clients (and the schemathesis run) learn the values and that each comes once."""
        doc = (await mem_api.client.get("/schema/openapi.json")).json()
        schemas = doc["components"]["schemas"]
        for name in ("DealershipIn", "DealershipPatch", "DealershipOut"):
            node = schemas[name]["properties"]["notify_on"]
            array = node["oneOf"][0] if "oneOf" in node else node
            assert ([k.value for k in in_order(DEALER_UPDATES)], True) == (
                array["items"]["enum"],
                array["uniqueItems"],
            ), name
