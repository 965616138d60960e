from typing import Any

from django.conf import settings
from django.http import HttpRequest

from shopwright.core.requests import dev_outbox_visible


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "platform_name": settings.PLATFORM_NAME,
        "platform_domain": settings.PLATFORM_DOMAIN,
        "platform_url": settings.PLATFORM_URL,
        "current_store": getattr(request, "store", None),
        "show_dev_outbox": dev_outbox_visible(request),
    }
