"""The platform's privacy policy pages (included by platform.urls under privacy/)."""

from django.urls import URLPattern, path

from shopwright.platform import privacy_views as views

urlpatterns: list[URLPattern] = [
    path("", views.platform_policy, name="privacy_policy"),
    path("v<int:version>/", views.platform_policy, name="privacy_policy_version"),
    path("accept/", views.platform_policy_accept, name="privacy_policy_accept"),
]
