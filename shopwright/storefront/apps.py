from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "shopwright.storefront"
    label = "storefront"
    verbose_name = "Storefront"

    def ready(self) -> None:
        from shopwright.customers.signals import customer_signed_in
        from shopwright.storefront.receivers import merge_visitor_favourites

        customer_signed_in.connect(merge_visitor_favourites, dispatch_uid="storefront.merge_visitor_favourites")
