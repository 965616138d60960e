"""Favourites on the storefront: a customer's list, a visitor's cookie, the merge at sign-in, other stores."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from shopwright.catalog.models import Product
from shopwright.storefront.favourite_cookies import FAVOURITES_COOKIE, MAX_VISITOR_FAVOURITES
from shopwright.storefront.models import Favourite
from tests.cart.helpers import browser, install_pending_cookies, product, signed_in, with_image
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pending_cookies(settings) -> None:  # type: ignore[no-untyped-def]
    install_pending_cookies(settings)


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="Corner Books").store


@pytest.fixture
def other_store():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="Tea Corner").store


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


def _favourites(store, customer) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        Favourite.objects.filter(store=store, customer=customer)
        .order_by("-created_at", "-id")
        .values_list("product_id", flat=True)
    )


def _titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<span class="title">([^<]+)</span>', page.content.decode())


# --- a signed-in customer --------------------------------------------------------------------


def test_a_customer_adds_lists_and_removes_favourites(store) -> None:
    atlas, globe = product(store, title="Atlas"), product(store, title="Globe")
    customer = make_customer(store, email="robin@example.com")
    client = signed_in(store, "robin@example.com")

    response = client.post(f"/favourites/{atlas.pk}/add/", HTTP_REFERER=f"http://{host(store)}/products/atlas/")
    assert response.status_code == 302
    assert response["Location"] == f"http://{host(store)}/products/atlas/"
    client.post(f"/favourites/{globe.pk}/add/")
    client.post(f"/favourites/{globe.pk}/add/")  # twice is still once
    assert _favourites(store, customer) == [globe.pk, atlas.pk]

    page = client.get("/favourites/")
    assert page.status_code == 200
    assert _titles(page) == ["Globe", "Atlas"]
    assert "Added Globe to your favourites." in _text(page)
    # Each card's button says it is a favourite and offers removal.
    assert page.content.decode().count('aria-pressed="true"') == 2
    assert f'action="/favourites/{atlas.pk}/remove/"' in page.content.decode()

    client.post(f"/favourites/{atlas.pk}/remove/")
    assert _favourites(store, customer) == [globe.pk]
    assert _titles(client.get("/favourites/")) == ["Globe"]


def test_the_account_links_to_the_favourites(store) -> None:
    make_customer(store, email="robin@example.com")
    client = signed_in(store, "robin@example.com")
    assert 'href="/favourites/"' in client.get("/account/").content.decode()


def test_a_script_toggles_with_json(store) -> None:
    atlas = product(store, title="Atlas")
    customer = make_customer(store, email="robin@example.com")
    client = signed_in(store, "robin@example.com")
    on = client.post(f"/favourites/{atlas.pk}/add/", HTTP_ACCEPT="application/json")
    assert on.json() == {
        "favourite": True,
        "message": "Added Atlas to your favourites.",
        "action": f"/favourites/{atlas.pk}/remove/",
    }
    off = client.post(f"/favourites/{atlas.pk}/remove/", HTTP_X_REQUESTED_WITH="fetch")
    assert off.json()["favourite"] is False
    assert off.json()["action"] == f"/favourites/{atlas.pk}/add/"
    assert _favourites(store, customer) == []


def test_only_published_products_of_this_store(store, other_store) -> None:
    theirs = product(other_store, title="Their Teapot")
    draft = product(store, title="Unreleased", status="draft")
    customer = make_customer(store, email="robin@example.com")
    client = signed_in(store, "robin@example.com")
    for product_id in (theirs.pk, draft.pk, 10**30):
        page = client.post(f"/favourites/{product_id}/add/")
        assert page.status_code == 404
        assert "This product is not available at this store." in _text(page)
        assert client.post(f"/favourites/{product_id}/add/", HTTP_ACCEPT="application/json").status_code == 404
    # Removing another store's product is not found either; nothing of theirs is touched.
    assert client.post(f"/favourites/{theirs.pk}/remove/").status_code == 404
    assert _favourites(store, customer) == []
    assert Favourite.objects.filter(store=other_store).count() == 0


def test_a_withdrawn_favourite_leaves_the_list_and_can_still_be_removed(store) -> None:
    atlas = product(store, title="Atlas")
    customer = make_customer(store, email="robin@example.com")
    client = signed_in(store, "robin@example.com")
    client.post(f"/favourites/{atlas.pk}/add/")
    Product.objects.filter(store=store, pk=atlas.pk).update(status="archived")
    assert _titles(client.get("/favourites/")) == []
    assert client.post(f"/favourites/{atlas.pk}/remove/").status_code == 302
    assert _favourites(store, customer) == []


def test_favourite_forms_need_the_csrf_token(store) -> None:
    atlas = product(store)
    make_customer(store, email="robin@example.com")
    client = browser(store, enforce_csrf_checks=True)
    client.post("/account/login/", {"email": "robin@example.com", "password": PASSWORD})
    assert client.post(f"/favourites/{atlas.pk}/add/").status_code == 403
    assert client.get("/favourites/").status_code in (200, 302)
    assert Favourite.objects.filter(store=store).count() == 0


# --- a visitor ---------------------------------------------------------------------------------


def test_a_visitor_keeps_favourites_in_a_signed_cookie(store) -> None:
    atlas, globe = product(store, title="Atlas"), product(store, title="Globe")
    client = browser(store)
    response = client.post(f"/favourites/{atlas.pk}/add/")
    cookie = response.cookies[FAVOURITES_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    client.post(f"/favourites/{globe.pk}/add/")
    assert _titles(client.get("/favourites/")) == ["Globe", "Atlas"]
    assert Favourite.objects.filter(store=store).count() == 0

    client.post(f"/favourites/{globe.pk}/remove/")
    assert _titles(client.get("/favourites/")) == ["Atlas"]

    # A new browser with the same cookie sees the same list; a tampered one sees none.
    value = client.cookies[FAVOURITES_COOKIE].value
    again = browser(store)
    again.cookies[FAVOURITES_COOKIE] = value
    assert _titles(again.get("/favourites/")) == ["Atlas"]
    forged = browser(store)
    forged.cookies[FAVOURITES_COOKIE] = value[:-2] + ("xx" if not value.endswith("xx") else "yy")
    page = forged.get("/favourites/")
    assert _titles(page) == []
    assert "No favourites yet." in _text(page)


def test_a_visitor_cookie_names_only_this_store(store, other_store) -> None:
    theirs = product(other_store, title="Their Teapot")
    there = browser(other_store)
    there.post(f"/favourites/{theirs.pk}/add/")
    here = browser(store)
    here.cookies[FAVOURITES_COOKIE] = there.cookies[FAVOURITES_COOKIE].value
    assert _titles(here.get("/favourites/")) == []
    assert here.post(f"/favourites/{theirs.pk}/add/").status_code == 404


def test_a_visitor_keeps_at_most_100(store) -> None:
    items = [product(store, title=f"Item {n}") for n in range(MAX_VISITOR_FAVOURITES + 1)]
    client = browser(store)
    for item in items[:MAX_VISITOR_FAVOURITES]:
        assert client.post(f"/favourites/{item.pk}/add/", HTTP_ACCEPT="application/json").status_code == 200
    refused = client.post(f"/favourites/{items[-1].pk}/add/", HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert "Sign in to keep more" in refused.json()["message"]
    assert len(_titles(client.get("/favourites/"))) == MAX_VISITOR_FAVOURITES


# --- sign-in merges them ---------------------------------------------------------------------------


def test_signing_in_merges_the_cookie_into_the_account_and_clears_it(store, other_store) -> None:
    atlas, globe, draft = product(store, title="Atlas"), product(store, title="Globe"), product(store, title="Draft")
    customer = make_customer(store, email="robin@example.com")
    account = signed_in(store, "robin@example.com")
    account.post(f"/favourites/{atlas.pk}/add/")

    visitor = browser(store)
    visitor.post(f"/favourites/{atlas.pk}/add/")
    visitor.post(f"/favourites/{globe.pk}/add/")
    visitor.post(f"/favourites/{draft.pk}/add/")
    Product.objects.filter(store=store, pk=draft.pk).update(status="draft")  # withdrawn before sign-in

    response = visitor.post("/account/login/", {"email": "robin@example.com", "password": PASSWORD})
    assert response.status_code == 302
    cleared = response.cookies[FAVOURITES_COOKIE]
    assert cleared.value == "" and cleared["max-age"] == 0
    assert sorted(_favourites(store, customer)) == sorted([atlas.pk, globe.pk])
    assert sorted(_titles(visitor.get("/favourites/"))) == ["Atlas", "Globe"]


# --- the button ------------------------------------------------------------------------------------


def _button(store, product_ref, *, customer=None, cookie: str | None = None) -> str:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/", HTTP_HOST=host(store))
    request.store = store  # type: ignore[attr-defined]
    request.customer = customer  # type: ignore[attr-defined]
    if cookie:
        request.COOKIES[FAVOURITES_COOKIE] = cookie
    return render_to_string("storefront/includes/favourite_button.html", {"product": product_ref}, request=request)


def test_the_button_shows_the_state_and_costs_no_query_for_a_visitor(store) -> None:
    atlas, globe = product(store, title="Atlas"), product(store, title="Globe")
    visitor = browser(store)
    visitor.post(f"/favourites/{atlas.pk}/add/")
    cookie = visitor.cookies[FAVOURITES_COOKIE].value
    with CaptureQueriesContext(connection) as queries:
        on = _button(store, atlas, cookie=cookie)
        off = _button(store, globe, cookie=cookie)
    assert len(queries) == 0
    assert 'aria-pressed="true"' in on and "♥" in on and f"/favourites/{atlas.pk}/remove/" in on
    assert 'aria-pressed="false"' in off and "♡" in off and f"/favourites/{globe.pk}/add/" in off
    assert "csrfmiddlewaretoken" in on


def test_the_button_reads_a_customers_favourites_once_per_page(store) -> None:
    items = [product(store, title=f"Item {n}") for n in range(4)]
    customer = make_customer(store, email="robin@example.com")
    signed_in(store, "robin@example.com").post(f"/favourites/{items[1].pk}/add/")
    request = RequestFactory().get("/", HTTP_HOST=host(store))
    request.store = store  # type: ignore[attr-defined]
    request.customer = customer  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as queries:
        rendered = [
            render_to_string("storefront/includes/favourite_button.html", {"product": item}, request=request)
            for item in items
        ]
    assert len(queries) == 1
    assert ['aria-pressed="true"' in html for html in rendered] == [False, True, False, False]


# --- queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "customer"])
def test_the_favourites_page_runs_the_same_queries_for_5_and_50(store, who) -> None:
    counts = []
    for size in (5, 50):
        if who == "customer":
            email = f"fav{size}@example.com"
            make_customer(store, email=email)
            client = signed_in(store, email)
        else:
            client = browser(store)
        for n in range(size):
            item = product(store, title=f"Thing {size}-{n}")
            if n % 5 == 0:
                with_image(item)
            client.post(f"/favourites/{item.pk}/add/")
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/favourites/")
        assert len(_titles(page)) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
