"""Whole pages kept for visitors without state: each gets a working CSRF token of its own; nobody else uses them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.catalog_factories import make_product
from tests.factories import PASSWORD, host, make_customer, make_merchant
from tests.storefront.catalog_helpers import html, make_collection, visitor

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture
def store():
    store = make_merchant(store_name="Linen House").store
    shirt = make_product(store, title="Linen shirt", handle="linen-shirt")
    make_collection(store, "Summer", handle="summer", products=[shirt])
    return store


@pytest.mark.parametrize("path", ["/", "/collections/summer/?sort=newest", "/products/linen-shirt/"])
def test_a_second_stateless_visitor_gets_the_kept_page_with_a_token_that_works(store, path) -> None:
    first = visitor(store).get(path)
    assert first["X-Page-Cache"] == "miss"
    second_browser = Client(HTTP_HOST=host(store), enforce_csrf_checks=True)
    second = second_browser.get(path)
    assert second["X-Page-Cache"] == "hit"
    assert html(second).replace(TOKEN.findall(html(second))[0], "") == html(first).replace(
        TOKEN.findall(html(first))[0], ""
    )
    tokens = set(TOKEN.findall(html(second)))
    assert len(tokens) == 1 and tokens.isdisjoint(TOKEN.findall(html(first)))
    # The token in the kept page belongs to this visitor's CSRF cookie: a form post with it is accepted.
    assert second_browser.cookies["csrftoken"].value
    accepted = second_browser.post("/account/logout/", {"csrfmiddlewaretoken": tokens.pop()})
    assert accepted.status_code == 302
    refused = Client(HTTP_HOST=host(store), enforce_csrf_checks=True).post(
        "/account/logout/", {"csrfmiddlewaretoken": TOKEN.findall(html(second))[0]}
    )
    assert refused.status_code == 403


def test_the_collection_list_is_kept_too(store) -> None:
    assert visitor(store).get("/collections/")["X-Page-Cache"] == "miss"
    again = visitor(store).get("/collections/")
    assert again["X-Page-Cache"] == "hit" and 'href="/collections/summer/"' in html(again)


def test_a_signed_in_customer_never_gets_the_shared_page(store) -> None:
    visitor(store).get("/products/linen-shirt/")  # kept for stateless visitors now
    customer = make_customer(store, email="ada@example.com")
    browser = Client(HTTP_HOST=host(store))
    assert browser.post("/account/login/", {"email": customer.email, "password": PASSWORD}).status_code == 302
    response = browser.get("/products/linen-shirt/")
    assert "X-Page-Cache" not in response
    assert 'href="/account/"' in html(response) and "Sign out" in html(response)


def test_other_query_parameters_or_cookies_skip_the_shared_page(store) -> None:
    visitor(store).get("/products/linen-shirt/")
    assert "X-Page-Cache" not in visitor(store).get("/products/linen-shirt/?utm_source=mail")
    browser = visitor(store)
    browser.cookies["shopwright_cart"] = "anything"
    assert "X-Page-Cache" not in browser.get("/products/linen-shirt/")


def test_error_pages_are_not_kept(store) -> None:
    for _ in range(2):
        response = visitor(store).get("/collections/summer/?sort=cheapest")
        assert response.status_code == 400 and "X-Page-Cache" not in response
        response = visitor(store).get("/products/nothing/")
        assert response.status_code == 404 and "X-Page-Cache" not in response
