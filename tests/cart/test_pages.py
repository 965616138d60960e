"""The cart as a browser uses it: /cart/, the add form of product pages, quantity and remove forms."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from shopwright.cart.cookies import CART_COOKIE, CART_COOKIE_MAX_AGE
from shopwright.cart.models import CartLine
from shopwright.storefront.cart_views import cart_page
from tests.cart.helpers import (
    add,
    browser,
    carts,
    lines,
    only_variant,
    product,
    set_price,
    signed_in,
    variants_of,
    with_image,
)
from tests.factories import host, make_customer

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def _badge(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'<span class="cart-count" data-cart-count( hidden)?>(\d+)</span>', response.content.decode())
    assert match, "the header has a cart count"
    return "" if match.group(1) else match.group(2)


# --- adding from a product page -------------------------------------------------------------


def test_a_visitor_adds_to_the_cart_and_goes_back_to_the_product_with_a_message(store) -> None:
    item = product(store, title="Linen Shirt", sizes=["S", "M"], price="30.00")
    small = variants_of(item)[0]
    client = browser(store)
    response = add(client, small, 2)
    assert response.status_code == 302
    assert response["Location"] == f"/products/{item.handle}/"
    cookie = response.cookies[CART_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == CART_COOKIE_MAX_AGE
    assert not cookie["secure"]  # plain http here; see the https test
    assert lines(store) == {small.pk: 2}
    # The cookie is signed and carries a secret the database only knows by its hash.
    secret_hash = carts(store)[0].token_hash
    assert secret_hash not in cookie.value

    page = client.get("/cart/")
    text = _text(page)
    assert "Added 2 × Linen Shirt (S) to your cart." in text
    assert "Linen Shirt" in text and "S" in text
    assert "$30.00" in text and "$60.00" in text
    assert "Subtotal (2 items)" in text
    assert _badge(page) == "2"


def test_the_cookie_is_secure_over_https(store) -> None:
    variant = only_variant(product(store))
    response = add(browser(store), variant, secure=True)
    assert response.cookies[CART_COOKIE]["secure"]


def test_a_safe_next_path_wins_over_the_product_page(store) -> None:
    item = product(store)
    variant = only_variant(item)
    client = browser(store)
    response = client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1, "next": "/cart/"})
    assert response["Location"] == "/cart/"
    response = client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1, "next": "//evil.example/"})
    assert response["Location"] == f"/products/{item.handle}/"


def test_a_script_gets_the_count_and_message_as_json(store) -> None:
    variant = only_variant(product(store, title="Mug", stock=3))
    client = browser(store)
    response = add(client, variant, 2, as_json=True)
    assert response.status_code == 200
    assert response.json() == {"count": 2, "message": "Added 2 × Mug to your cart.", "capped": False, "quantity": 2}
    assert CART_COOKIE in response.cookies
    capped = add(client, variant, 5, HTTP_X_REQUESTED_WITH="fetch")
    assert capped.json()["count"] == 3
    assert capped.json()["message"] == "Only 3 of Mug available: your cart now holds 3."
    refused = add(client, variant, 1, as_json=True)
    assert refused.status_code == 400
    assert refused.json()["message"] == "Your cart already holds all 3 available of Mug."
    assert refused.json()["count"] == 3


def test_capped_adds_say_so_on_the_page(store) -> None:
    variant = only_variant(product(store, title="Vase", stock=2))
    client = browser(store)
    add(client, variant, 5)
    page = client.get("/cart/")
    assert "Only 2 of Vase available: your cart now holds 2." in _text(page)
    assert lines(store) == {variant.pk: 2}


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", str(10**9), "1.5", ""])
def test_bad_quantities_are_a_400_page_with_a_message_and_change_nothing(store, quantity) -> None:
    variant = only_variant(product(store))
    client = browser(store)
    add(client, variant, 1)
    response = add(client, variant, quantity)
    assert response.status_code == 400
    assert "Enter a quantity from 1 to 999." in _text(response)
    assert lines(store) == {variant.pk: 1}


def test_a_missing_variant_is_a_400(store) -> None:
    response = browser(store).post("/cart/add/", {"quantity": 1})
    assert response.status_code == 400
    assert "Choose a product option to add." in _text(response)
    assert carts(store) == []


def test_another_stores_variant_and_drafts_are_404_and_never_added(store, other_store) -> None:
    theirs = only_variant(product(other_store, title="Their Teapot"))
    draft = only_variant(product(store, title="Unreleased", status="draft"))
    client = browser(store)
    for variant_id in (theirs.pk, draft.pk, 10**25):
        response = add(client, variant_id)
        assert response.status_code == 404
        assert "This product is not available at this store." in _text(response)
        assert add(client, variant_id, as_json=True).status_code == 404
    assert carts(store) == [] and carts(other_store) == []
    assert CART_COOKIE not in response.cookies


def test_sold_out_is_refused_with_a_message(store) -> None:
    variant = only_variant(product(store, title="Kettle", stock=0))
    response = add(browser(store), variant)
    assert response.status_code == 400
    assert "Kettle is sold out." in _text(response)
    assert carts(store) == []


def test_every_cart_form_needs_the_csrf_token(store) -> None:
    variant = only_variant(product(store))
    client = browser(store, enforce_csrf_checks=True)
    assert add(client, variant).status_code == 403
    assert carts(store) == []

    add(helper := browser(store), variant, 1)
    client.cookies[CART_COOKIE] = helper.cookies[CART_COOKIE].value
    page = client.get("/cart/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    line_id = CartLine.objects.get(store=store).pk
    assert client.post(f"/cart/lines/{line_id}/", {"quantity": "2"}).status_code == 403
    assert client.post(f"/cart/lines/{line_id}/remove/").status_code == 403
    assert lines(store) == {variant.pk: 1}
    ok = client.post(f"/cart/lines/{line_id}/", {"quantity": "2", "csrfmiddlewaretoken": token.group(1)})
    assert ok.status_code == 302
    assert lines(store) == {variant.pk: 2}


def test_the_cart_pages_answer_only_their_methods(store) -> None:
    client = browser(store)
    assert client.get("/cart/add/").status_code == 405
    assert client.post("/cart/").status_code == 405


# --- the cookie: restarts, tampering --------------------------------------------------------


def test_the_cart_survives_a_restart_a_new_browser_with_the_same_cookie_finds_it(store) -> None:
    variant = only_variant(product(store, title="Globe"))
    first = browser(store)
    add(first, variant, 2)
    value = first.cookies[CART_COOKIE].value
    # A new client holds nothing in memory: only the cookie, read against the database.
    later = browser(store)
    later.cookies[CART_COOKIE] = value
    assert "Globe" in _text(later.get("/cart/"))
    assert _badge(later.get("/cart/")) == "2"


def test_a_tampered_cookie_is_no_cart_and_the_next_add_replaces_it(store) -> None:
    variant = only_variant(product(store, title="Globe"))
    owner = browser(store)
    add(owner, variant, 2)
    value = owner.cookies[CART_COOKIE].value
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")

    thief = browser(store)
    thief.cookies[CART_COOKIE] = forged
    page = thief.get("/cart/")
    assert "Your cart is empty." in _text(page)
    assert _badge(page) == ""
    add(thief, variant, 1)
    assert thief.cookies[CART_COOKIE].value != forged
    assert len(carts(store)) == 2
    assert sorted(quantities[variant.pk] for quantities in lines_by_cart(store).values()) == [1, 2]


def test_a_cookie_from_another_store_is_no_cart_here(store, other_store) -> None:
    theirs = browser(other_store)
    add(theirs, only_variant(product(other_store)), 1)
    here = browser(store)
    here.cookies[CART_COOKIE] = theirs.cookies[CART_COOKIE].value
    assert "Your cart is empty." in _text(here.get("/cart/"))


def lines_by_cart(store) -> dict[int, dict[int, int]]:  # type: ignore[no-untyped-def]
    found: dict[int, dict[int, int]] = {}
    for cart_id, variant_id, quantity in CartLine.objects.filter(store=store).values_list(
        "cart_id", "variant_id", "quantity"
    ):
        found.setdefault(cart_id, {})[variant_id] = quantity
    return found


# --- changing and removing lines --------------------------------------------------------------


def test_changing_a_quantity_and_removing_a_line_from_the_cart_page(store) -> None:
    item = product(store, title="Tea", sizes=["Green", "Black"], stock=4, price="5.00")
    green, black = variants_of(item)
    client = browser(store)
    add(client, green, 1)
    add(client, black, 1)
    green_line = CartLine.objects.get(store=store, variant=green).pk

    response = client.post(f"/cart/lines/{green_line}/", {"quantity": "3"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert lines(store) == {green.pk: 3, black.pk: 1}
    page = client.get("/cart/")
    assert "Your cart now holds 3 × Tea (Green)." in _text(page)
    assert "$20.00" in _text(page)
    assert _badge(page) == "4"

    capped = client.post(f"/cart/lines/{green_line}/", {"quantity": "9"}, HTTP_ACCEPT="application/json")
    assert capped.json()["count"] == 5
    assert capped.json()["message"] == "Only 4 of Tea (Green) available: your cart now holds 4."
    assert 'value="4"' in capped.json()["html"]

    bad = client.post(f"/cart/lines/{green_line}/", {"quantity": "0"})
    assert bad.status_code == 400
    assert "Enter a quantity from 1 to 999." in _text(bad)
    assert lines(store) == {green.pk: 4, black.pk: 1}

    removed = client.post(f"/cart/lines/{green_line}/remove/", HTTP_ACCEPT="application/json")
    assert removed.json()["count"] == 1
    assert "Tea (Green)" not in removed.json()["html"]
    assert lines(store) == {black.pk: 1}
    # The header count followed every change.
    assert _badge(client.get("/cart/")) == "1"


def test_nobody_changes_another_shoppers_line(store) -> None:
    variant = only_variant(product(store))
    owner = browser(store)
    add(owner, variant, 2)
    line_id = CartLine.objects.get(store=store).pk
    stranger = browser(store)
    add(stranger, variant, 1)
    assert stranger.post(f"/cart/lines/{line_id}/", {"quantity": "1"}).status_code == 404
    assert stranger.post(f"/cart/lines/{line_id}/remove/").status_code == 404
    assert stranger.post(f"/cart/lines/{10**30}/remove/").status_code == 404
    assert CartLine.objects.get(store=store, pk=line_id).quantity == 2


def test_the_cart_page_shows_todays_price_and_the_empty_state(store) -> None:
    variant = only_variant(product(store, title="Atlas", price="10.00"))
    client = browser(store)
    empty = client.get("/cart/")
    assert empty.status_code == 200
    assert "Your cart is empty." in _text(empty)
    add(client, variant, 2)
    set_price(variant, "8.00", compare_at="10.00")
    text = _text(client.get("/cart/"))
    assert "$16.00" in text and "$20.00" not in text.split("Subtotal")[1]
    assert "You save $4.00" in text


# --- signing in merges the visitor's cart ------------------------------------------------------


def test_signing_in_merges_the_visitor_cart_and_clears_the_cookie(store) -> None:
    both, visitor_only = variants_of(product(store, title="Sock", sizes=["S", "M"], stock=4))
    customer = make_customer(store, email="robin@example.com")
    account = signed_in(store, "robin@example.com")
    add(account, both, 3)

    visitor = browser(store)
    add(visitor, both, 2)
    add(visitor, visitor_only, 1)
    response = visitor.post("/account/login/", {"email": "robin@example.com", "password": "violet-harbour-lantern"})
    assert response.status_code == 302
    cleared = response.cookies[CART_COOKIE]
    assert cleared.value == "" and cleared["max-age"] == 0

    assert [cart.customer_id for cart in carts(store)] == [customer.pk]
    assert lines(store) == {both.pk: 4, visitor_only.pk: 1}
    page = visitor.get("/cart/")
    assert "Sock (M)" in _text(page)
    assert _badge(page) == "5"


def test_the_header_count_follows_the_customer_and_survives_nothing_after_sign_out(store) -> None:
    variant = only_variant(product(store))
    make_customer(store, email="kim@example.com")
    client = signed_in(store, "kim@example.com")
    add(client, variant, 2)
    assert _badge(client.get("/cart/")) == "2"
    client.post("/account/logout/")
    assert _badge(client.get("/cart/")) == ""


# --- queries -----------------------------------------------------------------------------------


def _cart_of(store, count: int, client) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        item = product(store, title=f"Item {n}", price="3.00")
        if n % 3 == 0:
            with_image(item)
        add(client, only_variant(item), 1)


@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_the_cart_page_runs_the_same_queries_for_5_and_50_lines(store, who) -> None:
    counts = []
    for size in (5, 50):
        if who == "customer":
            email = f"q{size}@example.com"
            make_customer(store, email=email)
            client = signed_in(store, email)
        else:
            client = browser(store)
        _cart_of(store, size, client)
        client.get("/cart/")  # settles the session's count
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/cart/")
        assert page.status_code == 200
        assert f"Subtotal ({size} items)" in _text(page)
        assert page.content.decode().count("<img ") >= size // 3
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # Visitor: the store of the host (until it is cached), cart, lines, images. Customer: also session and customer.
    assert counts[0] <= (4 if who == "visitor" else 6), counts


def test_the_header_count_costs_no_query_for_a_visitor(store) -> None:
    request = RequestFactory().get("/", HTTP_HOST=host(store))
    request.store = store  # type: ignore[attr-defined]
    request.customer = None  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("storefront/includes/cart_link.html", {"request": request})
    assert len(queries) == 0
    assert "hidden" in html

    client = browser(store)
    add(client, only_variant(product(store)), 3)
    request.COOKIES[CART_COOKIE] = client.cookies[CART_COOKIE].value
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("storefront/includes/cart_link.html", {"request": request})
    assert len(queries) == 0
    assert ">3</span>" in html


def test_a_cookieless_visitors_cart_page_runs_no_query(store) -> None:
    request = RequestFactory().get("/cart/", HTTP_HOST=host(store))
    request.store = store  # type: ignore[attr-defined]
    request.customer = None  # type: ignore[attr-defined]
    request._messages = _NoMessages()  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as queries:
        response = cart_page(request)
    assert response.status_code == 200
    assert [q["sql"] for q in queries] == []


class _NoMessages(list):
    """A message store with nothing in it (the page reads messages; a cookieless visitor has none)."""

    def add(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("no message expected")
