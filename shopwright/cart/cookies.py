"""The visitor's cart cookie, and cookies set from places that never see the response.

The cookie holds, signed (django.core.signing, its own salt): the store id, a
random secret and the cart's item count. The database keeps only the
secret's SHA-256 (`Cart.token_hash`), so a database leak does not hand out
carts; the count lets the header show "Cart (3)" without a query.

A signal receiver (the merge at sign-in) has the request but not the
response: it queues a cookie change on the request with `cookie_set_later` /
`cookie_delete_later`, and `cart.middleware.PendingCookiesMiddleware` (or a
cart view, through `apply_pending_cookies`) writes it on the response.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponseBase

CART_COOKIE = "sw_cart"
CART_COOKIE_MAX_AGE = 60 * 60 * 24 * 30
_CART_SALT = "shopwright.cart.visitor-cookie"
# token_urlsafe(32) gives 43 characters; anything far off is not ours.
_SECRET_MIN, _SECRET_MAX = 40, 64
_PENDING_ATTR = "_shopwright_pending_cookies"
_READ_ATTR = "_shopwright_cart_cookies_read"


@dataclass(frozen=True)
class VisitorCartCookie:
    secret: str
    count: int


def new_cart_secret() -> str:
    return secrets.token_urlsafe(32)


def cart_token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def cart_secret_plausible(secret: str) -> bool:
    return _SECRET_MIN <= len(secret) <= _SECRET_MAX and secret.isascii()


def read_cart_cookie(request: HttpRequest, *, store_id: int) -> VisitorCartCookie | None:
    """The visitor's cart cookie for this store, or None when absent, tampered with, expired or foreign.

    Checked once per request and value (the signature check is the costly part): an add reads it
    for the shopper and again for the count it answers.
    """
    raw = cookie_value_now(request, CART_COOKIE)
    if not raw:
        return None
    seen: dict[tuple[str, int], VisitorCartCookie | None] | None = getattr(request, _READ_ATTR, None)
    if seen is None:
        seen = {}
        setattr(request, _READ_ATTR, seen)
    key = (raw, store_id)
    if key not in seen:
        seen[key] = _parse_cart_cookie(raw, store_id=store_id)
    return seen[key]


def _parse_cart_cookie(raw: str, *, store_id: int) -> VisitorCartCookie | None:
    data = _loads(raw, salt=_CART_SALT, max_age=CART_COOKIE_MAX_AGE)
    if not isinstance(data, dict) or data.get("st") != store_id:
        return None
    secret, count = data.get("s"), data.get("n")
    if not isinstance(secret, str) or not cart_secret_plausible(secret):
        return None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        count = 0
    return VisitorCartCookie(secret=secret, count=count)


def cart_cookie_value(*, store_id: int, secret: str, count: int) -> str:
    return signing.dumps({"st": store_id, "s": secret, "n": count}, salt=_CART_SALT)


def _loads(raw: str, *, salt: str, max_age: int) -> Any:
    try:
        return signing.loads(raw, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, UnicodeError):
        # BadSignature covers expiry too; a value that decodes oddly is as good as a forged one.
        return None


def read_signed_cookie(request: HttpRequest, *, name: str, salt: str, max_age: int) -> Any:
    """The value of a cookie written with `signed_cookie_value`, or None when absent or not ours."""
    raw = cookie_value_now(request, name)
    return _loads(raw, salt=salt, max_age=max_age) if raw else None


def signed_cookie_value(value: Any, *, salt: str) -> str:
    return signing.dumps(value, salt=salt)


# --- cookie changes queued on the request ------------------------------------------------------


@dataclass(frozen=True)
class _PendingCookie:
    value: str | None  # None: delete
    max_age: int


def cookie_set_later(request: HttpRequest, name: str, value: str, *, max_age: int) -> None:
    _pending(request)[name] = _PendingCookie(value=value, max_age=max_age)


def cookie_delete_later(request: HttpRequest, name: str) -> None:
    _pending(request)[name] = _PendingCookie(value=None, max_age=0)


def cookie_value_now(request: HttpRequest, name: str) -> str | None:
    """The cookie's value as this request will leave it: a queued change wins over what the browser sent."""
    pending = _pending(request).get(name)
    if pending is not None:
        return pending.value
    return request.COOKIES.get(name)


def apply_pending_cookies(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Write the queued cookie changes on `response`; safe to call more than once."""
    for name, pending in _pending(request).items():
        if pending.value is None:
            response.delete_cookie(name, samesite="Lax")
        else:
            response.set_cookie(
                name,
                pending.value,
                max_age=pending.max_age,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
    return response


def _pending(request: HttpRequest) -> dict[str, _PendingCookie]:
    found: dict[str, _PendingCookie] | None = getattr(request, _PENDING_ATTR, None)
    if found is None:
        found = {}
        setattr(request, _PENDING_ATTR, found)
    return found
