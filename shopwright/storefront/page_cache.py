"""Whole catalog pages for visitors who carry no state: rendered once, served with a fresh CSRF token.

A visitor without a session, cart, favourites or messages cookie sees
exactly the same page as every other such visitor, except for the CSRF token
in the page's forms. For them the finished page is kept under the store's
catalog cache key with a placeholder where the token goes; a hit costs two
cache reads and one string replacement instead of rendering the templates.
Anyone carrying another cookie (signed in, a cart, favourites, a flash
message) gets the normal rendering, whose catalog part is cached by
`catalog_pages`.

Keys include the store's catalog version (so a catalog write shows at once),
the render version (a deploy never serves pages of the previous templates),
the store's name and currency (shown on every page) and the language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

from shopwright.core.requests import StorefrontRequest
from shopwright.privacy.cookies import CONSENT_COOKIE, cookie_banner_needed
from shopwright.storefront import catalog_pages

_CSRF_SLOT = "\x00csrf-token\x00"
_CSRF_IN_PAGE = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
_MARKER_HEADER = "X-Page-Cache"


def _stateless_visitor(request: StorefrontRequest, allowed_query: tuple[str, ...]) -> bool:
    """No cookie that could change what the page shows beyond the cookie banner.

    The CSRF and language cookies do not change it; the cookie-consent choice
    only hides the banner, so it picks one of two cached copies (see
    `cached_page`) instead of turning the cache off for everyone who chose.
    """
    harmless = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, CONSENT_COOKIE}
    return request.method == "GET" and set(request.GET) <= set(allowed_query) and set(request.COOKIES) <= harmless


def cached_page(
    request: StorefrontRequest,
    parts: tuple[object, ...],
    render: Callable[[], HttpResponse],
    *,
    query: tuple[str, ...] = (),
) -> HttpResponse:
    """`render()`, or the same page from the cache for a visitor without state.

    `parts` name the page (with every query value it depends on); only the
    query parameters in `query` may be present for the cache to be used.
    Only 200 answers are kept.
    """
    if not _stateless_visitor(request, query):
        return render()
    banner = "banner" if cookie_banner_needed(request) else "chosen"
    key = catalog_pages.page_key(request.store, ("page", banner, *parts))
    page = cache.get(key)
    if page is not None:
        response = HttpResponse(page.replace(_CSRF_SLOT, get_token(request)))
        response[_MARKER_HEADER] = "hit"
        return response
    response = render()
    if response.status_code == 200 and not response.streaming:
        text = response.content.decode(response.charset)
        cache.set(key, _CSRF_IN_PAGE.sub(rf"\g<1>{_CSRF_SLOT}\g<2>", text), catalog_pages.CACHE_TIMEOUT)
        response[_MARKER_HEADER] = "miss"
    return response
