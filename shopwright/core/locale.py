"""The language of a request: Django's LocaleMiddleware, without its path lookups when nothing uses them.

Django's middleware looks for a language prefix in the path ("/zh-hans/…")
on every request and again on every answer, a regular expression and a
lookup each time, but uses what it finds only under `i18n_patterns()`.
Neither URLconf here has language prefixes: the language comes from the
language cookie or Accept-Language. So when the request's URLconf has no
prefixes, this does what Django's does in that case and nothing more:
activate the language the request asks for, answer with Content-Language
and `Vary: Accept-Language`. A URLconf with prefixes gets Django's
middleware unchanged.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _prefixes_used(request: HttpRequest) -> bool:
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    return is_language_prefix_patterns_used(urlconf)[0]  # cached per URLconf by Django


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if _prefixes_used(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if _prefixes_used(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
