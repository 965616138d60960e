"""The store as tenant: resolving it from the host, and guarding queries.

`HostRoutingMiddleware` sets `request.store` (None on the platform site) and
picks the URLconf: the platform's for the platform domain, the storefront's
for `<handle>.<PLATFORM_DOMAIN>` and for verified custom domains.

`TenantQueryGuard` is installed by the test suite around every database
connection: a SELECT, UPDATE or DELETE touching a tenant table without a
`store_id` condition fails the test, so a cross-store leak is caught when it
is written. Code that must work across stores on purpose (key rotation, the
operator console) wraps itself in `cross_store_access(reason)`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from shopwright.core.requests import StoreRequest

_local = threading.local()


def _split_host(request: HttpRequest) -> str:
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):  # [::1]:8000
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def platform_hosts() -> set[str]:
    hosts = {settings.PLATFORM_DOMAIN, f"www.{settings.PLATFORM_DOMAIN}", "127.0.0.1", "[::1]"}
    if settings.TESTING:
        hosts.add("testserver")
    return hosts


def store_handle_from_host(host: str) -> str | None:
    suffix = "." + settings.PLATFORM_DOMAIN
    if host.endswith(suffix):
        handle = host[: -len(suffix)]
        if handle and "." not in handle:
            return handle
    return None


# A DNS name (letters, digits, hyphens, dots) or a bracketed IPv6 address.
_HOST_RE = re.compile(r"[a-z0-9](?:[a-z0-9.\-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\]")
# Django's session keys are 32 characters of a-z and 0-9.
_SESSION_KEY_RE = re.compile(r"[a-z0-9]{8,64}")


def _drop_malformed_session_cookie(request: HttpRequest) -> None:
    """A forged session cookie (e.g. with a NUL byte) is ignored, not sent to the database."""
    name = settings.SESSION_COOKIE_NAME
    value = request.COOKIES.get(name)
    if value is not None and not _SESSION_KEY_RE.fullmatch(value):
        del request.COOKIES[name]


# What a closed store still answers until its customers' data is erased (privacy.closures): they can
# sign in, see, export, correct or delete their data, and use the privacy contact form (seed 1(10)4, 4).
CLOSED_STORE_PATHS = (
    "/privacy/",
    "/account/login/",
    "/account/logout/",
    "/account/privacy/",
    "/api/v1/storefront/privacy/",
)


# ... but not a guardian's consent: no child's account is activated in a closed store.
CLOSED_STORE_SHUT = ("/privacy/guardian/",)


def _open_for_privacy(store: Any, path: str) -> bool:
    return (
        store.status == "closed"
        and store.customer_data_erased_at is None
        and path.startswith(CLOSED_STORE_PATHS)
        and not path.startswith(CLOSED_STORE_SHUT)
    )


class HostRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from shopwright.stores.selectors import store_for_custom_domain_cached, store_for_handle_cached

        host = _split_host(request)
        routed = cast(StoreRequest, request)  # this middleware sets `store`
        routed.store = None
        if not _HOST_RE.fullmatch(host):
            return HttpResponseBadRequest("Malformed host.", content_type="text/plain")
        _drop_malformed_session_cookie(request)
        if host in platform_hosts():
            request.urlconf = "shopwright.urls"
            return self.get_response(request)

        handle = store_handle_from_host(host)
        # Remembered per process for a few seconds: most requests then need no query for it.
        store = store_for_handle_cached(handle=handle) if handle else store_for_custom_domain_cached(hostname=host)
        if store is None:
            if handle is None and not host.endswith("." + settings.PLATFORM_DOMAIN):
                return HttpResponseBadRequest("Unknown host.", content_type="text/plain")
            return render(request, "storefront/store_missing.html", status=404)
        if not store.is_live and not _open_for_privacy(store, request.path):
            return render(request, "storefront/store_not_open.html", {"store": store}, status=404)
        routed.store = store
        request.urlconf = "shopwright.store_urls"
        return self.get_response(request)


# --- the tenant guard -------------------------------------------------------


class CrossStoreQueryError(AssertionError):
    pass


def tenant_tables() -> set[str]:
    from shopwright.core.models import TenantModel

    return {m._meta.db_table for m in apps.get_models() if issubclass(m, TenantModel)}


@contextlib.contextmanager
def cross_store_access(reason: str) -> Iterator[None]:
    """Allow queries across stores inside this block; `reason` documents why."""
    previous = getattr(_local, "allowed", None)
    _local.allowed = reason
    try:
        yield
    finally:
        _local.allowed = previous


_TABLE_RE = re.compile(r'(?:FROM|JOIN|UPDATE|INTO)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
_CLAUSE_END = ("ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "RETURNING", "FOR UPDATE", "FOR NO KEY")
# `store_id = %s` or `store_id IN (%s, …)`: the store must be a parameter, not
# a column or a subquery (`store_id IN (SELECT id FROM stores_store)` is every store).
_STORE_CONDITION_RE = re.compile(
    r'^(?:"?[A-Za-z0-9_]+"?\.)?"?store_id"?\s*(?:=\s*%s|IN\s*\(\s*%s(?:\s*,\s*%s)*\s*\))$', re.IGNORECASE
)


def _top_level_where(sql: str) -> str | None:
    """The outermost statement's WHERE clause, or None when it has none."""
    upper = sql.upper()
    depth, start, i = 0, None, 0
    while i < len(sql):
        char = sql[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            if start is None and upper.startswith("WHERE", i) and _word_boundary(upper, i, 5):
                start = i + 5
            elif start is not None and any(
                upper.startswith(end, i) and _word_boundary(upper, i, len(end)) for end in _CLAUSE_END
            ):
                return sql[start:i]
        i += 1
    return sql[start:] if start is not None else None


def _word_boundary(text: str, at: int, length: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + length] if at + length < len(text) else " "
    return not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")


def _split_top_level(clause: str, keyword: str) -> list[str]:
    parts, depth, last, upper = [], 0, 0, clause.upper()
    for i, char in enumerate(clause):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and upper.startswith(keyword, i) and _word_boundary(upper, i, len(keyword)):
            parts.append(clause[last:i])
            last = i + len(keyword)
    parts.append(clause[last:])
    return [p.strip() for p in parts]


def _strip_parentheses(text: str) -> str:
    """Remove parentheses that wrap the whole expression."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and i < len(text) - 1:
                return text  # the first group closes before the end: not one wrapper
        text = text[1:-1].strip()
    return text


def _conjuncts(clause: str) -> list[str]:
    """The conditions that must all hold, or [] when the clause is a disjunction at the top."""
    clause = _strip_parentheses(clause)
    if len(_split_top_level(clause, "OR")) > 1:
        return []
    found: list[str] = []
    for part in _split_top_level(clause, "AND"):
        inner = _strip_parentheses(part)
        found.extend(_conjuncts(inner) if inner != part.strip() else [inner])
    return found


def has_store_filter(sql: str) -> bool:
    """True when the statement's own WHERE requires `store_id = %s` (or `IN (%s, …)`) of every row.

    A store condition that is only one side of an OR, only inside a
    subquery, compared with a column or a subquery, or a mere
    `store_id IS NOT NULL` does not count.
    """
    clause = _top_level_where(sql)
    return clause is not None and any(_STORE_CONDITION_RE.match(c) for c in _conjuncts(clause))


class TenantQueryGuard:
    """A connection execute-wrapper; see the module docstring."""

    def __init__(self) -> None:
        self.tables = tenant_tables()

    def check(self, sql: str) -> None:
        if getattr(_local, "allowed", None):
            return
        head = sql.lstrip()[:6].upper()
        if head not in {"SELECT", "UPDATE", "DELETE"}:
            return
        touched = {t for t in _TABLE_RE.findall(sql) if t in self.tables}
        if not touched:
            return
        if head == "DELETE" and _top_level_where(sql) is None:
            return  # a whole-table wipe: only the test runner's flush does that
        if not has_store_filter(sql):
            raise CrossStoreQueryError(
                f"query on tenant table(s) {sorted(touched)} without a store_id filter: {sql[:300]}"
            )

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.check(sql)
        return execute(sql, params, many, context)
