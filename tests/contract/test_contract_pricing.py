"""Contract of what invoices are priced from beyond the generic reference suite: the parts
catalog's SKUs and matching, and dealerships' own prices (one per dealership and service, a
dealership and a service that exist), on the memory fake and on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import attrs
import factories as f
import pytest

from sm2_core.domain.entities import Dealership, Service
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.errors import AlreadyExists, InvalidInput, NotFound
from sm2_core.ports import UnitOfWorkFactory


async def add_parts(factory: UnitOfWorkFactory, *parts: CatalogPart) -> None:
    async with factory() as uow:
        for part in parts:
            await uow.parts.add(part)


async def dealer_and_services(
    factory: UnitOfWorkFactory,
) -> tuple[Dealership, Dealership, Service, Service]:
    one, two = f.dealership(), f.dealership()
    oil, keys = f.service(code=f"OIL{f.serial()}"), f.service(code=f"KEY{f.serial()}")
    async with factory() as uow:
        for dealer in (one, two):
            await uow.dealerships.add(dealer)
        for service in (oil, keys):
            await uow.services.add(service)
    return one, two, oil, keys


async def add_prices(factory: UnitOfWorkFactory, *prices: DealershipPrice) -> None:
    async with factory() as uow:
        for price in prices:
            await uow.prices.add(price)


class TestPartSkus:
    async def test_a_sku_is_unique_in_any_case(self, uow_factory: UnitOfWorkFactory) -> None:
        """Two parts cannot share a SKU, whatever its case."""
        first = f.part(sku="OF-2231")
        await add_parts(uow_factory, first)
        with pytest.raises(AlreadyExists):
            await add_parts(uow_factory, f.part(sku="of-2231"))
        async with uow_factory() as uow:
            assert [first] == await uow.parts.all(include_inactive=True)

    async def test_parts_without_a_sku_do_not_clash(self, uow_factory: UnitOfWorkFactory) -> None:
        """An empty SKU is no SKU: any number of parts may lack one."""
        parts = [f.part(sku="") for _ in range(3)]
        await add_parts(uow_factory, *parts)
        async with uow_factory() as uow:
            assert 3 == len(await uow.parts.all())

    async def test_renaming_into_another_parts_sku_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """An update that takes another part's SKU is refused; the part stays."""
        one, two = f.part(sku="A-1"), f.part(sku="B-2")
        await add_parts(uow_factory, one, two)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.parts.update(attrs.evolve(two, sku="a-1"))
        async with uow_factory() as uow:
            assert two == await uow.parts.get(two.id)


class TestMatching:
    async def test_by_name_or_sku_in_any_case_and_spacing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A technician's words find a part by its name or SKU: case and extra spaces aside."""
        filt = f.part(name="Oil filter", sku="OF-2231")
        fob = f.part(name="Smart key fob", sku="FOB-PROX")
        other = f.part(name="Wiper blade", sku="WB-22")
        await add_parts(uow_factory, filt, fob, other)
        async with uow_factory() as uow:
            found = await uow.parts.matching(["  OIL   FILTER ", "fob-prox", "nothing like it"])
        assert [filt, fob] == found

    async def test_inactive_parts_never_match(self, uow_factory: UnitOfWorkFactory) -> None:
        """A part taken out of the catalog is no longer found."""
        gone = f.part(name="Old fob", sku="FOB-OLD", is_active=False)
        await add_parts(uow_factory, gone)
        async with uow_factory() as uow:
            assert [] == await uow.parts.matching(["Old fob", "FOB-OLD"])

    async def test_nothing_asked_nothing_found(self, uow_factory: UnitOfWorkFactory) -> None:
        """No names, or only blanks: an empty list."""
        await add_parts(uow_factory, f.part(sku=""))
        async with uow_factory() as uow:
            assert ([], []) == (await uow.parts.matching([]), await uow.parts.matching(["", " "]))


class TestPrices:
    async def test_every_field_comes_back_and_changes(self, uow_factory: UnitOfWorkFactory) -> None:
        """A price reads back as added, then as updated."""
        one, two, oil, keys = await dealer_and_services(uow_factory)
        price = f.price(one.id, oil.code, price=Decimal("1234567.89"))
        await add_prices(uow_factory, price)
        changed = attrs.evolve(
            price, dealership_id=two.id, service_code=keys.code, price=Decimal("0"), is_active=False
        )
        async with uow_factory() as uow:
            assert price == await uow.prices.get(price.id)
            await uow.prices.update(changed)
        async with uow_factory() as uow:
            assert changed == await uow.prices.get(price.id)

    async def test_one_price_per_dealership_and_service(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """A second price of a dealership for a service is refused; another dealership's or
        another service's is not."""
        one, two, oil, keys = await dealer_and_services(uow_factory)
        first = f.price(one.id, oil.code)
        await add_prices(uow_factory, first, f.price(two.id, oil.code), f.price(one.id, keys.code))
        with pytest.raises(AlreadyExists):
            await add_prices(uow_factory, f.price(one.id, oil.code, price=Decimal("1")))
        async with uow_factory() as uow:
            assert first == await uow.prices.price_of(one.id, oil.code)

    async def test_moving_a_price_onto_another_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """An update that would make a second price for the same pair is refused."""
        one, _, oil, keys = await dealer_and_services(uow_factory)
        kept, moved = f.price(one.id, oil.code), f.price(one.id, keys.code)
        await add_prices(uow_factory, kept, moved)
        with pytest.raises(AlreadyExists):
            async with uow_factory() as uow:
                await uow.prices.update(attrs.evolve(moved, service_code=oil.code))

    @pytest.mark.parametrize("missing", ["dealership", "service"])
    async def test_a_price_names_what_exists(
        self, uow_factory: UnitOfWorkFactory, missing: str
    ) -> None:
        """A dealership or a service that does not exist is refused, and nothing is kept."""
        one, _, oil, _ = await dealer_and_services(uow_factory)
        dealer = uuid4() if missing == "dealership" else one.id
        code = "NO_SUCH_SERVICE" if missing == "service" else oil.code
        with pytest.raises(InvalidInput):
            await add_prices(uow_factory, f.price(dealer, code))
        async with uow_factory() as uow:
            assert [] == await uow.prices.all(include_inactive=True)

    async def test_price_of_is_the_active_one_in_any_case(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """The dealership's active price for a code (any case); None when inactive or absent."""
        one, two, oil, keys = await dealer_and_services(uow_factory)
        price = f.price(one.id, oil.code)
        await add_prices(uow_factory, price, f.price(one.id, keys.code, is_active=False))
        async with uow_factory() as uow:
            assert (price, None, None) == (
                await uow.prices.price_of(one.id, oil.code.lower()),
                await uow.prices.price_of(one.id, keys.code),
                await uow.prices.price_of(two.id, oil.code),
            )

    async def test_all_is_sorted_by_service_code(self, uow_factory: UnitOfWorkFactory) -> None:
        """The list reads by service code, then id; inactive ones only when asked."""
        one, two, oil, keys = await dealer_and_services(uow_factory)
        a = f.price(one.id, oil.code)
        b = f.price(two.id, keys.code, is_active=False)
        c = f.price(one.id, keys.code)
        await add_prices(uow_factory, a, b, c)
        by_code = sorted([a, b, c], key=lambda p: (p.service_code, str(p.id)))
        async with uow_factory() as uow:
            assert by_code == await uow.prices.all(include_inactive=True)
            assert [p for p in by_code if p.is_active] == await uow.prices.all()

    async def test_an_unknown_price_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        async with uow_factory() as uow:
            with pytest.raises(NotFound):
                await uow.prices.get(uuid4())
