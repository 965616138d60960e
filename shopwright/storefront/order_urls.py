"""The buyer's order status page behind the link in the order emails (see order_views)."""

from django.urls import path

from shopwright.storefront import order_views

urlpatterns = [
    path("<str:token>/", order_views.order_status, name="order_status"),
]
