from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "shopwright.storefront"
    label = "storefront"
    verbose_name = "Storefront"
