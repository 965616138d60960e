"""Pieces every API router shares: the error shape and request helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.schema import DjangoGetter
from ninja.security.base import AuthBase
from ninja.utils import check_csrf
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator

from shopwright.core.exceptions import NotFound

if TYPE_CHECKING:
    from shopwright.stores.models import Store


class ApiSchema(Schema):
    """The base of every API body, request or answer: ninja's Schema, validating plain data directly.

    Ninja's Schema hands every value to pydantic through its DjangoGetter, a
    Python wrapper that fetches each field as an attribute (and turns related
    managers into lists, calls callables, resolves dotted names): what a
    Django model instance needs. A request body parsed from JSON and an answer
    built from keyword arguments are plain dicts, and an answer handed back to
    ninja for the response is already an instance of its schema: pydantic
    validates both itself, to the same result, without a Python call per
    field. Anything else (a model instance, a dataclass) still goes through
    the getter.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        # The same name as ninja's validator: pydantic runs this one in its place.
        if type(values) is dict or isinstance(values, cls):
            return handler(values)
        if cls.model_config.get("extra") == "forbid" or cls.model_config.get("validate_assignment", False):
            handler(values)  # as ninja does: checks the getter cannot make
        return handler(DjangoGetter(values, cls, info.context))


class InputSchema(ApiSchema):
    """A request body: a JSON object, nothing else.

    Ninja's Schema reads fields as attributes of whatever it is given (it is
    built to serialise model instances), so without this a body such as
    `[1, 2]` or `"x"` would pass as an object with every optional field unset.
    """

    @model_validator(mode="before")
    @classmethod
    def _json_object_only(cls, value: Any) -> Any:
        raw = value._obj if isinstance(value, DjangoGetter) else value  # ninja wraps the input first
        if not isinstance(raw, dict):
            raise ValueError("The request body must be a JSON object.")
        return value


class ErrorOut(ApiSchema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class OkOut(ApiSchema):
    ok: bool = True


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def require_platform_host(request: HttpRequest) -> None:
    if getattr(request, "store", None) is not None:
        raise NotFound("This endpoint is served on the platform host, not on a store host.")


def require_store_host(request: HttpRequest) -> Store:
    store: Store | None = getattr(request, "store", None)
    if store is None:
        raise NotFound("This endpoint is served on a store host.")
    return store


class BearerRequest(HttpRequest):
    """A request a bearer authenticator accepted (annotations only): it keeps the token for logout to revoke."""

    api_token: str


def session_csrf_ok(request: HttpRequest) -> bool:
    """Session-authenticated writes need the CSRF token, like forms do."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    return check_csrf(request) is None


class SessionCookieAuth(AuthBase):
    """Authentication by the session cookie; writes must carry the CSRF token.

    Subclasses say which host they answer on (`check_host`, raising NotFound
    elsewhere) and who the session's principal is (`principal`).
    """

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = "sessionid"

    def __init__(self) -> None:
        self.param_name = "sessionid"
        super().__init__()

    def check_host(self, request: HttpRequest) -> None:
        raise NotImplementedError

    def principal(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def __call__(self, request: HttpRequest) -> Any:
        self.check_host(request)
        principal = self.principal(request)
        if principal is None:
            return None
        return principal if session_csrf_ok(request) else None
