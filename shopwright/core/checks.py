"""System checks that extend `check --deploy` with our own headers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def content_security_policy(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if "shopwright.core.security.ContentSecurityPolicyMiddleware" not in settings.MIDDLEWARE:
        errors.append(checks.Warning("Content-Security-Policy middleware is not installed.", id="shopwright.W001"))
    if "'unsafe-inline'" in getattr(settings, "CONTENT_SECURITY_POLICY", "") and "script-src" in getattr(
        settings, "CONTENT_SECURITY_POLICY", ""
    ):
        errors.append(checks.Warning("CONTENT_SECURITY_POLICY allows inline scripts.", id="shopwright.W002"))
    if len(settings.SHOPWRIGHT_DATA_KEYS) == 0:
        errors.append(checks.Error("SHOPWRIGHT_DATA_KEYS is empty.", id="shopwright.E001"))
    return errors
