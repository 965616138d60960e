"""The store's privacy inbox (included by backoffice.urls under privacy/requests/)."""

from django.urls import URLPattern, path

from shopwright.backoffice import privacy_request_views as views

urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="privacy_inbox"),
    path("<int:request_id>/", views.detail, name="privacy_request"),
    path("<int:request_id>/reveal/", views.reveal, name="privacy_request_reveal"),
    path("<int:request_id>/<str:action>/", views.act, name="privacy_request_act"),
]
