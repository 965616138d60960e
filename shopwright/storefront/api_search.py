"""Storefront search and suggestions (store host): the same search as the /search/ page.

Public and read-only. Results are the catalog API's product cards, so a
headless shop renders a search hit like any listed product. `corrected`
says what was searched instead when the query had a typo and found nothing
as typed.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from shopwright.catalog import search
from shopwright.core.api import ApiSchema, ErrorOut, require_store_host
from shopwright.storefront.api_catalog import PageOut, ProductCardOut, card_out
from shopwright.storefront.catalog_pages import card_view

router = Router(tags=["storefront search"])

ANSWERS = {400: ErrorOut, 404: ErrorOut}


class SearchQuery(ApiSchema):
    q: str = Field("", max_length=search.MAX_QUERY_LENGTH, description="What the visitor typed.")
    page: int = Field(1, ge=1, le=search.MAX_PAGE, description=f"{search.PAGE_SIZE} results per page.")


class SuggestQuery(ApiSchema):
    q: str = Field("", max_length=search.MAX_QUERY_LENGTH)


class SearchOut(ApiSchema):
    query: str
    corrected: str = Field(description='What was searched instead of a misspelt query ("linen shirt"), else "".')
    page: PageOut
    products: list[ProductCardOut] = Field(description="Best match first; empty when nothing matches.")


class SuggestionOut(ApiSchema):
    handle: str
    title: str
    url: str
    price: str = Field(description='The price as the storefront writes it: "$19.99", "From €12.00".')


class SuggestOut(ApiSchema):
    query: str
    suggestions: list[SuggestionOut]


@router.get("", response={200: SearchOut, **ANSWERS}, summary="Search the store's products")
def search_products(request: HttpRequest, query: Query[SearchQuery]) -> SearchOut:
    """Ranked by relevance (title first); prefixes and typos match. An empty query finds nothing.

    404 for a page past the end.
    """
    store = require_store_host(request)
    found = search.search_products(store=store, query=query.q, page=query.page)
    return SearchOut(
        query=found.query,
        corrected=found.corrected,
        page=PageOut(number=found.number, num_pages=found.num_pages, per_page=search.PAGE_SIZE, total=found.total),
        products=[card_out(request, store, card) for card in found.cards],
    )


@router.get("/suggest", response={200: SuggestOut, **ANSWERS}, summary="Suggestions while typing")
def suggest(request: HttpRequest, query: Query[SuggestQuery]) -> SuggestOut:
    """At most six products for what has been typed so far."""
    store = require_store_host(request)
    cards = search.search_suggestions(store=store, query=query.q)
    return SuggestOut(
        query=search.query_checked(query.q),
        suggestions=[
            SuggestionOut(
                handle=card.handle,
                title=card.title,
                url=request.build_absolute_uri(f"/products/{card.handle}/"),
                price=card_view(card, currency=store.currency).price_text,
            )
            for card in cards
        ],
    )
