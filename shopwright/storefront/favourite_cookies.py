"""A visitor's favourites: up to 100 product ids of this store in a signed cookie, newest first.

Signed (its own salt) and bound to the store id, so a visitor cannot plant
ids that another store's pages would trust; every id is still checked
against the store's published products when the list is shown.
"""

from __future__ import annotations

from django.http import HttpRequest

from shopwright.cart.cookies import cookie_set_later, read_signed_cookie, signed_cookie_value

FAVOURITES_COOKIE = "sw_favourites"
FAVOURITES_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
MAX_VISITOR_FAVOURITES = 100
_SALT = "shopwright.storefront.favourites-cookie"


def read_favourite_ids(request: HttpRequest, *, store_id: int) -> list[int]:
    """The ids in the visitor's cookie (newest first); [] when absent, tampered with or another store's."""
    data = read_signed_cookie(request, name=FAVOURITES_COOKIE, salt=_SALT, max_age=FAVOURITES_COOKIE_MAX_AGE)
    if not isinstance(data, dict) or data.get("st") != store_id or not isinstance(data.get("ids"), list):
        return []
    ids: list[int] = []
    for value in data["ids"]:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0 and value not in ids:
            ids.append(value)
    return ids[:MAX_VISITOR_FAVOURITES]


def keep_favourite_ids(request: HttpRequest, *, store_id: int, ids: list[int]) -> None:
    """Queue the new cookie (written by the view or cart.middleware.PendingCookiesMiddleware)."""
    value = signed_cookie_value({"st": store_id, "ids": ids[:MAX_VISITOR_FAVOURITES]}, salt=_SALT)
    cookie_set_later(request, FAVOURITES_COOKIE, value, max_age=FAVOURITES_COOKIE_MAX_AGE)
