"""The store's privacy policy editor (included by backoffice.urls under settings/privacy-policy/)."""

from django.urls import URLPattern, path

from shopwright.backoffice import policy_views as views

urlpatterns: list[URLPattern] = [
    path("", views.store_policy, name="store_policy"),
    path("publish/", views.store_policy_publish, name="store_policy_publish"),
    path("<int:version_id>/", views.store_policy_version, name="store_policy_version"),
]
