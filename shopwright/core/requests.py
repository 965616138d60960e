"""Small helpers about the incoming request."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store, User

UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 (an unknown client, not a bind address)


# The request classes below are for annotations only: Django builds plain
# requests, and the middleware sets these attributes on each of them.


class StoreRequest(HttpRequest):
    """Any request, as HostRoutingMiddleware and CustomerMiddleware leave it.

    `store` is None on the platform host; `customer` is None when signed out,
    and always on the platform host.
    """

    store: Store | None
    customer: Customer | None


class StorefrontRequest(StoreRequest):
    """A request to a store host's URLconf, which HostRoutingMiddleware picks only for a live store."""

    store: Store


class CustomerRequest(StorefrontRequest):
    """A storefront request from a signed-in customer (a view behind `customer_required`)."""

    customer: Customer


class AuthenticatedRequest(StoreRequest):
    """A platform request from a signed-in user (a view behind `login_required`)."""

    user: User


def client_ip(request: HttpRequest) -> str:
    """The client address, as seen by the outermost of our own proxies.

    Each proxy appends the address it received the request from to
    X-Forwarded-For, after whatever the client sent. With TRUSTED_PROXY_COUNT
    = N the client is therefore the N-th entry from the right; entries further
    left are chosen by the client and never used (else a client could pick its
    own IP and dodge the login throttle). With N = 0 (development, tests) the
    header is ignored and the socket peer (REMOTE_ADDR) is the client; so it is
    when the header has fewer than N entries.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted > 0:
        entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(entries) >= trusted and entries[-trusted]:
            remote = entries[-trusted]
    return _normalise(remote)


def safe_next_path(request: HttpRequest, default: str) -> str:
    """A local path from `?next=`; anything a browser could read as another site ("//x", "/\\x") is ignored."""
    target = request.GET.get("next", "")
    local = target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    return target if local else default


def remote_addr_is_loopback(request: HttpRequest) -> bool:
    """Whether the socket peer (REMOTE_ADDR, never a forwarded header) is this machine."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "") or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def dev_outbox_visible(request: HttpRequest) -> bool:
    """The development outbox is shown only to a developer on this machine.

    It holds verification, reset and invitation links, so it needs a DEBUG
    development process without EMAIL_URL and a browser on this machine (the
    socket peer, not X-Forwarded-For).
    """
    return bool(
        settings.DEBUG
        and not settings.PRODUCTION
        and settings.SHOPWRIGHT_OUTBOX_ONLY
        and remote_addr_is_loopback(request)
    )


def _normalise(remote: str) -> str:
    """The address in canonical form; a port some proxies append is dropped."""
    remote = remote.strip()
    if remote.startswith("[") and "]" in remote:  # [2001:db8::1]:443
        remote = remote[1 : remote.index("]")]
    elif remote.count(":") == 1:  # 203.0.113.7:51234
        remote = remote.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return UNKNOWN_CLIENT
