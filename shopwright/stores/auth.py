"""Django authentication backend for platform users (used by the operator admin)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from shopwright.core.exceptions import ApplicationError
from shopwright.core.requests import client_ip
from shopwright.stores.models import User


class EmailBlindIndexBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        from shopwright.stores.services import merchant_authenticate

        email = kwargs.get("email") or username or ""
        try:
            return merchant_authenticate(
                email=email,
                password=password or "",
                ip=client_ip(request) if request else "0.0.0.0",  # noqa: S104
            )
        except ApplicationError:
            return None
