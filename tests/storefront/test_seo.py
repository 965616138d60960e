"""What search engines and link previews read: canonical URLs, descriptions, Open Graph, JSON-LD, sitemap, robots."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

import pytest

from shopwright.storefront import catalog_views
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.storefront.catalog_helpers import add_image, html, make_collection, make_product_with_variants, visitor

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def store():
    return make_merchant(store_name="Linen House", store_handle="linen-house").store


def _meta(page: str, attribute: str, name: str) -> str | None:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    return match.group(1) if match else None


def _ld_json(page: str) -> dict[str, Any]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1, "one schema.org block"
    return json.loads(blocks[0])


def _canonical(page: str) -> str:
    links = re.findall(r'<link rel="canonical" href="([^"]+)">', page)
    assert len(links) == 1
    return links[0]


def test_product_page_has_canonical_description_open_graph_and_product_schema(store) -> None:
    product = make_product_with_variants(
        store,
        title="Linen shirt",
        handle="linen-shirt",
        vendor="Flax & Co",
        seo_description="A breathable shirt in washed linen.",
        options=[("Size", ["S", "M"])],
        variants=[
            {"option_values": ["S"], "sku": "LS-S", "price": "39.00", "stock_quantity": 0},
            {"option_values": ["M"], "sku": "LS-M", "price": "42.50", "stock_quantity": 4},
        ],
    )
    add_image(store, product, alt="The shirt")
    page = html(visitor(store).get("/products/linen-shirt/?utm_source=mail"))

    url = "http://linen-house.localhost:8000/products/linen-shirt/"
    assert _canonical(page) == url  # no query string
    assert _meta(page, "name", "description") == "A breathable shirt in washed linen."
    assert _meta(page, "property", "og:title") == "Linen shirt"
    assert _meta(page, "property", "og:type") == "product"
    assert _meta(page, "property", "og:url") == url
    assert re.fullmatch(r"http://linen-house\.localhost:8000/media/\S+\.jpg", _meta(page, "property", "og:image") or "")
    # The price shown first: the first variant that can be bought (M).
    assert _meta(page, "property", "product:price:amount") == "42.50"
    assert _meta(page, "property", "product:price:currency") == "USD"

    ld = _ld_json(page)
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "Product"
    assert ld["name"] == "Linen shirt"
    assert ld["description"] == "A breathable shirt in washed linen."
    assert ld["sku"] == "LS-M"
    assert ld["image"] and ld["image"][0].startswith("http://linen-house.localhost:8000/media/")
    assert ld["brand"] == {"@type": "Brand", "name": "Flax & Co"}
    offers = {o["sku"]: o for o in ld["offers"]}
    assert offers["LS-S"]["price"] == "39.00" and offers["LS-S"]["priceCurrency"] == "USD"
    assert offers["LS-S"]["availability"] == "https://schema.org/OutOfStock"
    assert offers["LS-M"]["availability"] == "https://schema.org/InStock"


def test_description_falls_back_to_the_product_text_without_markup(store) -> None:
    make_product(
        store, title="Mug", handle="mug", description_html="<p>Stoneware <em>mug</em>, " + "glazed. " * 40 + "</p>"
    )
    description = _meta(html(visitor(store).get("/products/mug/")), "name", "description") or ""
    assert description.startswith("Stoneware mug, glazed.")
    assert "<" not in description and len(description) <= 160


def test_json_ld_cannot_be_closed_by_a_title(store) -> None:
    title = "Mug </script><script>alert(1)</script>"
    make_product(store, title=title, handle="mug")
    page = html(visitor(store).get("/products/mug/"))
    assert "<script>alert(1)" not in page
    assert _ld_json(page)["name"] == title


def test_collection_canonical_drops_the_query_except_a_later_page(store) -> None:
    products = [make_product(store, title=f"Item {i}") for i in range(30)]
    make_collection(store, "Shirts", handle="shirts", products=products)
    first = html(visitor(store).get("/collections/shirts/?sort=price-asc&ref=ad"))
    second = html(visitor(store).get("/collections/shirts/?page=2&sort=newest"))
    assert _canonical(first) == "http://linen-house.localhost:8000/collections/shirts/"
    assert _canonical(second) == "http://linen-house.localhost:8000/collections/shirts/?page=2"


# --- sitemap and robots ------------------------------------------------------------------------


def _sitemap(response) -> ElementTree.Element:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(b"".join(response.streaming_content))  # noqa: S314 (our own answer, in a test)


def test_sitemap_lists_home_published_collections_and_products_with_lastmod(store) -> None:
    other = make_merchant().store
    shirt = make_product(store, title="Shirt", handle="shirt")
    make_product(store, title="Draft", handle="draft", status="draft")
    make_product(other, title="Elsewhere", handle="elsewhere")
    make_collection(store, "Summer", handle="summer", products=[shirt])
    make_collection(store, "Hidden", handle="hidden", is_published=False)
    root = _sitemap(visitor(store).get("/sitemap.xml"))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    urls = {u.findtext("sm:loc", namespaces=SITEMAP_NS): u.findtext("sm:lastmod", namespaces=SITEMAP_NS) for u in root}
    base = "http://linen-house.localhost:8000"
    assert set(urls) == {f"{base}/", f"{base}/collections/summer/", f"{base}/products/shirt/"}
    assert all(lastmod and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", lastmod) for lastmod in urls.values())


def test_a_large_sitemap_becomes_an_index_of_files(store, monkeypatch) -> None:
    monkeypatch.setattr(catalog_views, "SITEMAP_MAX_URLS", 2)
    for i in range(3):
        make_product(store, title=f"Item {i}", handle=f"item-{i}")
    index = _sitemap(visitor(store).get("/sitemap.xml"))
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    files = [s.findtext("sm:loc", namespaces=SITEMAP_NS) for s in index]
    assert files == [f"http://linen-house.localhost:8000/sitemap-{n}.xml" for n in (1, 2)]
    listed = []
    for n in (1, 2):
        part = _sitemap(visitor(store).get(f"/sitemap-{n}.xml"))
        listed += [u.findtext("sm:loc", namespaces=SITEMAP_NS) for u in part]
    assert len(listed) == 4 and len(set(listed)) == 4  # home + 3 products, each once
    assert visitor(store).get("/sitemap-3.xml").status_code == 404


def test_numbered_sitemap_files_do_not_exist_for_a_small_store(store) -> None:
    assert visitor(store).get("/sitemap-1.xml").status_code == 404


def test_robots_allows_all_but_private_pages_and_points_at_the_sitemap(store) -> None:
    response = visitor(store).get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    for path in ("/cart/", "/account/", "/search/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://linen-house.localhost:8000/sitemap.xml" in lines
