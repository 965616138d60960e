"""The checkout pages as a buyer uses them: information, shipping, review, then placing and paying."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from shopwright.cart.models import CartLine
from shopwright.catalog.models import Variant
from shopwright.checkout.models import Checkout
from shopwright.customers.addresses import address_create
from shopwright.customers.models import Address
from shopwright.orders.models import Order, OrderStatus
from shopwright.payments import services as payment_services
from shopwright.payments.models import Payment
from shopwright.shipping.models import ShippingMethod
from shopwright.stores.models import Store
from tests.cart.helpers import browser, set_price, set_stock, signed_in
from tests.checkout.helpers import checkouts, hidden, information_form, shopper_with, text, variant
from tests.checkout_factories import address
from tests.factories import host, make_customer

pytestmark = pytest.mark.django_db

PAYMENT_ORIGIN = "http://localhost:8000/"


def _orders(store: Store) -> list[Order]:
    return list(Order.objects.filter(store=store).order_by("id"))


def _to_review(client: Client, **form: str):  # type: ignore[no-untyped-def]
    """Fill the information and shipping steps; the review page's answer."""
    info = client.post("/checkout/", information_form(**form))
    assert info.status_code == 303 and info["Location"] == "/checkout/shipping/", text(info)[-2000:]
    page = client.get("/checkout/shipping/")
    method_id = hidden_radio(page)
    chosen = client.post("/checkout/shipping/", {"method_id": method_id})
    assert chosen.status_code == 303 and chosen["Location"] == "/checkout/review/"
    review = client.get("/checkout/review/")
    assert review.status_code == 200
    return review


def hidden_radio(response) -> str:  # type: ignore[no-untyped-def]
    import re

    match = re.search(r'name="method_id" value="(\d+)"', response.content.decode())
    assert match, "the shipping page offers a method"
    return match.group(1)


def _pay(client: Client, review, **overrides: str):  # type: ignore[no-untyped-def]
    data = {"signature": hidden(review, "signature"), "snapshot": hidden(review, "snapshot"), **overrides}
    return client.post("/checkout/place/", data)


# --- the happy paths ---------------------------------------------------------------------------


def test_a_guest_goes_from_cart_to_the_payment_page(store) -> None:
    mug = variant(store, title="Mug", price="10.00", stock=5)
    client = shopper_with(store, (mug, 2))
    first = client.get("/checkout/")
    assert first.status_code == 200
    page = text(first)
    assert "Contact" in page and "Delivery address" in page and "Your order" in page
    assert 'name="shipping-country"' in page and "We ship to" in page
    assert "$20.00" in page  # the summary beside the form

    shipping = client.post("/checkout/", information_form())
    assert shipping.status_code == 303
    page = text(client.get("/checkout/shipping/"))
    assert "Standard" in page and "3-5 business days" in page and "$5.00" in page
    assert "Erika Mustermann, Hauptstraße 5, 10115 BERLIN, Germany" in page

    review = _to_review(client)
    page = text(review)
    assert "Mug" in page and "$20.00" in page
    assert "VAT 19%" in page and "$4.75" in page and "$29.75" in page
    assert "Morning (8:00-12:00)" in page and "+4930901820" in page
    assert 'action="/checkout/place/"' in page and "Pay $29.75" in page
    # The Pay form's answer is a 303 to the provider's page: the page's CSP lets the form go there.
    assert "form-action 'self' http://localhost:8000" in review["Content-Security-Policy"]

    paid = _pay(client, review)
    assert paid.status_code == 303
    (order,) = _orders(store)
    (payment,) = Payment.objects.filter(store=store, order=order)
    assert paid["Location"] == payment.redirect_url and paid["Location"].startswith(PAYMENT_ORIGIN)
    assert (order.status, order.total, order.tax_total, order.shipping_total) == (
        OrderStatus.PENDING_PAYMENT,
        Decimal("29.75"),
        Decimal("4.75"),
        Decimal("5.00"),
    )
    assert order.email == "erika@example.com" and order.delivery_time == "Morning (8:00-12:00)"
    assert order.shipping_address["city"] == "BERLIN" and order.billing_address is None
    assert payment.amount == Decimal("29.75")
    assert not CartLine.objects.filter(store=store).exists()
    assert Variant.objects.get(store=store, pk=mug.pk).stock_quantity == 3  # held for the payment
    # The cart is empty now: checkout sends the buyer back to it.
    assert client.get("/checkout/")["Location"] == "/cart/"


