"""The test provider's hosted pages, mounted at /testpay/ on the platform host only."""

from django.urls import path

from shopwright.payments.testgateway import views

app_name = "testgateway"
urlpatterns = [
    path("<str:payment_id>/", views.pay, name="pay"),
    path("<str:payment_id>/authenticate/", views.authenticate, name="authenticate"),
]
