"""The store's privacy policy and cookie consent pages (included by storefront.urls under privacy/)."""

from django.urls import URLPattern, path

from shopwright.storefront import consent_views as views

urlpatterns: list[URLPattern] = [
    path("policy/", views.policy_page, name="privacy_policy"),
    path("policy/v<int:version>/", views.policy_page, name="privacy_policy_version"),
    path("policy/accept/", views.policy_accept, name="privacy_policy_accept"),
    path("cookies/", views.cookie_settings, name="cookie_settings"),
    path("cookies/choice/", views.cookie_choice, name="cookie_choice"),
]
