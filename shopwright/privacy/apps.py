from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "shopwright.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every installed app's privacy.py registers its part of the data map.
        autodiscover_modules("privacy")
