"""Checkout pages (included by storefront.urls under checkout/; names in the "storefront" namespace)."""

from django.urls import URLPattern, path

from shopwright.storefront import checkout_views

urlpatterns: list[URLPattern] = [
    path("", checkout_views.information, name="checkout"),
    path("shipping/", checkout_views.shipping, name="checkout_shipping"),
    path("review/", checkout_views.review, name="checkout_review"),
    path("place/", checkout_views.place, name="checkout_place"),
]
