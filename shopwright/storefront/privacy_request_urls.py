"""The public privacy request pages (included by storefront.urls under privacy/requests/)."""

from django.urls import URLPattern, path

from shopwright.storefront import privacy_request_views as views

urlpatterns: list[URLPattern] = [
    path("", views.contact, name="privacy_contact"),
    path("verify/<str:token>/", views.verify, name="privacy_verify"),
    path("agent/<str:token>/", views.agent_confirm, name="privacy_agent"),
    path("download/<str:token>/", views.download, name="privacy_download"),
]
