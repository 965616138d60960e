"""Back-office import URLs (included by backoffice.urls; names live in the "backoffice" namespace)."""

from django.urls import URLPattern, path

from shopwright.backoffice import import_views as views

urlpatterns: list[URLPattern] = [
    path("", views.import_start, name="catalog_import"),
    path("export/", views.catalog_export, name="catalog_export"),
    path("<int:job_id>/", views.import_job, name="catalog_import_job"),
    path("<int:job_id>/progress/", views.import_job_progress, name="catalog_import_progress"),
    path("<int:job_id>/confirm/", views.import_job_confirm, name="catalog_import_confirm"),
    path("<int:job_id>/discard/", views.import_job_discard, name="catalog_import_discard"),
]
