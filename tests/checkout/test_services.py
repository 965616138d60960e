"""Checkout writes: one checkout per cart, contact and addresses checked per country, the shipping method offered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwright.cart.models import Cart, CartLine
from shopwright.cart.services import Shopper, cart_line_add
from shopwright.checkout import services
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import checkout_priced
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.customers.addresses import address_create
from shopwright.customers.models import Address
from shopwright.orders.services import order_place
from tests.checkout.helpers import variant
from tests.checkout_factories import address, make_checkout, make_shipping
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

INFO = {
    "email": "erika@example.com",
    "phone": "030 901820",
    "extra_phone": "0151 23456789",
    "delivery_time": "evening",
    "shipping_address": {
        "name": "Erika Mustermann",
        "street_address": "Hauptstraße 5",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    },
    "billing_same": True,
}


def _blank_checkout(store, *, customer=None) -> Checkout:  # type: ignore[no-untyped-def]
    cart = make_checkout(store, [(variant(store), 1)], customer=customer).cart
    Checkout.objects.filter(store=store, cart=cart).delete()
    return services.checkout_for_cart(store=store, cart=cart, customer=customer)


def _row(checkout: Checkout) -> tuple:
    fresh = Checkout.objects.get(store_id=checkout.store_id, pk=checkout.pk)
    return (
        fresh.email,
        fresh.phone,
        fresh.extra_phone,
        fresh.delivery_time,
        fresh.shipping_address,
        fresh.billing_address,
        fresh.shipping_method_id,
    )


def test_a_cart_has_one_checkout_made_on_first_use(store) -> None:
    checkout = _blank_checkout(store)
    again = services.checkout_for_cart(store=store, cart=checkout.cart, customer=None)
    assert again.pk == checkout.pk
    assert Checkout.objects.filter(store=store).count() == 1
    assert (checkout.email, checkout.phone, checkout.shipping_address) == ("", "", None)


def test_a_customers_checkout_starts_with_the_account_email_and_default_address(store) -> None:
    customer = make_customer(store, email="jo@example.com")
    address_create(store=store, customer=customer, data={**address(name="Jo Home"), "phone": "030 901820"})
    checkout = _blank_checkout(store, customer=customer)
    assert checkout.email == "jo@example.com"
    assert checkout.shipping_address is not None and checkout.shipping_address["name"] == "Jo Home"
    assert "phone" not in checkout.shipping_address
    assert checkout.phone == "+4930901820"


def test_after_an_order_a_refilled_cart_starts_a_new_checkout(store) -> None:
    method = make_shipping(store, name="Express", price="9.00")
    item = variant(store)
    checkout = make_checkout(store, [(item, 1)], method=method)
    priced = checkout_priced(store=store, checkout=checkout)
    placed = order_place(store=store, checkout=checkout, reviewed_signature=priced.signature, actor=Actor.anonymous())
    assert placed.created
    cart = Cart.objects.get(store=store, pk=checkout.cart_id)
    # The same cart, emptied by the order: its checkout still answers a second click with that order.
    assert services.checkout_for_cart(store=store, cart=cart).order_id == placed.order.pk
    CartLine.objects.create(store=store, cart=cart, variant=item, quantity=1)
    fresh = services.checkout_for_cart(store=store, cart=cart)
    assert fresh.pk == checkout.pk and fresh.order_id is None
    assert fresh.email == checkout.email and fresh.shipping_address == checkout.shipping_address


def test_the_information_is_kept_normalised(store) -> None:
    checkout = _blank_checkout(store)
    updated = services.checkout_update_information(store=store, checkout=checkout, **INFO)
    assert _row(updated) == (
        "erika@example.com",
        "+4930901820",
        "+4915123456789",
        "Evening (18:00-21:00)",
        {
            "name": "Erika Mustermann",
            "company": "",
            "street_address": "Hauptstraße 5",
            "city": "BERLIN",
            "city_area": "",
            "country_area": "",
            "postal_code": "10115",
            "country": "DE",
        },
        None,
        None,
    )


def test_bad_input_writes_nothing_and_reports_every_field(store) -> None:
    checkout = _blank_checkout(store)
    services.checkout_update_information(store=store, checkout=checkout, **INFO)
    before = _row(checkout)
    bad = {
        **INFO,
        "email": "not-an-email",
        "phone": "12",
        "delivery_time": "midnight",
        "shipping_address": {**INFO["shipping_address"], "postal_code": "1011", "name": "Someone Else"},
    }
    with pytest.raises(ApplicationError) as caught:
        services.checkout_update_information(store=store, checkout=checkout, **bad)
    assert set(caught.value.fields) == {"email", "phone", "delivery_time", "shipping_address.postal_code"}
    assert caught.value.fields["shipping_address.postal_code"][0].startswith(
        "This postal code is not valid for Germany"
    )
    assert _row(checkout) == before


def test_a_separate_billing_address_is_checked_and_kept(store) -> None:
    checkout = _blank_checkout(store)
    billing = {
        "name": "Acme GmbH",
        "street_address": "Marktplatz 1",
        "city": "München",
        "postal_code": "80331",
        "country": "DE",
        "company": "Acme",
    }
    with pytest.raises(ApplicationError) as caught:
        services.checkout_update_information(
            store=store,
            checkout=checkout,
            **{**INFO, "billing_same": False, "billing_address": {**billing, "city": ""}},
        )
    assert caught.value.fields == {"billing_address.city": ["Enter the city."]}
    services.checkout_update_information(
        store=store, checkout=checkout, **{**INFO, "billing_same": False, "billing_address": billing}
    )
    checkout.refresh_from_db()
    assert checkout.billing_address is not None
    assert (checkout.billing_address["company"], checkout.billing_address["city"]) == ("Acme", "MÜNCHEN")


def test_a_customer_may_save_the_delivery_address_once(store) -> None:
    customer = make_customer(store)
    checkout = _blank_checkout(store, customer=customer)
    for _ in range(2):
        services.checkout_update_information(store=store, checkout=checkout, **INFO, save_address=True)
    saved = list(Address.objects.filter(store=store, customer=customer))
    assert len(saved) == 1 and saved[0].is_default
    assert saved[0].data["city"] == "BERLIN" and saved[0].data["phone"] == "+4930901820"


def test_a_guest_cannot_save_an_address(store) -> None:
    checkout = _blank_checkout(store)
    services.checkout_update_information(store=store, checkout=checkout, **INFO, save_address=True)
    assert not Address.objects.filter(store=store).exists()


def test_contact_and_addresses_can_be_set_on_their_own(store) -> None:
    checkout = _blank_checkout(store)
    services.checkout_set_addresses(
        store=store, checkout=checkout, shipping_address=INFO["shipping_address"], billing_same=True
    )
    # The phone is read as a number of the delivery country.
    services.checkout_set_contact(store=store, checkout=checkout, email="a@example.com", phone="030 901820")
    checkout.refresh_from_db()
    assert (checkout.email, checkout.phone, checkout.shipping_address["country"]) == (  # type: ignore[index]
        "a@example.com",
        "+4930901820",
        "DE",
    )
    with pytest.raises(ApplicationError) as caught:
        services.checkout_set_contact(store=store, checkout=checkout, email="", phone="")
    assert set(caught.value.fields) == {"email", "phone"}


def test_choosing_a_method_of_the_address_zone(store, other_store) -> None:
    checkout = _blank_checkout(store)
    with pytest.raises(ApplicationError) as caught:
        services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=1)
    assert caught.value.fields == {"method_id": ["Enter your delivery address first."]}
    services.checkout_update_information(store=store, checkout=checkout, **INFO)
    offered = checkout_priced(store=store, checkout=checkout).shipping_options
    assert [o.name for o in offered] == ["Standard"]
    elsewhere = make_shipping(store, areas=["JP"], name="Japan Post")
    foreign = make_shipping(other_store, name="Their courier")
    for method_id in (elsewhere.pk, foreign.pk, 0, "x", None):
        with pytest.raises(ApplicationError) as caught:
            services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=method_id)
        assert caught.value.fields == {"method_id": ["Choose one of the shipping methods offered for your address."]}
    assert Checkout.objects.get(store=store, pk=checkout.pk).shipping_method_id is None
    services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=offered[0].method_id)
    priced = checkout_priced(store=store, checkout=Checkout.objects.get(store=store, pk=checkout.pk))
    assert priced.shipping_total == Decimal("5.00") and priced.ready


def test_moving_the_address_to_another_country_drops_the_method(store) -> None:
    checkout = _blank_checkout(store)
    services.checkout_update_information(store=store, checkout=checkout, **INFO)
    method_id = checkout_priced(store=store, checkout=checkout).shipping_options[0].method_id
    services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=method_id)
    moved = {**INFO["shipping_address"], "street_address": "Hauptstraße 7"}
    services.checkout_update_information(store=store, checkout=checkout, **{**INFO, "shipping_address": moved})
    assert Checkout.objects.get(store=store, pk=checkout.pk).shipping_method_id == method_id
    france = {
        "name": "Jean",
        "street_address": "1 rue de Rivoli",
        "city": "Paris",
        "postal_code": "75001",
        "country": "FR",
    }
    services.checkout_update_information(
        store=store,
        checkout=checkout,
        **{**INFO, "phone": "+49 30 901820", "extra_phone": "", "shipping_address": france},
    )
    assert Checkout.objects.get(store=store, pk=checkout.pk).shipping_method_id is None


def test_no_method_can_be_chosen_where_the_store_does_not_ship(store) -> None:
    checkout = _blank_checkout(store)
    japan = {
        "name": "Taro",
        "street_address": "千代田1-1",
        "country_area": "Tokyo",
        "postal_code": "100-0001",
        "country": "JP",
    }
    services.checkout_update_information(
        store=store,
        checkout=checkout,
        **{**INFO, "phone": "+81 3-3210-1111", "extra_phone": "", "shipping_address": japan},
    )
    priced = checkout_priced(store=store, checkout=checkout)
    assert not priced.ships_to_address
    with pytest.raises(ApplicationError) as caught:
        services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=1)
    assert caught.value.fields == {"method_id": ["We don't ship to Japan (東京都)."]}


def test_choosing_a_method_answers_the_checkout_priced_with_it(store) -> None:
    checkout = _blank_checkout(store)
    services.checkout_update_information(store=store, checkout=checkout, **INFO)
    method_id = checkout_priced(store=store, checkout=checkout).shipping_options[0].method_id
    updated_at = checkout.updated_at
    for refused in (999_999, "x", True, "²", None, 1.0):
        with pytest.raises(ApplicationError):
            services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=refused)
        assert (checkout.shipping_method_id, checkout.updated_at) == (None, updated_at)  # the caller's is untouched
    priced = services.checkout_set_shipping_method(store=store, checkout=checkout, method_id=str(method_id))
    assert priced.checkout is checkout and checkout.shipping_method_id == method_id
    assert priced.shipping_method is not None and priced.shipping_method.method_id == method_id
    # The answer is what a fresh read prices: the same signature, the same totals.
    fresh = checkout_priced(store=store, checkout=Checkout.objects.get(store=store, pk=checkout.pk))
    assert (priced.signature, priced.total, priced.missing) == (fresh.signature, fresh.total, [])


def test_a_shoppers_checkout_is_found_by_their_cart(store, other_store) -> None:
    customer = make_customer(store, email="jo@example.com")
    item = variant(store)
    mine = cart_line_add(store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=item.pk, quantity=1)
    theirs = cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=Shopper(customer=customer), variant_id=item.pk, quantity=1
    )
    visitor = services.checkout_for_shopper(store=store, shopper=Shopper(secret=mine.secret))
    assert (visitor.cart_id, visitor.customer_id, visitor.email) == (mine.cart.pk, None, "")
    signed_in = services.checkout_for_shopper(store=store, shopper=Shopper(customer=customer))
    assert (signed_in.cart_id, signed_in.customer_id, signed_in.email) == (
        theirs.cart.pk,
        customer.pk,
        "jo@example.com",
    )
    # Found again, not made again; a customer's own cart wins over a visitor token they also send.
    assert services.checkout_for_shopper(store=store, shopper=Shopper(secret=mine.secret)).pk == visitor.pk
    both = Shopper(customer=customer, secret=mine.secret)
    assert services.checkout_for_shopper(store=store, shopper=both).pk == signed_in.pk
    for nobody in (
        Shopper(),
        Shopper(secret="not a secret of ours"),
        Shopper(customer=make_customer(store, email="new@example.com")),
    ):
        with pytest.raises(NotFound):
            services.checkout_for_shopper(store=store, shopper=nobody)
    with pytest.raises(NotFound):  # another store's cart token: the same answer as none
        services.checkout_for_shopper(store=other_store, shopper=Shopper(secret=mine.secret))
    assert Checkout.objects.filter(store=store).count() == 2
    assert not Checkout.objects.filter(store=other_store).exists()


def test_a_shopper_without_a_cart_is_told_so_before_any_problem_of_the_input(store) -> None:
    with pytest.raises(NotFound):
        services.checkout_update_information(store=store, checkout=Shopper(), **{**INFO, "email": "nope"})
    item = variant(store)
    change = cart_line_add(store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=item.pk, quantity=1)
    with pytest.raises(ApplicationError) as caught:
        services.checkout_update_information(
            store=store, checkout=Shopper(secret=change.secret), **{**INFO, "email": "nope"}
        )
    assert not isinstance(caught.value, NotFound) and "email" in caught.value.fields
    assert not Checkout.objects.filter(store=store).exists()  # the refused write made nothing, not even it


def test_a_shoppers_information_is_written_on_their_checkout(store) -> None:
    item = variant(store)
    change = cart_line_add(store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=item.pk, quantity=1)
    shopper = Shopper(secret=change.secret)
    first = services.checkout_update_information(store=store, checkout=shopper, **INFO)  # made on first use
    again = services.checkout_update_information(store=store, checkout=shopper, **{**INFO, "email": "b@example.com"})
    assert first.pk == again.pk and _row(again)[0] == "b@example.com"
    assert _row(again)[4] is not None and _row(again)[4]["city"] == "BERLIN"
