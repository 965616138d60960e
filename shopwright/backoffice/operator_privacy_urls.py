"""The operators' privacy inbox for merchants' own requests (included by backoffice.urls under operators/privacy/)."""

from django.urls import URLPattern, path

from shopwright.backoffice import privacy_request_views as views

urlpatterns: list[URLPattern] = [
    path("", views.operator_inbox, name="operator_privacy_inbox"),
    path("<int:request_id>/", views.operator_detail, name="operator_privacy_request"),
    path("<int:request_id>/reveal/", views.operator_reveal, name="operator_privacy_reveal"),
    path("<int:request_id>/<str:action>/", views.operator_act, name="operator_privacy_act"),
]
