"""A merchant's own Privacy page (included by backoffice.urls under account/privacy/)."""

from django.urls import URLPattern, path

from shopwright.backoffice import privacy_request_views as views

urlpatterns: list[URLPattern] = [
    path("", views.own_privacy, name="own_privacy"),
    path("requests/new/", views.own_request_new, name="own_privacy_new"),
    path("requests/<int:request_id>/", views.own_request, name="own_privacy_request"),
    path("download/<str:token>/", views.own_download, name="own_privacy_download"),
]
