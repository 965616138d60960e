"""Storefront search pages: /search/ (results, or popular products) and /search/suggest/ (the header's dropdown).

Both work without JavaScript: the header's search box is a plain GET form
to /search/; search.js only adds the suggestions under it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from shopwright.catalog import search, selectors
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.requests import StorefrontRequest
from shopwright.storefront.catalog_pages import cards_by_id


def _page_url(query: str, number: int) -> str:
    params = {"q": query, **({"page": str(number)} if number > 1 else {})}
    return "/search/?" + urlencode(params)


@require_safe
def search_page(request: StorefrontRequest) -> HttpResponse:
    """Results as the catalog pages' cached cards (one cache read), around the visitor's own favourite buttons."""
    typed = request.GET.get("q", "")
    store = request.store
    try:
        number = selectors.page_number_checked(request.GET.get("page"))
        result = search.search_hits(store=store, query=typed, page=number)
    except NotFound as exc:
        return render(request, "storefront/catalog_not_found.html", {"message": exc.message}, status=404)
    except ApplicationError as exc:
        context: dict[str, Any] = {"error": exc.message, "search_query": typed, "popular": []}
        return render(request, "storefront/search.html", context, status=400)
    cards = cards_by_id(store=store, ids=result.ids)
    popular = [] if cards else cards_by_id(store=store, ids=search.popular_product_ids(store=store))
    context = {
        "result": result,
        "search_query": result.query,
        "cards": cards,
        "popular": popular,
        "previous_url": _page_url(result.query, result.number - 1) if result.has_previous else "",
        "next_url": _page_url(result.query, result.number + 1) if result.has_next else "",
    }
    return render(request, "storefront/search.html", context)


@require_safe
def suggest(request: StorefrontRequest) -> HttpResponse:
    """An HTML fragment (a listbox of up to six products) for search.js; 400 for a query that is too long."""
    typed = request.GET.get("q", "")
    try:
        ids = search.suggestion_ids(store=request.store, query=typed)
    except ApplicationError as exc:
        return render(request, "storefront/search_suggest.html", {"error": exc.message}, status=400)
    cards = [card.view for card in cards_by_id(store=request.store, ids=ids)]
    context = {"cards": cards, "search_query": search.query_checked(typed)}
    return render(request, "storefront/search_suggest.html", context)