def test_a_customer_checks_out_with_a_saved_address(store) -> None:
    customer = make_customer(store, email="jo@example.com")
    home = address_create(store=store, customer=customer, data={**address(name="Jo Home"), "phone": "030 901820"})
    work = address_create(
        store=store, customer=customer, data=address(name="Jo Work", street_address="Marktplatz 1", postal_code="10117")
    )
    client = shopper_with(store, (variant(store), 1), client=signed_in(store, customer.email))
    page = text(client.get("/checkout/"))
    assert 'value="jo@example.com"' in page and 'value="+4930901820"' in page
    assert f'name="saved_address" value="{home.pk}" data-saved-address checked' in page
    assert "Jo Work" in page and "Save this address in my account" in page

    form = information_form(email="jo@example.com", phone="+49 30 901820", **{"shipping-name": ""})
    form["saved_address"] = str(work.pk)
    review = _to_review(client, **form)
    assert "Jo Work, Marktplatz 1, 10117 BERLIN, Germany" in text(review)
    assert _pay(client, review).status_code == 303
    (order,) = _orders(store)
    assert order.customer_id == customer.pk and order.shipping_address["name"] == "Jo Work"
    assert Address.objects.filter(store=store, customer=customer).count() == 2


def test_a_checkout_started_before_the_first_saved_address_offers_it(store) -> None:
    customer = make_customer(store)
    client = shopper_with(store, (variant(store), 1), client=signed_in(store, customer.email))
    assert 'name="saved_address"' not in text(client.get("/checkout/"))
    home = address_create(store=store, customer=customer, data=address(name="Jo Home"))
    page = text(client.get("/checkout/"))
    assert f'name="saved_address" value="{home.pk}" data-saved-address checked' in page


def test_a_customer_may_save_a_new_address_at_checkout(store) -> None:
    customer = make_customer(store)
    client = shopper_with(store, (variant(store), 1), client=signed_in(store, customer.email))
    form = information_form()
    form["save_address"] = "1"
    assert client.post("/checkout/", form).status_code == 303
    (saved,) = Address.objects.filter(store=store, customer=customer)
    assert saved.is_default and saved.data["name"] == "Erika Mustermann" and saved.data["phone"] == "+4930901820"


def test_prices_that_include_tax_say_so_on_the_review(store) -> None:
    Store.objects.filter(pk=store.pk).update(prices_include_tax=True)
    client = shopper_with(store, (variant(store, price="10.00"), 2))
    page = text(_to_review(client))
    assert "Incl. VAT 19%" in page and "$3.99" in page and "Pay $25.00" in page


# --- bad input and changes -----------------------------------------------------------------------


def test_a_bad_postal_code_is_a_400_with_the_message_and_nothing_is_saved(store) -> None:
    client = shopper_with(store, (variant(store), 1))
    response = client.post("/checkout/", information_form(**{"shipping-postal_code": "1011", "email": "x"}))
    assert response.status_code == 400
    page = text(response)
    assert "This postal code is not valid for Germany" in page
    assert 'id="id_shipping-postal_code_errors"' in page and "Enter a valid email address." in page
    assert 'value="Erika Mustermann"' in page  # what was typed stays
    (checkout,) = checkouts(store)
    assert (checkout.email, checkout.phone, checkout.shipping_address) == ("", "", None)


