"""Back-office catalog URLs (included by backoffice.urls; names live in the "backoffice" namespace)."""

from django.urls import URLPattern, path

from shopwright.backoffice import catalog_views as views

urlpatterns: list[URLPattern] = [
    path("products/", views.product_list, name="catalog_product_list"),
    path("products/new/", views.product_new, name="catalog_product_new"),
    path("products/<int:product_id>/", views.product_edit, name="catalog_product_edit"),
    path("products/<int:product_id>/delete/", views.product_delete, name="catalog_product_delete"),
    path("products/<int:product_id>/images/", views.product_images_upload, name="catalog_product_images"),
    path(
        "products/<int:product_id>/images/manage/",
        views.product_images_manage,
        name="catalog_product_images_manage",
    ),
    path("collections/", views.collection_list, name="catalog_collection_list"),
    path("collections/new/", views.collection_new, name="catalog_collection_new"),
    path("collections/<int:collection_id>/", views.collection_edit, name="catalog_collection_edit"),
    path(
        "collections/<int:collection_id>/products/",
        views.collection_products,
        name="catalog_collection_products",
    ),
    path("collections/<int:collection_id>/delete/", views.collection_delete, name="catalog_collection_delete"),
]
