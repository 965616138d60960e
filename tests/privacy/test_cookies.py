"""Cookie consent on the storefront: nothing but necessary cookies before a choice, the banner, the settings page."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils.html import escape

from shopwright.cart.models import Cart
from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry
from shopwright.privacy import consents, cookies, policies
from shopwright.privacy.models import ConsentPurpose, ConsentRecord
from tests.catalog_factories import make_product
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db

BANNER = 'id="cookie-banner"'


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    return make_merchant().store


def _set_cookie_names(response: HttpResponse) -> set[str]:
    return {name for name, morsel in response.cookies.items() if str(morsel["max-age"]) != "0"}


def _necessary() -> set[str]:
    return {info.name for info in cookies.cookie_registry() if info.category == cookies.NECESSARY}


def test_a_fresh_visitor_walking_the_shop_gets_only_necessary_cookies_and_sees_the_banner(store):
    product = make_product(store, title="Linen shirt")
    client = Client(HTTP_HOST=host(store))
    seen: set[str] = set()
    pages = ["/", "/collections/", f"/products/{product.handle}/", "/cart/", "/account/login/", "/account/register/"]
    pages += ["/search/?q=linen", "/favourites/", "/privacy/policy/", "/privacy/cookies/"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        seen |= _set_cookie_names(response)
        if path != "/privacy/cookies/":
            assert BANNER in response.content.decode(), path
    # Adding to the cart and a favourite set only the necessary cart and favourites cookies.
    variant = product.variants.filter(store_id=store.pk).first()
    seen |= _set_cookie_names(client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1}))
    seen |= _set_cookie_names(client.post(f"/favourites/{product.pk}/add/"))
    assert seen <= _necessary()
    assert not ConsentRecord.objects.exists()


def test_the_banner_works_without_javascript_and_links_to_the_choices(store):
    page = Client(HTTP_HOST=host(store)).get("/").content.decode()
    banner = page[page.index(BANNER) : page.index("</section>", page.index(BANNER))]
    assert 'action="/privacy/cookies/choice/"' in banner
    assert 'name="csrfmiddlewaretoken"' in banner
    assert 'value="all"' in banner and "Accept all" in banner
    assert 'value="necessary"' in banner and "Necessary only" in banner
    assert 'href="/privacy/cookies/">Choose…' in banner
    assert "<script" not in banner
    footer = page[page.index("<footer") :]
    assert 'href="/privacy/policy/"' in footer and 'href="/privacy/cookies/"' in footer


def _choose(client: Client, choice: str, next_path: str = "/"):  # type: ignore[no-untyped-def]
    return client.post("/privacy/cookies/choice/", {"choice": choice, "next": next_path})


def test_necessary_only_is_recorded_hides_the_banner_and_cart_and_login_still_work(store):
    product = make_product(store, title="Linen shirt")
    customer = make_customer(store)
    client = Client(HTTP_HOST=host(store))
    response = _choose(client, "necessary", "/cart/")
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert cookies.CONSENT_COOKIE in response.cookies

    records = list(ConsentRecord.objects.filter(customer__isnull=True).order_by("id"))
    assert {r.purpose for r in records} == {
        ConsentPurpose.COOKIES_PREFERENCES,
        ConsentPurpose.COOKIES_ANALYTICS,
        ConsentPurpose.COOKIES_MARKETING,
    }
    assert not any(r.granted for r in records)
    assert all(r.customer_id is None and len(r.visitor_hash) == 64 and r.store_id == store.pk for r in records)
    assert records[0].evidence == cookies.BANNER_TEXT
    assert BANNER not in client.get("/").content.decode()

    # The cart works with necessary cookies only ...
    variant = product.variants.filter(store_id=store.pk).first()
    response = client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    assert response.status_code in (200, 302)
    assert "Linen shirt" in client.get("/cart/").content.decode()
    # ... and so does signing in (the visitor's cart joins the account).
    response = client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert Cart.objects.filter(store_id=store.pk, customer=customer).exists()


def test_accept_all_by_a_signed_in_customer_is_recorded_under_the_customer(store):
    customer = make_customer(store)
    client = Client(HTTP_HOST=host(store))
    client.post("/account/login/", {"email": customer.email, "password": PASSWORD})
    _choose(client, "all")
    state = consents.consent_state(customer=customer)
    assert state[ConsentPurpose.COOKIES_ANALYTICS] and state[ConsentPurpose.COOKIES_MARKETING]
    assert state[ConsentPurpose.COOKIES_PREFERENCES]
    granted = AuditEntry.objects.filter(action="privacy.consent_grant", actor_id=customer.pk)
    assert sorted(e.details["purpose"] for e in granted if e.details["purpose"].startswith("cookies_")) == [
        "cookies_analytics",
        "cookies_marketing",
        "cookies_preferences",
    ]


def test_the_choice_can_be_changed_from_the_settings_page(store):
    client = Client(HTTP_HOST=host(store))
    _choose(client, "all")
    page = client.get("/privacy/cookies/").content.decode()
    for info in cookies.cookie_registry():
        assert info.name in page and escape(info.purpose) in page and info.lifetime in page
    assert re.search(r'value="analytics" id="cookie-analytics" checked', page)

    response = client.post("/privacy/cookies/", {"categories": ["analytics", "bogus"]})
    assert response.status_code == 302
    choice = cookies._parse(response.cookies[cookies.CONSENT_COOKIE].value, store_id=store.pk)
    assert choice is not None and choice.categories == {"analytics"}
    visitor = choice.visitor
    state = consents.consent_state(visitor=visitor, store=store)
    assert state[ConsentPurpose.COOKIES_ANALYTICS] is True
    assert state[ConsentPurpose.COOKIES_MARKETING] is False  # withdrawn at once
    assert state[ConsentPurpose.COOKIES_PREFERENCES] is False
    # The same visitor id throughout: the records form one history.
    assert ConsentRecord.objects.filter(visitor_hash=consents.visitor_hash(visitor)).count() == 6
    assert ConsentRecord.objects.filter(visitor_hash=consents.visitor_hash(visitor)).last().evidence == (
        cookies.SETTINGS_TEXT
    )


def test_bad_choices_and_forged_cookies_change_nothing(store):
    client = Client(HTTP_HOST=host(store))
    response = _choose(client, "everything")
    assert response.status_code == 302 and cookies.CONSENT_COOKIE not in response.cookies
    assert _choose(client, "all", "//evil.example/")["Location"] == "/"
    ConsentRecord.objects.filter(customer__isnull=True).delete()
    client = Client(HTTP_HOST=host(store))
    assert client.get("/privacy/cookies/choice/").status_code == 405
    # A forged consent cookie, or one from another store, counts as no choice.
    other = make_merchant().store
    foreign = signing.dumps(
        {"st": other.pk, "v": "x" * 32, "c": ["analytics"], "p": 0}, salt="shopwright.privacy.cookie-consent"
    )
    for value in ("garbage", foreign, signing.dumps({"st": store.pk, "v": "x" * 32, "c": ["analytics"], "p": 0})):
        client.cookies[cookies.CONSENT_COOKIE] = value
        assert BANNER in client.get("/").content.decode()
    assert not ConsentRecord.objects.filter(customer__isnull=True).exists()


def _view_setting(*names: str):  # type: ignore[no-untyped-def]
    def view(request):  # type: ignore[no-untyped-def]
        response = HttpResponse("ok")
        for name in names:
            response.set_cookie(name, "1")
        return response

    return view


def test_the_middleware_drops_cookies_the_visitor_has_not_allowed(store, monkeypatch):
    registry = cookies.cookie_registry()
    extra = [
        cookies.CookieInfo("sw_theme", cookies.PREFERENCES, "The colour theme you picked.", "1 year"),
        cookies.CookieInfo("sw_stats", cookies.ANALYTICS, "Counts visits.", "1 year"),
    ]
    monkeypatch.setattr(cookies, "cookie_registry", lambda: [*registry, *extra])
    middleware = cookies.CookieConsentMiddleware(_view_setting("sessionid", "sw_theme", "sw_stats", "tracker"))
    factory = RequestFactory()

    request = factory.get("/")
    request.store = store  # type: ignore[attr-defined]
    assert set(middleware(request).cookies) == {"sessionid"}  # no choice yet

    value = signing.dumps(
        {"st": store.pk, "v": "v" * 32, "c": ["preferences"], "p": 0}, salt="shopwright.privacy.cookie-consent"
    )
    request = factory.get("/", HTTP_COOKIE=f"{cookies.CONSENT_COOKIE}={value}")
    request.store = store  # type: ignore[attr-defined]
    # Allowed: necessary and preferences; an unregistered cookie is never set.
    assert set(middleware(request).cookies) == {"sessionid", "sw_theme"}

    # Deleting a cookie is always let through.
    def deleting(request):  # type: ignore[no-untyped-def]
        response = HttpResponse("ok")
        response.delete_cookie("sw_stats")
        return response

    request = factory.get("/")
    request.store = store  # type: ignore[attr-defined]
    assert set(cookies.CookieConsentMiddleware(deleting)(request).cookies) == {"sw_stats"}


def test_a_major_policy_change_asks_visitors_again(store):
    client = Client(HTTP_HOST=host(store))
    _choose(client, "necessary")
    assert BANNER not in client.get("/").content.decode()
    draft = policies.policy_draft_save(
        store=store, title="Privacy", body="New rules.", is_major=True, author=None, actor=Actor.system()
    )
    policies.policy_publish(version=draft, actor=Actor.system())
    from django.core.cache import cache

    cache.clear()  # publishing clears it after commit; the test transaction never commits
    assert BANNER in client.get("/").content.decode()
    _choose(client, "necessary")
    assert BANNER not in client.get("/").content.decode()


def test_a_page_answering_a_form_carries_no_banner_and_the_next_page_does(store):
    client = Client(HTTP_HOST=host(store))
    response = client.post("/account/login/", {"email": "nobody@example.com", "password": "wrong-password-123"})
    assert response.status_code in (200, 400)
    assert BANNER not in response.content.decode()  # same answer whatever was asked: no per-request token
    assert BANNER in client.get("/account/login/").content.decode()
