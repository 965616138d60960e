"""The platform's privacy policy editor for operators (included by backoffice.urls under operators/policy/)."""

from django.urls import URLPattern, path

from shopwright.backoffice import policy_views as views

urlpatterns: list[URLPattern] = [
    path("", views.operator_policy, name="operator_policy"),
    path("publish/", views.operator_policy_publish, name="operator_policy_publish"),
    path("<int:version_id>/", views.operator_policy_version, name="operator_policy_version"),
]
