from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "shopwright.cart"
    label = "cart"
    verbose_name = "Carts"
