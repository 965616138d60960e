"""Back-office catalog URLs (included by backoffice.urls; names live in the "backoffice" namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
