"""Back-office order pages, under /office/orders/ (see order_views for who may do what)."""

from django.urls import path

from shopwright.backoffice import order_views

urlpatterns = [
    path("", order_views.order_list, name="order_list"),
    path("<int:number>/", order_views.order_detail, name="order_detail"),
    path("<int:number>/reveal/", order_views.order_reveal, name="order_reveal"),
    path("<int:number>/fulfil/", order_views.order_fulfil_view, name="order_fulfil"),
    path("<int:number>/refund/", order_views.order_refund_view, name="order_refund"),
    path("<int:number>/cancel/", order_views.order_cancel_view, name="order_cancel"),
]
