"""The storefront checkout API: the priced checkout, information, shipping method, placing; what clients cannot set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shopwright.cart.services import Shopper, cart_line_add
from shopwright.catalog.models import Variant
from shopwright.checkout.models import Checkout
from shopwright.core.audit import Actor
from shopwright.customers.models import Address
from shopwright.customers.services import customer_api_token_create
from shopwright.orders.models import Order, OrderStatus
from shopwright.payments import services as payment_services
from shopwright.payments.models import Payment
from shopwright.shipping.models import ShippingMethod
from shopwright.stores.models import Store
from tests.api.conftest import Api, assert_error
from tests.cart.helpers import set_price, set_stock
from tests.checkout.helpers import variant
from tests.factories import host, make_customer

pytestmark = pytest.mark.django_db

INFORMATION = {
    "email": "erika@example.com",
    "phone": "030 901820",
    "delivery_time": "afternoon",
    "shipping_address": {
        "name": "Erika Mustermann",
        "street_address": "Hauptstraße 5",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    },
}


class Shop:
    """One shopper's calls against one store's checkout API (a visitor by cart token, or a bearer token)."""

    def __init__(self, api: Api, store: Store, *, cart_token: str | None = None, bearer: str | None = None):
        self.api, self.store, self.cart_token, self.bearer = api, store, cart_token, bearer

    def _extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"host": host(self.store), "token": self.bearer}
        if self.cart_token:
            extra["HTTP_X_CART_TOKEN"] = self.cart_token
        return extra

    def get(self):  # type: ignore[no-untyped-def]
        return self.api.get("storefront/checkout", **self._extra())

    def put(self, path: str, payload: Any):  # type: ignore[no-untyped-def]
        return self.api.call("put", f"storefront/checkout/{path}", payload, **self._extra())

    def place(self, payload: Any):  # type: ignore[no-untyped-def]
        return self.api.post("storefront/checkout/place", payload, **self._extra())

    def ready(self) -> dict[str, Any]:
        """Information and the first offered method given; the checkout as last read."""
        info = self.put("information", INFORMATION)
        assert info.status_code == 200, info.content
        method_id = info.json()["shipping_options"][0]["method_id"]
        chosen = self.put("shipping-method", {"method_id": method_id})
        assert chosen.status_code == 200, chosen.content
        return chosen.json()


def _visitor(api: Api, store: Store, *lines: tuple[Variant, int]) -> Shop:
    """A visitor whose cart (made by the first add) holds `lines`."""
    secret: str | None = None
    for item, quantity in lines:
        change = cart_line_add(
            store=store, actor=Actor.anonymous(), shopper=Shopper(secret=secret), variant_id=item.pk, quantity=quantity
        )
        secret = secret or change.secret
    assert secret
    return Shop(api, store, cart_token=secret)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


def _orders(store: Store) -> list[Order]:
    return list(Order.objects.filter(store=store).order_by("id"))


def test_a_visitor_checks_out_through_the_api(api, store) -> None:
    mug = variant(store, title="Mug", price="10.00", stock=5)
    shop = _visitor(api, store, (mug, 2))
    first = shop.get()
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["missing"] == ["email", "phone", "shipping_address", "shipping_method"]
    assert (body["subtotal"], body["total"], body["ready"]) == ("20.00", "20.00", False)
    assert body["lines"][0]["product_title"] == "Mug" and body["lines"][0]["unit_price"] == "10.00"

    ready = shop.ready()
    assert ready["ready"] and ready["problems"] == [] and ready["missing"] == []
    assert ready["shipping_address"]["city"] == "BERLIN" and ready["phone"] == "+4930901820"
    assert ready["delivery_time"] == "afternoon" and ready["billing_same"] is True
    assert ready["shipping_method"]["name"] == "Standard"
    assert (ready["shipping_total"], ready["tax_total"], ready["total"]) == ("5.00", "4.75", "29.75")
    assert ready["tax_lines"] == [
        {"name": "VAT", "area": "DE", "rate": "19.0000", "taxable_amount": "25.00", "amount": "4.75"}
    ]

    placed = shop.place({"signature": ready["signature"], "currency": store.currency})
    assert placed.status_code == 201, placed.content
    out = placed.json()
    (order,) = _orders(store)
    (payment,) = Payment.objects.filter(store=store, order=order)
    assert out["order_number"] == order.number and out["status"] == "pending_payment"
    assert (out["total"], out["currency"]) == ("29.75", store.currency)
    assert out["payment_url"] == payment.redirect_url and out["payment_url"].startswith("http://localhost:8000/")
    assert out["order_token"]
    # The same request again (a retry): the same order, no second payment, no secret handed out twice.
    again = shop.place({"signature": ready["signature"]})
    assert again.status_code == 200
    assert again.json()["order_number"] == order.number and again.json()["order_token"] is None
    assert again.json()["payment_url"] == payment.redirect_url
    assert len(_orders(store)) == 1 and Payment.objects.filter(store=store).count() == 1


def test_a_client_total_or_price_is_ignored(api, store) -> None:
    shop = _visitor(api, store, (variant(store, price="10.00"), 1))
    ready = shop.ready()
    placed = shop.place({"signature": ready["signature"], "total": "0.01", "subtotal": "0.01", "unit_price": "0"})
    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == "17.85"
    assert _orders(store)[0].total == Decimal("17.85")


def test_a_currency_other_than_the_stores_is_refused(api, store) -> None:
    shop = _visitor(api, store, (variant(store), 1))
    ready = shop.ready()
    other = "EUR" if store.currency != "EUR" else "USD"
    body = assert_error(shop.place({"signature": ready["signature"], "currency": other}), 422, "currency")
    assert body["code"] == "currency_mismatch" and "currency mismatch" in body["message"].lower()
    assert _orders(store) == []


def test_a_changed_price_or_a_tampered_signature_is_a_409_and_places_nothing(api, store) -> None:
    mug = variant(store, price="10.00")
    shop = _visitor(api, store, (mug, 1))
    ready = shop.ready()
    assert assert_error(shop.place({"signature": "f" * 64}), 409)["code"] == "checkout_changed"
    set_price(mug, "11.00")
    assert assert_error(shop.place({"signature": ready["signature"]}), 409)["code"] == "checkout_changed"
    assert _orders(store) == []
    fresh = shop.get().json()
    assert fresh["lines"][0]["unit_price"] == "11.00" and fresh["signature"] != ready["signature"]
    assert shop.place({"signature": fresh["signature"]}).status_code == 201


def test_a_parcel_too_heavy_for_every_method_is_said_at_each_step(api, store) -> None:
    brackets = [{"up_to_grams": 2000, "price": "6.00"}]
    ShippingMethod.objects.filter(store=store).update(kind="weight", weight_brackets=brackets)
    anvil = variant(store, title="Anvil")
    Variant.objects.filter(store=store, pk=anvil.pk).update(weight_grams=1500)
    shop = _visitor(api, store, (anvil, 2))

    info = shop.put("information", INFORMATION)
    assert info.status_code == 200
    message = (
        "This order is too heavy for our shipping methods to this address (3 kg). "
        "Remove some items, or order them in several orders."
    )
    assert info.json()["shipping_options"] == [] and info.json()["problems"] == [message]
    assert info.json()["ships_to_address"] and not info.json()["ready"]

    body = assert_error(shop.put("shipping-method", {"method_id": 1}), 400, "method_id")
    assert body["fields"]["method_id"] == [message] and body["code"] == "no_shipping_method"
    placed = assert_error(shop.place({"signature": info.json()["signature"]}), 422, "shipping_method")
    assert placed["fields"]["shipping_method"] == [message]
    assert not Order.objects.filter(store=store).exists()


def test_stock_gone_before_placing_is_a_409_that_names_the_item(api, store) -> None:
    mug = variant(store, title="Mug", stock=5)
    shop = _visitor(api, store, (mug, 3))
    ready = shop.ready()
    set_stock(mug, 2)
    body = assert_error(shop.place({"signature": ready["signature"]}), 409)
    assert body["code"] == "insufficient_stock" and "Only 2 of Mug left" in body["message"]
    assert _orders(store) == []


def test_an_incomplete_checkout_is_a_422_naming_what_is_missing(api, store) -> None:
    shop = _visitor(api, store, (variant(store), 1))
    signature = shop.get().json()["signature"]
    body = assert_error(shop.place({"signature": signature}), 422, "shipping_address")
    assert set(body["fields"]) == {"email", "phone", "shipping_address", "shipping_method"}


def test_bad_information_is_a_400_per_field_and_changes_nothing(api, store) -> None:
    shop = _visitor(api, store, (variant(store), 1))
    bad = {**INFORMATION, "shipping_address": {**INFORMATION["shipping_address"], "postal_code": "1011"}}
    body = assert_error(shop.put("information", {**bad, "phone": "12"}), 400, "shipping_address.postal_code")
    assert body["fields"]["shipping_address.postal_code"][0].startswith("This postal code is not valid for Germany")
    assert "phone" in body["fields"]
    # Refused whole: not even the checkout its first use would have made is kept.
    assert not Checkout.objects.filter(store=store).exists()
    assert shop.get().status_code == 200
    assert_error(shop.put("information", {**bad, "phone": "12"}), 400, "shipping_address.postal_code")
    (checkout,) = Checkout.objects.filter(store=store)
    assert (checkout.email, checkout.shipping_address) == ("", None)
    assert_error(shop.put("information", {**INFORMATION, "delivery_time": "3am"}), 400, "delivery_time")
    assert_error(shop.put("shipping-method", {"method_id": 1}), 400, "method_id")


def test_a_method_of_another_store_or_zone_is_refused(api, store, other_store) -> None:
    from tests.checkout_factories import make_shipping

    shop = _visitor(api, store, (variant(store), 1))
    shop.put("information", INFORMATION)
    for method in (make_shipping(other_store, name="Theirs"), make_shipping(store, areas=["JP"], name="Japan")):
        assert_error(shop.put("shipping-method", {"method_id": method.pk}), 400, "method_id")


def test_another_stores_cart_token_finds_nothing(api, store, other_store) -> None:
    shop = _visitor(api, store, (variant(store), 1))
    elsewhere = Shop(api, other_store, cart_token=shop.cart_token)
    nowhere = Shop(api, store, cart_token="x" * 43)  # a token of no cart
    for who in (elsewhere, nowhere, Shop(api, store)):  # ... and no token at all: no cart, the same answer
        answers = [
            who.get(),
            who.put("information", INFORMATION),
            who.put("shipping-method", {"method_id": 1}),
            who.place({"signature": "x"}),
        ]
        assert [assert_error(answer, 404)["message"] for answer in answers] == [
            "There is no cart to check out: add something first (visitors send its X-Cart-Token)."
        ] * 4
    assert not Checkout.objects.filter(store=other_store).exists()
    assert not Checkout.objects.filter(store=store).exists()
    assert shop.get().status_code == 200  # the token still finds its cart in its own store


def test_a_customer_checks_out_by_bearer_token_and_saves_the_address(api, store) -> None:
    customer = make_customer(store, email="jo@example.com")
    cart_line_add(
        store=store,
        actor=Actor.customer(customer),
        shopper=Shopper(customer=customer),
        variant_id=variant(store).pk,
        quantity=1,
    )
    shop = Shop(api, store, bearer=customer_api_token_create(customer=customer))
    assert shop.get().json()["email"] == "jo@example.com"
    info = shop.put("information", {**INFORMATION, "save_address": True})
    assert info.status_code == 200
    assert Address.objects.get(store=store, customer=customer).data["city"] == "BERLIN"
    method_id = info.json()["shipping_options"][0]["method_id"]
    ready = shop.put("shipping-method", {"method_id": method_id}).json()
    placed = shop.place({"signature": ready["signature"]})
    assert placed.status_code == 201
    assert _orders(store)[0].customer_id == customer.pk


def test_an_unreachable_provider_answers_201_without_a_payment_url_and_a_retry_works(api, store, monkeypatch) -> None:
    shop = _visitor(api, store, (variant(store), 1))
    ready = shop.ready()
    real = payment_services.payment_start

    def unreachable(**kwargs):  # type: ignore[no-untyped-def]
        raise payment_services.PaymentUnavailable("down")

    monkeypatch.setattr(payment_services, "payment_start", unreachable)
    placed = shop.place({"signature": ready["signature"]})
    assert placed.status_code == 201
    out = placed.json()
    assert out["payment_url"] is None and "not reachable" in out["message"]
    assert _orders(store)[0].status == OrderStatus.PENDING_PAYMENT
    monkeypatch.setattr(payment_services, "payment_start", real)
    retried = shop.place({"signature": ready["signature"], "order_token": out["order_token"]})
    assert retried.status_code == 200 and retried.json()["payment_url"].startswith("http://localhost:8000/")
    assert len(_orders(store)) == 1


def test_an_order_that_costs_nothing_answers_its_confirmation_page(api, store) -> None:
    ShippingMethod.objects.filter(store=store).update(price=0)
    shop = _visitor(api, store, (variant(store, price="0.00"), 2))
    ready = shop.ready()
    assert ready["total"] == "0.00"
    placed = shop.place({"signature": ready["signature"]})
    assert placed.status_code == 201, placed.content
    out = placed.json()
    assert out["status"] == "paid" and out["total"] == "0.00"
    token = out["order_token"]
    assert out["payment_url"] == f"http://{store.handle}.localhost:8000/orders/{token}/payment/"
    (payment,) = Payment.objects.filter(store=store)
    assert (payment.provider, payment.status) == ("none", "succeeded")


@pytest.mark.parametrize("lines", [1, 20])
def test_reading_the_checkout_runs_a_fixed_number_of_queries(api, store, lines, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    items = [(variant(store, title=f"Item {n}"), 1) for n in range(lines)]
    shop = _visitor(api, store, *items)
    shop.ready()
    # The host's store, the cart joined with its checkout, the priced lines, and at most the store's shipping
    # zones, methods and tax rate (cached per store). Was 8. (tests/checkout/test_api_queries.py: each one.)
    with django_assert_max_num_queries(6):
        response = shop.get()
    assert response.status_code == 200 and len(response.json()["lines"]) == lines


def test_a_cart_filled_again_after_an_order_places_a_new_one(api, store) -> None:
    mug = variant(store, title="Mug")
    shop = _visitor(api, store, (mug, 1))
    first = shop.place({"signature": shop.ready()["signature"]})
    assert first.status_code == 201
    cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=Shopper(secret=shop.cart_token), variant_id=mug.pk, quantity=2
    )
    again = shop.get().json()
    assert again["lines"][0]["quantity"] == 2 and again["ready"]  # contact, address and method kept
    second = shop.place({"signature": again["signature"]})
    assert second.status_code == 201, second.content
    assert second.json()["order_number"] == first.json()["order_number"] + 1
    assert [o.total for o in _orders(store)] == [Decimal("17.85"), Decimal("29.75")]


def test_a_cart_filled_again_after_an_order_starts_over_when_the_information_comes_first(api, store) -> None:
    """Not only the read: the information's locked lookup also starts the checkout over for the new order."""
    mug = variant(store, title="Mug")
    shop = _visitor(api, store, (mug, 1))
    first = shop.place({"signature": shop.ready()["signature"]})
    assert first.status_code == 201
    (checkout,) = Checkout.objects.filter(store=store)
    assert checkout.order_id is not None
    cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=Shopper(secret=shop.cart_token), variant_id=mug.pk, quantity=2
    )
    info = shop.put("information", {**INFORMATION, "email": "again@example.com"})
    assert info.status_code == 200, info.content
    (checkout,) = Checkout.objects.filter(store=store)
    assert (checkout.order_id, checkout.email) == (None, "again@example.com")
    ready = shop.put("shipping-method", {"method_id": info.json()["shipping_options"][0]["method_id"]}).json()
    second = shop.place({"signature": ready["signature"]})
    assert second.status_code == 201, second.content
    assert second.json()["order_number"] == first.json()["order_number"] + 1


def test_information_without_a_change_of_country_keeps_the_method_and_another_country_drops_it(api, store) -> None:
    """The locked lookup's row is what the new address is compared with."""
    shop = _visitor(api, store, (variant(store), 1))
    ready = shop.ready()
    moved = {**INFORMATION, "shipping_address": {**INFORMATION["shipping_address"], "street_address": "Hauptstraße 7"}}
    kept = shop.put("information", moved).json()
    assert kept["shipping_method"] == ready["shipping_method"] and kept["ready"]
    france = {"name": "Jean", "street_address": "1 rue de Rivoli", "city": "Paris", "postal_code": "75001"}
    abroad = {**INFORMATION, "phone": "+49 30 901820", "shipping_address": {**france, "country": "FR"}}
    dropped = shop.put("information", abroad).json()
    assert dropped["shipping_method"] is None and "shipping_method" in dropped["missing"]
