"""Absolute links for emails and API answers, built from PLATFORM_URL.

PLATFORM_URL is the platform site's public origin (scheme, domain and port);
a store's origin is the same with `<handle>.` before the domain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings

if TYPE_CHECKING:
    from shopwright.stores.models import Store


def platform_url(path: str = "/") -> str:
    return settings.PLATFORM_URL.rstrip("/") + path


def store_url(store: Store, path: str = "/") -> str:
    parts = urlsplit(settings.PLATFORM_URL)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{store.handle}.{settings.PLATFORM_DOMAIN}{port}{path}"
