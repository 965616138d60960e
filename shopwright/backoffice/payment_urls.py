"""Back-office payment settings URLs (included at settings/payments/; names live in the "backoffice" namespace)."""

from django.urls import URLPattern, path

from shopwright.backoffice import payment_views

urlpatterns: list[URLPattern] = [
    path("", payment_views.payment_settings, name="payment_settings"),
]