def test_a_store_shipping_to_one_country_has_it_chosen_already(store) -> None:
    from shopwright.shipping.models import ShippingZone

    ShippingZone.objects.filter(store=store).update(areas=["FR"])
    client = shopper_with(store, (variant(store), 1))
    page = text(client.get("/checkout/"))
    assert '<option value="FR" selected>France</option>' in page
    assert "Postal code" in page


def test_choosing_a_country_redraws_its_fields_without_saving(store) -> None:
    client = shopper_with(store, (variant(store), 1))
    response = client.post("/checkout/", {**information_form(**{"shipping-country": "US"}), "refresh": "1"})
    assert response.status_code == 200
    page = text(response)
    assert '<label for="id_shipping-country_area">State' in page and "ZIP code" in page
    assert '<option value="CA">California</option>' in page
    assert 'value="Erika Mustermann"' in page
    assert checkouts(store)[0].shipping_address is None


def test_a_country_no_zone_covers_is_kept_but_goes_no_further(store) -> None:
    client = shopper_with(store, (variant(store), 1))
    form = information_form(
        phone="+81 3-3210-1111",
        **{"shipping-country": "JP", "shipping-country_area": "Tokyo", "shipping-postal_code": "100-0001"},
    )
    form.pop("shipping-city")
    response = client.post("/checkout/", form)
    assert response.status_code == 303 and response["Location"] == "/checkout/"
    assert "We don&#x27;t ship to Japan (東京都)." in text(client.get("/checkout/"))
    assert client.get("/checkout/shipping/")["Location"] == "/checkout/"
    assert client.get("/checkout/review/")["Location"] == "/checkout/"


def test_an_address_with_no_method_for_the_parcel_says_why_on_the_shipping_step(store) -> None:
    from shopwright.checkout.selectors import NO_SHIPPING_METHOD

    client = shopper_with(store, (variant(store), 1))
    ShippingMethod.objects.filter(store=store).update(is_active=False)
    assert client.post("/checkout/", information_form())["Location"] == "/checkout/shipping/"

    page = client.get("/checkout/shipping/")
    assert page.status_code == 200
    assert NO_SHIPPING_METHOD in text(page).replace("&#x27;", "'")
    assert 'name="method_id"' not in text(page) and "Continue to review" not in text(page)
    refused = client.post("/checkout/shipping/", {"method_id": "1"})
    assert refused.status_code == 400 and NO_SHIPPING_METHOD in text(refused).replace("&#x27;", "'")
    # The review sends the buyer back to that step, where the reason is.
    assert client.get("/checkout/review/")["Location"] == "/checkout/shipping/"
    assert checkouts(store)[0].shipping_method_id is None


def test_a_method_that_is_not_offered_is_refused(store, other_store) -> None:
    from tests.checkout_factories import make_shipping

    foreign = make_shipping(other_store, name="Their courier")
    client = shopper_with(store, (variant(store), 1))
    client.post("/checkout/", information_form())
    for value in (str(foreign.pk), "", "abc"):
        response = client.post("/checkout/shipping/", {"method_id": value})
        assert response.status_code == 400
        assert "Choose one of the shipping methods offered for your address." in text(response)
    assert checkouts(store)[0].shipping_method_id is None


def test_a_tampered_signature_shows_the_review_again_and_places_nothing(store) -> None:
    client = shopper_with(store, (variant(store), 1))
    review = _to_review(client)
    response = _pay(client, review, signature="0" * 64)
    assert response.status_code == 409
    page = text(response)
    assert "Nothing was charged." in page and "Your order changed since you reviewed it" in page
    assert hidden(response, "signature") == hidden(review, "signature")
    assert _orders(store) == []


def test_a_price_change_before_paying_shows_the_new_price_and_the_new_total(store) -> None:
    mug = variant(store, title="Mug", price="10.00")
    client = shopper_with(store, (mug, 2))
    review = _to_review(client)
    set_price(mug, "12.00")
    response = _pay(client, review)
    assert response.status_code == 409
    page = text(response)
    assert "The price of Mug changed from $10.00 to $12.00." in page
    assert "Pay $34.51" in page  # 24.00 + 5.00 shipping + 19 % VAT
    assert _orders(store) == [] and Payment.objects.filter(store=store).count() == 0
    # Paying what is now shown works.
    again = _pay(client, response)
    assert again.status_code == 303
    assert _orders(store)[0].total == Decimal("34.51")


