"""Storefront cart URLs (included by storefront.urls; names live in the "storefront" namespace)."""

from django.urls import URLPattern, path

from shopwright.storefront import cart_views

urlpatterns: list[URLPattern] = [
    path("", cart_views.cart_page, name="cart"),
    path("add/", cart_views.cart_add, name="cart_add"),
    path("lines/<int:line_id>/", cart_views.cart_line_update, name="cart_line_update"),
    path("lines/<int:line_id>/remove/", cart_views.cart_line_remove, name="cart_line_remove"),
]
