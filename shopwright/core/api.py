"""Pieces every API router shares: the error shape and request helpers."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema
from ninja.utils import check_csrf

from shopwright.core.exceptions import NotFound


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class OkOut(Schema):
    ok: bool = True


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def require_platform_host(request: HttpRequest) -> None:
    if getattr(request, "store", None) is not None:
        raise NotFound("This endpoint is served on the platform host, not on a store host.")


def require_store_host(request: HttpRequest):  # type: ignore[no-untyped-def]
    store = getattr(request, "store", None)
    if store is None:
        raise NotFound("This endpoint is served on a store host.")
    return store


def session_csrf_ok(request: HttpRequest) -> bool:
    """Session-authenticated writes need the CSRF token, like forms do."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    return check_csrf(request) is None
