from django.contrib import admin

from shopwright.stores.models import Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("handle", "name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("handle", "name")
    readonly_fields = ("owner", "created_at", "went_live_at")
