"""The personal center's Privacy page (included by storefront.urls under account/privacy/)."""

from django.urls import URLPattern, path

from shopwright.storefront import account_privacy_views as views

urlpatterns: list[URLPattern] = [
    path("", views.privacy_page, name="account_privacy"),
    path("consents/", views.consent_switch, name="account_privacy_consent"),
    path("restriction/", views.restriction_switch, name="account_privacy_restriction"),
    path("requests/new/", views.request_new, name="account_privacy_new"),
    path("requests/<int:request_id>/", views.request_detail, name="account_privacy_request"),
    path("requests/<int:request_id>/password/", views.request_password, name="account_privacy_password"),
    path("requests/<int:request_id>/code/send/", views.request_code_send, name="account_privacy_code_send"),
    path("requests/<int:request_id>/code/", views.request_code, name="account_privacy_code"),
]
