from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shopwright.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from shopwright.core import (
            address_data,
            checks,  # noqa: F401  (registers system checks)
        )

        address_data.install()
