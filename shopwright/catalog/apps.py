from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shopwright.catalog"
    label = "catalog"
    verbose_name = "Catalog"
