"""Storefront pages; mounted by shopwright.store_urls."""

from django.urls import path

from shopwright.storefront import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("account/register/", views.register, name="register"),
    path("account/login/", views.login_view, name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path("account/profile/", views.profile, name="profile"),
    path("account/settings/", views.settings_view, name="settings"),
    path("account/password-reset/", views.password_reset_request, name="password_reset"),
    path("account/password-reset/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
]
