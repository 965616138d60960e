"""URLs of a store host (<handle>.PLATFORM_DOMAIN or a verified custom domain).

HostRoutingMiddleware selects this URLconf when the host names a live store.
"""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import URLPattern, URLResolver, include, path

from shopwright.api import api_urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api_urls),
    path("", include("shopwright.storefront.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
