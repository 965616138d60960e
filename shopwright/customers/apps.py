from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "shopwright.customers"
    label = "customers"
    verbose_name = "Store customers"
