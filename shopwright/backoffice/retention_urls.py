"""Retention settings, the age gate and closing the store (included at settings/retention/; "backoffice" names)."""

from django.urls import URLPattern, path

from shopwright.backoffice import retention_views as views

urlpatterns: list[URLPattern] = [
    path("", views.retention_settings, name="retention_settings"),
    path("age-gate/", views.retention_age_gate, name="retention_age_gate"),
    path("close-store/", views.store_close, name="store_close"),
]
