from django.urls import include, path

from shopwright.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stores/switch/", views.store_switch, name="store_switch"),
    path("stores/new/", views.store_new, name="store_new"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:membership_id>/role/", views.staff_role, name="staff_role"),
    path("staff/<int:membership_id>/reveal/", views.staff_reveal, name="staff_reveal"),
    path("audit/", views.audit_log, name="audit"),
    path("account/activity/", views.account_activity, name="account_activity"),
    path("account/privacy/", include("shopwright.backoffice.account_privacy_urls")),
    path("catalog/import/", include("shopwright.backoffice.import_urls")),
    path("catalog/", include("shopwright.backoffice.catalog_urls")),
    path("orders/", include("shopwright.backoffice.order_urls")),
    path("settings/shipping/", include("shopwright.backoffice.shipping_urls")),
    path("settings/taxes/", include("shopwright.backoffice.tax_urls")),
    path("settings/payments/", include("shopwright.backoffice.payment_urls")),
    path("settings/privacy-policy/", include("shopwright.backoffice.policy_urls")),
    path("settings/retention/", include("shopwright.backoffice.retention_urls")),
    path("privacy/requests/", include("shopwright.backoffice.privacy_request_urls")),
    path("operators/privacy/", include("shopwright.backoffice.operator_privacy_urls")),
    path("operators/purges/", include("shopwright.backoffice.operator_retention_urls")),
    path("operators/policy/", include("shopwright.backoffice.operator_policy_urls")),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
