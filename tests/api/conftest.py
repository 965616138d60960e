"""Helpers for the REST API tests: JSON calls on a chosen host, error-shape checks, row counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from shopwright.core.tenancy import cross_store_access
from shopwright.stores.models import Membership, Store, User

PLATFORM = "localhost"
_UNSET = object()


@dataclass
class Api:
    """JSON requests against /api/v1/ through a Django test client."""

    client: Client

    def call(
        self,
        method: str,
        path: str,
        payload: Any = _UNSET,
        *,
        host: str = PLATFORM,
        token: str | None = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        **extra: Any,
    ):  # type: ignore[no-untyped-def]
        url = "/api/v1/" + path.lstrip("/")
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"HTTP_HOST": host, **extra}
        if method == "get":
            return self.client.get(url, **kwargs)
        data = raw if raw is not None else ("" if payload is _UNSET else json.dumps(payload))
        return getattr(self.client, method)(url, data=data, content_type=content_type, **kwargs)

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.call("get", path, **kw)

    def post(self, path: str, payload: Any = _UNSET, **kw: Any):  # type: ignore[no-untyped-def]
        return self.call("post", path, payload, **kw)

    def patch(self, path: str, payload: Any = _UNSET, **kw: Any):  # type: ignore[no-untyped-def]
        return self.call("patch", path, payload, **kw)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


def assert_error(response, status: int, field: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The response is the API's error shape with `status`; `field` (if given) has a message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        messages = body["fields"].get(field)
        assert messages, f"expected a message for {field!r}, got {body['fields']}"
        assert all(isinstance(m, str) and m for m in messages)
    return body


def account_rows() -> tuple[int, int, int]:
    """How many users, stores and memberships exist, across all stores (a test-only census)."""
    with cross_store_access("test census of every account row"):
        return User.objects.count(), Store.objects.count(), Membership.objects.count()
