"""Storefront favourite URLs (included by storefront.urls; names live in the "storefront" namespace)."""

from django.urls import URLPattern, path

from shopwright.storefront import favourite_views

urlpatterns: list[URLPattern] = [
    path("", favourite_views.favourites_page, name="favourites"),
    path("<int:product_id>/add/", favourite_views.favourite_add, name="favourite_add"),
    path("<int:product_id>/remove/", favourite_views.favourite_remove, name="favourite_remove"),
]
