"""Back-office shipping settings URLs (included at settings/shipping/; names live in the "backoffice" namespace)."""

from django.urls import URLPattern, path

from shopwright.backoffice import shipping_views as views

urlpatterns: list[URLPattern] = [
    path("", views.shipping_settings, name="shipping_settings"),
    path("zones/new/", views.shipping_zone_new, name="shipping_zone_new"),
    path("zones/<int:zone_id>/", views.shipping_zone_edit, name="shipping_zone_edit"),
    path("zones/<int:zone_id>/delete/", views.shipping_zone_delete, name="shipping_zone_delete"),
    path("zones/<int:zone_id>/methods/new/", views.shipping_method_new, name="shipping_method_new"),
    path("methods/<int:method_id>/", views.shipping_method_edit, name="shipping_method_edit"),
    path("methods/<int:method_id>/delete/", views.shipping_method_delete, name="shipping_method_delete"),
]
