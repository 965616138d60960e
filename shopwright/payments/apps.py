from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shopwright.payments"
    label = "payments"
    verbose_name = "Payments"
