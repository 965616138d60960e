"""Storefront catalog URLs (included by storefront.urls; names live in the "storefront" namespace)."""

from django.urls import URLPattern, path

from shopwright.storefront import catalog_views

urlpatterns: list[URLPattern] = [
    path("", catalog_views.home, name="home"),
]
