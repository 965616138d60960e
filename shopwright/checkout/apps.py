from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "shopwright.checkout"
    label = "checkout"
    verbose_name = "Checkout"
