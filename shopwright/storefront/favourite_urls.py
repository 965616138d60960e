"""Storefront favourite URLs (included by storefront.urls; names live in the "storefront" namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
