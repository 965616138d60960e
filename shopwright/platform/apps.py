from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "shopwright.platform"
    label = "platform"
    verbose_name = "Platform site"
