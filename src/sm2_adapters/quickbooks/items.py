"""The QuickBooks items an invoice's lines are booked as, found by name or created once.

What an accountant reads in QuickBooks' sales by product/service: each service as its own
Service item (remembered on the service); each catalog part as its own Non-inventory item,
with its SKU, booked to product sales; every part the catalog did not know under one "Parts"
item (its line says which part); labour under one "Labour" Service item, whatever the
dealership's rate (the line carries the rate).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
from quickbooks.utils import build_where_clause

from sm2_adapters.quickbooks.api import DUPLICATE_NAME, QboApi
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_core.domain.invoice import InvoiceLine, LineKind
from sm2_core.errors import IntegrationError
from sm2_core.ports import InvoiceRequest

NAME_MAX = 100
#: The items of the lines that have no item of their own.
LABOUR_ITEM = "Labour"
PARTS_ITEM = "Parts"
#: Where each kind of item books its sales, by the account's subtype, first found first.
SERVICE_INCOME = "ServiceFeeIncome"
PRODUCT_INCOME = "SalesOfProductIncome"


@attrs.frozen
class ItemSpec:
    """An item as a line needs it: found by ``name``, or created with the rest."""

    name: str
    type: str
    """``Service`` or ``NonInventory``."""
    income: str
    """The preferred income account's subtype."""
    unit_price: Decimal
    sku: str = ""
    key: str = ""
    """What its create's request id is derived from (with the job id); the name's when empty."""


def item_name(text: str) -> str:
    """QuickBooks names: at most 100 characters, and no colon (it separates sub-items)."""
    return " ".join(text.replace(":", "-").split())[:NAME_MAX]


def spec_of(line: InvoiceLine, request: InvoiceRequest) -> ItemSpec:
    """The item a line is booked as (the service's for the service line)."""
    if line.kind is LineKind.SERVICE:
        name = item_name(request.item_name)
        # The request id the service's item always had, so a retry repeats it.
        return ItemSpec(name, "Service", SERVICE_INCOME, line.unit_price, key="item")
    if line.kind is LineKind.LABOUR:
        return ItemSpec(LABOUR_ITEM, "Service", SERVICE_INCOME, line.unit_price)
    if line.flag is not None:
        return ItemSpec(PARTS_ITEM, "NonInventory", PRODUCT_INCOME, Decimal(0))
    sku = dict(request.part_skus).get(line.description, "")
    name = item_name(line.description)
    return ItemSpec(name, "NonInventory", PRODUCT_INCOME, line.unit_price, sku=sku)


class Items:
    """Item ids for one invoice: each name asked of QuickBooks once, created when missing."""

    def __init__(
        self,
        api: QboApi,
        money: Callable[[Decimal], float],
        request_id: Callable[[str], str],
    ) -> None:
        self._api = api
        self._money = money
        self._request_id = request_id
        self._ids: dict[str, str] = {}
        self._accounts: dict[str, str] = {}

    def ref(self, spec: ItemSpec) -> str:
        if spec.name.casefold() not in self._ids:
            self._ids[spec.name.casefold()] = self._find_or_create(spec)
        return self._ids[spec.name.casefold()]

    def remember(self, name: str, item_id: str) -> None:
        """An id known already (the service's, remembered on it)."""
        self._ids[item_name(name).casefold()] = item_id

    def _find_or_create(self, spec: ItemSpec) -> str:
        def new_item() -> dict[str, Any]:
            body: dict[str, Any] = {
                "Name": spec.name,
                "Type": spec.type,
                "UnitPrice": self._money(spec.unit_price),
                "IncomeAccountRef": {"value": self._account(spec.income)},
            }
            if spec.sku:
                body["Sku"] = spec.sku
            return body

        # Intuit keys request ids per company: one per item and approval, repeated by a retry.
        key = spec.key or f"item:{spec.name.casefold()}"
        where = build_where_clause(Name=spec.name)
        return find_or_create(self._api, "Item", where, new_item, self._request_id(key))

    def _account(self, subtype: str) -> str:
        if subtype not in self._accounts:
            self._accounts[subtype] = income_account(self._api, subtype)
        return self._accounts[subtype]


def income_account(api: QboApi, preferred: str = SERVICE_INCOME) -> str:
    """Where items book their sales: an Income account of the ``preferred`` subtype if there
    is one, else the first Income account."""
    accounts = api.find("Account", build_where_clause(AccountType="Income"))
    if not accounts:
        raise IntegrationError(
            SYSTEM,
            "the company has no Income account to book services to",
            transient=False,
            code="no_income_account",
        )
    chosen = [a for a in accounts if a.get("AccountSubType") == preferred]
    return str((chosen or accounts)[0]["Id"])


def find_or_create(
    api: QboApi,
    entity: str,
    where: str,
    new: Callable[[], dict[str, Any]],
    request_id: str,
) -> str:
    if found := api.find(entity, where):
        return str(found[0]["Id"])
    try:
        return str(api.create(entity, new(), request_id=request_id)["Id"])
    except IntegrationError as exc:
        # Another job created the same customer or item in between: use that one.
        if exc.code == DUPLICATE_NAME and (found := api.find(entity, where)):
            return str(found[0]["Id"])
        raise
