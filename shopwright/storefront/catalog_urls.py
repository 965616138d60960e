"""Storefront catalog URLs (included by storefront.urls; names live in the "storefront" namespace)."""

from django.urls import URLPattern, path

from shopwright.storefront import catalog_views

urlpatterns: list[URLPattern] = [
    path("", catalog_views.home, name="home"),
    path("collections/", catalog_views.collection_index, name="collections"),
    path("collections/<slug:handle>/", catalog_views.collection_detail, name="collection"),
    path("products/<slug:handle>/", catalog_views.product_detail, name="product"),
    path("sitemap.xml", catalog_views.sitemap, name="sitemap"),
    path("sitemap-<int:number>.xml", catalog_views.sitemap_file, name="sitemap_file"),
    path("robots.txt", catalog_views.robots, name="robots"),
]
