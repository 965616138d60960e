"""The retention purge's reports for platform operators (included at operators/purges/)."""

from django.urls import URLPattern, path

from shopwright.backoffice import retention_views as views

urlpatterns: list[URLPattern] = [
    path("", views.operator_purges, name="operator_purges"),
]
