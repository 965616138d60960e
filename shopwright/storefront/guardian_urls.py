"""A guardian's answer to a child's account (included at privacy/guardian/ by storefront.urls)."""

from django.urls import URLPattern, path

from shopwright.storefront import guardian_views as views

urlpatterns: list[URLPattern] = [
    path("<str:token>/", views.guardian_consent, name="guardian_consent"),
]
