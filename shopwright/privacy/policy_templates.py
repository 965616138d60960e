"""Starting texts for privacy policies: a store's (its merchant edits it before publishing) and the platform's.

Plain English, in the order of the seed's Part Two: what is collected and
why, cookies, sharing, protection, rights, children, where data is stored,
changes, contact. The texts are templates (privacy/policy_template_*.txt);
the store's name, contact pages and data region are filled in, everything
else is the merchant's to adjust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string

from shopwright.core.links import platform_url, store_url

if TYPE_CHECKING:
    from shopwright.stores.models import Store

REGION_NAMES = {"local": "the platform's own data centre"}


def region_name(code: str) -> str:
    return REGION_NAMES.get(code, code)


def store_policy_template(store: Store) -> tuple[str, str]:
    """(title, body) of a first policy for this store, with its name, contact pages and data region filled in."""
    body = render_to_string(
        "privacy/policy_template_store.txt",
        {
            "store": store.name,
            "platform": settings.PLATFORM_NAME,
            "cookies_url": store_url(store, "/privacy/cookies/"),
            "requests_url": store_url(store, "/privacy/requests/"),
            "shop_url": store_url(store, "/"),
            "region": region_name(store.data_region),
        },
    )
    return f"Privacy policy of {store.name}", body.strip()


def platform_policy_template() -> tuple[str, str]:
    """(title, body) of a first platform policy."""
    body = render_to_string(
        "privacy/policy_template_platform.txt",
        {"platform": settings.PLATFORM_NAME, "platform_url": platform_url("/")},
    )
    return f"Privacy policy of {settings.PLATFORM_NAME}", body.strip()
