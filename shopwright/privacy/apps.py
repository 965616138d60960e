from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "shopwright.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every installed app's privacy.py registers its part of the data map.
        autodiscover_modules("privacy")

        from django.contrib.auth.signals import user_logged_in

        from shopwright.customers.signals import customer_signed_in
        from shopwright.privacy.session_links import session_link_customer, session_link_user

        customer_signed_in.connect(session_link_customer, dispatch_uid="privacy.session_link_customer")
        user_logged_in.connect(session_link_user, dispatch_uid="privacy.session_link_user")

        from shopwright.customers.signals import customer_registered
        from shopwright.privacy.children import on_customer_registered

        customer_registered.connect(on_customer_registered, dispatch_uid="privacy.children.on_customer_registered")

        from shopwright.privacy import policies

        policies.connect_signals()
