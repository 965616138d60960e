"""Back-office tax settings URLs (included at settings/taxes/; names live in the "backoffice" namespace)."""

from django.urls import URLPattern, path

from shopwright.backoffice import tax_views as views

urlpatterns: list[URLPattern] = [
    path("", views.tax_settings, name="tax_settings"),
    path("prices/", views.tax_prices_include, name="tax_prices_include"),
    path("rates/new/", views.tax_rate_new, name="tax_rate_new"),
    path("rates/<int:rate_id>/", views.tax_rate_edit, name="tax_rate_edit"),
    path("rates/<int:rate_id>/delete/", views.tax_rate_delete, name="tax_rate_delete"),
]
