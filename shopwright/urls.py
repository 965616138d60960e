"""URLs of the platform host (localhost / PLATFORM_DOMAIN).

Store hosts use shopwright.storefront.urls; HostRoutingMiddleware chooses.
"""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from shopwright.api import api_urls

admin.site.site_header = "Shopwright operators"
admin.site.site_title = "Shopwright operators"

urlpatterns = [
    path("api/v1/", api_urls),
    path("office/", include("shopwright.backoffice.urls")),
    path("operators/", admin.site.urls),
    # The built-in test payment provider's hosted pages: outside every store's pages, like a real provider's.
    path("testpay/", include("shopwright.payments.testgateway.urls")),
    path("dev/outbox", RedirectView.as_view(url="/dev/outbox/", permanent=False)),
    path("", include("shopwright.platform.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
