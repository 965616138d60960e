"""The platform's privacy pages: its policy and the contact form for merchants' own data (platform.urls: privacy/)."""

from django.urls import URLPattern, path

from shopwright.platform import privacy_request_views as request_views
from shopwright.platform import privacy_views as views

urlpatterns: list[URLPattern] = [
    path("", views.platform_policy, name="privacy_policy"),
    path("v<int:version>/", views.platform_policy, name="privacy_policy_version"),
    path("accept/", views.platform_policy_accept, name="privacy_policy_accept"),
    path("requests/", request_views.contact, name="privacy_contact"),
    path("requests/verify/<str:token>/", request_views.verify, name="privacy_verify"),
    path("requests/agent/<str:token>/", request_views.agent_confirm, name="privacy_agent"),
]
