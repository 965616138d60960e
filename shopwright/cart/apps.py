from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "shopwright.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self) -> None:
        from shopwright.cart.receivers import merge_visitor_cart
        from shopwright.customers.signals import customer_signed_in

        customer_signed_in.connect(merge_visitor_cart, dispatch_uid="cart.merge_visitor_cart")