def test_sold_out_meanwhile_is_told_and_nothing_is_placed(store) -> None:
    mug = variant(store, title="Mug", stock=5)
    client = shopper_with(store, (mug, 2))
    review = _to_review(client)
    set_stock(mug, 1)
    response = _pay(client, review)
    assert response.status_code == 409
    page = text(response)
    assert "Only 1 of Mug left" in page and "Pay $" not in page
    assert _orders(store) == []
    assert Variant.objects.get(store=store, pk=mug.pk).stock_quantity == 1


def test_an_empty_cart_goes_back_to_the_cart(store) -> None:
    client = browser(store)
    for path in ("/checkout/", "/checkout/shipping/", "/checkout/review/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/cart/"
    assert client.post("/checkout/place/", {"signature": "x"})["Location"] == "/cart/"
    assert checkouts(store) == []


def test_another_stores_cart_is_never_reached(store, other_store) -> None:
    client = shopper_with(store, (variant(store), 1))
    assert client.get("/checkout/").status_code == 200
    # The same browser (same cookies) on the other store's host: no cart there.
    response = client.get("/checkout/", HTTP_HOST=host(other_store))
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert client.post("/checkout/place/", {"signature": "x"}, HTTP_HOST=host(other_store))["Location"] == "/cart/"
    assert not Checkout.objects.filter(store=other_store).exists()


def test_every_post_needs_the_csrf_token(store) -> None:
    client = shopper_with(store, (variant(store), 1))
    review = _to_review(client)
    strict = Client(enforce_csrf_checks=True, HTTP_HOST=host(store))
    strict.cookies = client.cookies
    for path, data in (
        ("/checkout/", information_form()),
        ("/checkout/shipping/", {"method_id": "1"}),
        ("/checkout/place/", {"signature": hidden(review, "signature")}),
    ):
        assert strict.post(path, data).status_code == 403
    assert _orders(store) == []


# --- paying ------------------------------------------------------------------------------------


def test_a_double_click_on_pay_places_one_order_and_opens_one_payment(store) -> None:
    client = shopper_with(store, (variant(store), 1))
    review = _to_review(client)
    first = _pay(client, review)
    second = _pay(client, review)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == first["Location"]
    assert len(_orders(store)) == 1 and Payment.objects.filter(store=store).count() == 1


def test_an_unreachable_provider_keeps_the_order_and_offers_to_try_again(store, monkeypatch) -> None:
    mug = variant(store, stock=5)
    client = shopper_with(store, (mug, 2))
    review = _to_review(client)
    real = payment_services.payment_start

    def unreachable(**kwargs):  # type: ignore[no-untyped-def]
        raise payment_services.PaymentUnavailable("The payment provider did not answer.")

    monkeypatch.setattr(payment_services, "payment_start", unreachable)
    response = _pay(client, review)
    assert response.status_code == 503
    page = text(response)
    (order,) = _orders(store)
    assert "We could not reach the payment provider" in page and f"#{order.number}" in page
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert Variant.objects.get(store=store, pk=mug.pk).stock_quantity == 3  # still held
    token = hidden(response, "order_token")

    # A second click without the order's link secret cannot start a payment: it says where the order is.
    placed_page = _pay(client, review)
    assert placed_page.status_code == 200 and f"Your order #{order.number} was placed" in text(placed_page)

    monkeypatch.setattr(payment_services, "payment_start", real)
    retry = client.post("/checkout/place/", {"signature": hidden(response, "signature"), "order_token": token})
    assert retry.status_code == 303 and retry["Location"].startswith(PAYMENT_ORIGIN)
    assert len(_orders(store)) == 1 and Payment.objects.filter(store=store, order=order).count() == 1
    # A forged secret is not enough to start a payment.
    forged = client.post("/checkout/place/", {"signature": "x", "order_token": "forged"})
    assert forged.status_code == 303 and forged["Location"] == retry["Location"]


def test_an_order_that_costs_nothing_goes_straight_to_its_confirmation(store) -> None:
    """Providers refuse a payment of 0: a free order is paid at once and the buyer sees it confirmed."""
    ShippingMethod.objects.filter(store=store).update(price=0)
    client = shopper_with(store, (variant(store, title="Sample", price="0.00"), 1))
    review = _to_review(client)
    assert "$0.00" in text(review)
    placed = _pay(client, review)
    assert placed.status_code == 303
    (order,) = _orders(store)
    assert placed["Location"].startswith(f"http://{store.handle}.localhost:8000/orders/")
    assert placed["Location"].endswith("/payment/")  # the store's own page, not a provider's
    assert order.status == OrderStatus.PAID
    (payment,) = Payment.objects.filter(store=store, order=order)
    assert (payment.provider, payment.amount) == ("none", Decimal("0.00"))
    page = client.get(placed["Location"].split(":8000", 1)[1])
    assert f"Thank you, order #{order.number} is confirmed" in text(page)
    # A second click: the order is paid; it says where the order is, nothing more is made.
    again = _pay(client, review)
    assert again.status_code == 200 and f"#{order.number}" in text(again)
    assert Payment.objects.filter(store=store).count() == 1


# --- query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [1, 20])
def test_the_review_page_runs_a_fixed_number_of_queries(store, lines, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = shopper_with(store, *[(variant(store, title=f"Item {n}"), 1) for n in range(lines)])
    _to_review(client)
    # 4 with the store's shipping and tax settings cached by the steps before (core/store_cache.py); 8 before.
    with django_assert_max_num_queries(4):
        response = client.get("/checkout/review/")
    assert response.status_code == 200 and text(response).count('class="cell-label">Price') == lines


@pytest.mark.parametrize("lines", [1, 20])
def test_a_customers_review_page_runs_a_fixed_number_of_queries(store, lines, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    customer = make_customer(store)
    client = signed_in(store, customer.email)
    shopper_with(store, *[(variant(store, title=f"Item {n}"), 1) for n in range(lines)], client=client)
    _to_review(client)
    # 6 with the store's settings cached (the visitor's 4, and the customer's session and account); 10 before.
    with django_assert_max_num_queries(6):
        response = client.get("/checkout/review/")
    assert response.status_code == 200


@pytest.mark.parametrize("lines", [1, 20])
def test_placing_from_the_review_page_opens_the_payment_with_the_order(store, lines) -> None:  # type: ignore[no-untyped-def]
    """The page places through payments.order_place_for_payment: the attempt commits with the order, so
    starting it at the provider reads and locks nothing again (the same statements for 1 and 20 lines)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = shopper_with(store, *[(variant(store, title=f"Item {n}"), 1) for n in range(lines)])
    review = _to_review(client)
    with CaptureQueriesContext(connection) as captured:
        paid = _pay(client, review)
    assert paid.status_code == 303 and "/testpay/" in paid["Location"]
    order = Order.objects.get(store=store)
    payment = Payment.objects.get(store=store, order=order)
    assert payment.reference and payment.redirect_url == paid["Location"]
    statements = [query["sql"] for query in captured.captured_queries]
    # One placing transaction and one to record the provider's answer; no replaced-attempt read, order
    # re-lock or open-attempt read after placing.
    assert sum(sql.startswith("SAVEPOINT") or sql == "BEGIN" for sql in statements) <= 2, statements
    assert not any("FOR NO KEY UPDATE" in sql and '"orders_order"' in sql.split("FROM")[1][:40] for sql in statements)
    # The order's number is one statement on PostgreSQL and two on SQLite (orders.numbers).
    assert len(statements) <= (24 if connection.vendor == "postgresql" else 25), len(statements)
