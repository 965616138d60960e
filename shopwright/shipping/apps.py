from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "shopwright.shipping"
    label = "shipping"
    verbose_name = "Shipping"
