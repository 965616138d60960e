"""The buyer's payment-return page (see payment_views); mounted under /orders/ beside order_urls."""

from django.urls import path

from shopwright.storefront import payment_views

urlpatterns = [
    path("<str:token>/payment/", payment_views.order_payment, name="order_payment"),
]
