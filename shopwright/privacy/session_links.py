"""Remembering which sessions belong to whom, and ending them (erasure, `subject_lock`).

Sessions live in the database or, with REDIS_URL, in the cache: ending one
goes through the configured session engine, so both are covered.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from shopwright.privacy.models import SessionLink


def session_link_customer(sender: Any, *, request: Any, customer: Any, **kwargs: Any) -> None:
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    SessionLink.objects.create(customer_id=customer.pk, session_key=key)


def session_link_user(sender: Any, *, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None or getattr(user, "pk", None) is None:
        return
    if not session.session_key:
        session.save()
    SessionLink.objects.create(user_id=user.pk, session_key=session.session_key)


def sessions_end(links: QuerySet[Any]) -> None:
    """End the sessions these links name, wherever the session engine keeps them."""
    engine = import_module(settings.SESSION_ENGINE)
    for key in links.values_list("session_key", flat=True):
        engine.SessionStore(session_key=key).delete()
