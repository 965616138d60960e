"""The customer's address book (included by storefront.urls under account/addresses/)."""

from django.urls import URLPattern, path

from shopwright.storefront import address_views

urlpatterns: list[URLPattern] = [
    path("", address_views.address_list, name="addresses"),
    path("new/", address_views.address_new, name="address_new"),
    path("<int:address_id>/", address_views.address_edit, name="address_edit"),
    path("<int:address_id>/delete/", address_views.address_delete, name="address_delete"),
    path("<int:address_id>/default/", address_views.address_default, name="address_default"),
]
