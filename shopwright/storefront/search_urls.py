"""Storefront search URLs (included by storefront.urls; names live in the "storefront" namespace)."""

from django.urls import URLPattern, path

from shopwright.storefront import search_views

urlpatterns: list[URLPattern] = [
    path("", search_views.search_page, name="search"),
    path("suggest/", search_views.suggest, name="search_suggest"),
]
