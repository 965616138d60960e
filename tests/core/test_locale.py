"""core.locale.LocaleMiddleware: the same language, headers and redirects as Django's, with fewer lookups."""

from __future__ import annotations

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.test import RequestFactory
from django.urls import path
from django.utils import translation

from shopwright.core.locale import LocaleMiddleware
from tests.factories import host, make_merchant


def _page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(translation.get_language())


# A URLconf with language prefixes, which Shopwright's own do not have: Django's middleware answers it.
urlpatterns = i18n_patterns(path("page/", _page), prefix_default_language=False)


def _through(middleware_class: type, request: HttpRequest, status: int = 200) -> tuple[str, str, dict[str, str]]:
    middleware = middleware_class(lambda request: HttpResponse(translation.get_language(), status=status))
    with translation.override(None):
        response = middleware(request)
        return request.LANGUAGE_CODE, response.content.decode(), dict(response.headers)


@pytest.mark.parametrize(
    ("path_info", "headers", "cookies"),
    [
        ("/", {}, {}),
        ("/api/v1/storefront/cart", {"HTTP_ACCEPT_LANGUAGE": "zh-Hans-CN,zh;q=0.9,en;q=0.5"}, {}),
        ("/zh-hans/", {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}, {}),  # a prefix-looking path means nothing here
        ("/products/linen/", {"HTTP_ACCEPT_LANGUAGE": "en-GB"}, {"django_language": "zh-hans"}),
    ],
)
def test_without_language_prefixes_it_answers_as_djangos_middleware_does(path_info, headers, cookies) -> None:
    def request() -> HttpRequest:
        made = RequestFactory().get(path_info, **headers)
        made.COOKIES.update(cookies)
        return made

    assert _through(LocaleMiddleware, request()) == _through(DjangoLocaleMiddleware, request())
    language, body, answer = _through(LocaleMiddleware, request())
    assert body == language == answer["Content-Language"]
    assert "Accept-Language" in answer["Vary"]


def test_a_urlconf_with_language_prefixes_gets_djangos_middleware(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    prefixed = RequestFactory().get("/zh-hans/page/", HTTP_ACCEPT_LANGUAGE="en")
    prefixed.urlconf = __name__
    # The path's language wins over the header, and the answer does not vary by it (Django's rules).
    language, _, answer = _through(LocaleMiddleware, prefixed)
    assert language == answer["Content-Language"] == "zh-hans" and "Vary" not in answer


@pytest.mark.django_db
def test_a_store_answers_in_the_language_the_browser_asks_for(client) -> None:
    store = make_merchant().store
    chinese = client.get("/api/v1/storefront/cart", HTTP_HOST=host(store), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese["Content-Language"] == "zh-hans"
    assert "Accept-Language" in chinese["Vary"]
    english = client.get("/api/v1/storefront/cart", HTTP_HOST=host(store), HTTP_ACCEPT_LANGUAGE="de-DE,en;q=0.5")
    assert english["Content-Language"] == "en"
