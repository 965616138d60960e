from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "platform_name": settings.PLATFORM_NAME,
        "platform_domain": settings.PLATFORM_DOMAIN,
        "platform_url": settings.PLATFORM_URL,
        "current_store": getattr(request, "store", None),
        "dev_mode": settings.DEBUG and not settings.PRODUCTION,
    }
