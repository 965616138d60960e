"""Storefront catalog pages: home, collections, products, sitemap and robots.

The catalog part of each page comes from `catalog_pages` (cached per store);
the templates add the per-visitor parts around it.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from shopwright.catalog import selectors
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.links import store_url
from shopwright.core.requests import StorefrontRequest
from shopwright.storefront import catalog_pages
from shopwright.storefront.page_cache import cached_page

# The sitemap protocol's limit of URLs per file; above it /sitemap.xml is an index of numbered files.
SITEMAP_MAX_URLS = 50_000


def _not_found(request: StorefrontRequest, exc: NotFound) -> HttpResponse:
    return render(request, "storefront/catalog_not_found.html", {"message": exc.message}, status=404)


def _bad_request(request: StorefrontRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "storefront/catalog_bad_request.html", {"message": exc.message}, status=400)


@require_safe
def home(request: StorefrontRequest) -> HttpResponse:
    def page() -> HttpResponse:
        parts = catalog_pages.home_parts(store=request.store)
        return render(request, "storefront/home.html", {"parts": parts})

    return cached_page(request, ("home",), page)


@require_safe
def collection_index(request: StorefrontRequest) -> HttpResponse:
    def page() -> HttpResponse:
        collections = catalog_pages.collection_list(store=request.store)
        canonical = store_url(request.store, "/collections/")
        context = {"collections": collections, "canonical": canonical}
        return render(request, "storefront/collection_list.html", context)

    return cached_page(request, ("collections",), page)


@require_safe
def collection_detail(request: StorefrontRequest, handle: str) -> HttpResponse:
    sort = request.GET.get("sort")
    try:
        # Parsed before the cache is asked: "?page=01", "?page=001", ... are one page, not one entry each.
        number = selectors.page_number_checked(request.GET.get("page"))
    except NotFound as exc:
        return _not_found(request, exc)
    except ApplicationError as exc:
        return _bad_request(request, exc)

    def page() -> HttpResponse:
        try:
            parts = catalog_pages.collection_parts(store=request.store, handle=handle, sort=sort, page=number)
        except NotFound as exc:
            return _not_found(request, exc)
        except ApplicationError as exc:
            return _bad_request(request, exc)
        return render(request, "storefront/collection.html", {"parts": parts, "path": request.path})

    return cached_page(request, ("collection", handle, sort, number), page, query=("sort", "page"))


@require_safe
def product_detail(request: StorefrontRequest, handle: str) -> HttpResponse:
    if "preview" not in request.GET:
        return cached_page(request, ("product", handle), lambda: _product_page(request, handle))
    return _product_page(request, handle)


def _product_page(request: StorefrontRequest, handle: str) -> HttpResponse:
    token = request.GET.get("preview")
    try:
        if token is None:
            parts = catalog_pages.product_parts(store=request.store, handle=handle)
        else:
            parts = catalog_pages.product_preview_parts(store=request.store, handle=handle, token=token)
    except NotFound as exc:
        return _not_found(request, exc)
    preview = token is not None and not parts.published
    response = render(request, "storefront/product.html", {"parts": parts, "preview": preview})
    if token is not None:
        # A preview link is a secret of the merchant: no shared cache keeps the page, no search engine lists it.
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response


# --- sitemap and robots ---------------------------------------------------------------------


def _urlset(request: StorefrontRequest, plan: selectors.SitemapPlan, offset: int) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    entries = selectors.sitemap_entries(store=request.store, plan=plan, offset=offset, limit=SITEMAP_MAX_URLS)
    for entry in entries:
        lastmod = f"<lastmod>{entry.lastmod.isoformat(timespec='seconds')}</lastmod>" if entry.lastmod else ""
        yield f"<url><loc>{escape(store_url(request.store, entry.path))}</loc>{lastmod}</url>\n"
    yield "</urlset>\n"


def _sitemap_index(request: StorefrontRequest, files: int) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    for number in range(1, files + 1):
        yield f"<sitemap><loc>{escape(store_url(request.store, f'/sitemap-{number}.xml'))}</loc></sitemap>\n"
    yield "</sitemapindex>\n"


def _sitemap_files(plan: selectors.SitemapPlan) -> int:
    return -(-plan.total // SITEMAP_MAX_URLS)


@require_safe
def sitemap(request: StorefrontRequest) -> StreamingHttpResponse:
    plan = selectors.sitemap_plan(store=request.store)
    files = _sitemap_files(plan)
    body = _urlset(request, plan, 0) if files <= 1 else _sitemap_index(request, files)
    return StreamingHttpResponse(body, content_type="application/xml; charset=utf-8")


@require_safe
def sitemap_file(request: StorefrontRequest, number: int) -> StreamingHttpResponse:
    """One file of a sitemap index (only a store with more than SITEMAP_MAX_URLS URLs has them)."""
    plan = selectors.sitemap_plan(store=request.store)
    files = _sitemap_files(plan)
    if files <= 1 or not 1 <= number <= files:
        raise Http404("There is no such sitemap file.")
    body = _urlset(request, plan, (number - 1) * SITEMAP_MAX_URLS)
    return StreamingHttpResponse(body, content_type="application/xml; charset=utf-8")


@require_safe
def robots(request: StorefrontRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Allow: /",
        # Pages of one visitor or of a query, not content: crawling them only costs the store.
        "Disallow: /cart/",
        "Disallow: /account/",
        "Disallow: /search/",
        "",
        f"Sitemap: {store_url(request.store, '/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
