"""Privacy pages (see the including urls module for the prefix)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
