"""Response headers Django 5.2 does not set by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response


def allow_form_targets(response: HttpResponse, urls: Iterable[str]) -> HttpResponse:
    """Widen this answer's `form-action` to the origins of `urls` (empty ones skipped).

    Browsers apply `form-action` to where a form's answer redirects too, so
    a page whose form is answered by a 303 to another site (a payment
    provider's page, or back to the store from it) must name that origin.
    """
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    extra = "".join(f" {origin}" for origin in dict.fromkeys(origins))
    response.headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self'{extra}"
    )
    return response
