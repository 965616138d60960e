"""One error family with stable machine codes.

Services raise `ApplicationError` (or a subclass); the API turns it into a
JSON 4xx with `code`, `message` and per-field messages, and views re-render
their form with the same messages. Django's ValidationError, Http404 and
PermissionDenied are mapped the same way by shopwright.api.
"""

from __future__ import annotations


class ApplicationError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str | None = None) -> ApplicationError:
        return cls(message, code=code, fields={field: [message]})


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class PermissionDeniedError(ApplicationError):
    status_code = 403
    code = "forbidden"


class AuthenticationFailed(ApplicationError):
    status_code = 401
    code = "authentication_failed"


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
