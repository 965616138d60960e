"""Small helpers about the incoming request."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address; behind a proxy in production, the first forwarded hop.

    X-Forwarded-For is only trusted when SECURE_PROXY_SSL_HEADER says a proxy
    is in front (production); otherwise a client could choose its own IP and
    dodge the login throttle.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            remote = forwarded.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 (an unknown client, not a bind address)
