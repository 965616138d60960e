"""The personal center's orders (see account_order_views)."""

from django.urls import path

from shopwright.storefront import account_order_views

urlpatterns = [
    path("", account_order_views.account_orders, name="account_orders"),
    path("<int:number>/", account_order_views.account_order, name="account_order"),
]
