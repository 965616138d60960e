from django.urls import include, path

from shopwright.platform import views

app_name = "platform"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", views.healthz, name="healthz"),
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("signup/resend/", views.resend_verification, name="resend_verification"),
    path("verify-email/<str:token>/", views.verify_email, name="verify_email"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
    path("privacy/", include("shopwright.platform.privacy_urls")),
]
