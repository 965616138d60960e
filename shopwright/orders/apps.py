from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shopwright.orders"
    label = "orders"
    verbose_name = "Orders"
