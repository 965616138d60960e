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


def _without_tokens(page: str) -> str:
    return TOKEN.sub("", page)


@pytest.mark.parametrize("path", ["/", "/collections/", "/collections/summer/?sort=newest", "/products/linen-shirt/"])
def test_a_second_stateless_visitor_gets_the_kept_page(store, path) -> None:
    first = visitor(store).get(path)
    assert first["X-Page-Cache"] == "miss"
    second = visitor(store).get(path)
    assert second["X-Page-Cache"] == "hit"
    assert _without_tokens(html(second)) == _without_tokens(html(first))
    assert "Linen" in html(second)


def test_the_kept_page_carries_a_csrf_token_of_the_visitors_own(store) -> None:
    first = visitor(store).get("/products/linen-shirt/")
    browser = Client(HTTP_HOST=host(store), enforce_csrf_checks=True)
    second = browser.get("/products/linen-shirt/")
    assert second["X-Page-Cache"] == "hit"
    tokens = set(TOKEN.findall(html(second)))
    assert len(tokens) == 1 and tokens.isdisjoint(TOKEN.findall(html(first)))
    token = tokens.pop()
    # It belongs to this visitor's CSRF cookie: a form post with it is accepted, from anyone else refused.
    assert browser.cookies["csrftoken"].value
    assert browser.post("/account/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    stranger = Client(HTTP_HOST=host(store), enforce_csrf_checks=True)
    stranger.get("/products/linen-shirt/")  # a CSRF cookie of the stranger's own
    assert stranger.cookies["csrftoken"].value != browser.cookies["csrftoken"].value
    assert stranger.post("/account/logout/", {"csrfmiddlewaretoken": token}).status_code == 403


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


def test_spellings_of_one_page_number_share_one_kept_page(store) -> None:
    # Otherwise "?page=01", "?page=001", ... would each fill the cache with a copy.
    assert visitor(store).get("/collections/summer/?page=1")["X-Page-Cache"] == "miss"
    for spelling in ("01", "001", "0001", " 1"):
        again = visitor(store).get(f"/collections/summer/?page={spelling}")
        assert again.status_code == 200
        assert again["X-Page-Cache"] == "hit", spelling


def test_bad_page_numbers_are_answered_before_the_cache(store) -> None:
    assert visitor(store).get("/collections/summer/?page=abc").status_code == 400
    assert visitor(store).get("/collections/summer/?page=2").status_code == 404
    assert visitor(store).get("/collections/summer/?page=" + "9" * 400).status_code == 404


def test_visitors_who_answered_the_cookie_banner_share_a_kept_page_without_it(store) -> None:
    fresh = visitor(store).get("/")
    assert fresh["X-Page-Cache"] == "miss" and 'id="cookie-banner"' in html(fresh)

    chosen = []
    for _ in range(2):
        client = visitor(store)
        client.post("/privacy/cookies/choice/", {"choice": "necessary", "next": "/"})
        chosen.append(client.get("/"))
    assert [r["X-Page-Cache"] for r in chosen] == ["miss", "hit"]
    assert all('id="cookie-banner"' not in html(r) for r in chosen)

    again = visitor(store).get("/")
    assert again["X-Page-Cache"] == "hit" and 'id="cookie-banner"' in html(again)
