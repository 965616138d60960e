"""Queueing transactional email.

`email_queue` renders the message from templates at once (so a later change
of data does not change a message already promised), stores it encrypted and
hands its id to a job after the transaction commits: a rolled-back write
never sends a mail, and the job store never holds an address or a body.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from shopwright.core.compiled import CompiledRead
from shopwright.core.crypto import blind_index
from shopwright.core.models import Email

if TYPE_CHECKING:
    from shopwright.stores.models import Store


def email_queue(*, kind: str, to: str, context: dict[str, Any], store: Store | None = None) -> Email:
    """Render `emails/<kind>.{txt,html}` and `emails/<kind>_subject.txt` and queue it."""
    context = {"platform_name": settings.PLATFORM_NAME, "store": store, **context}
    subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
    body_text = render_to_string(f"emails/{kind}.txt", context)
    body_html = render_to_string(f"emails/{kind}.html", context)
    email = Email.objects.create(
        store_id=getattr(store, "pk", None),
        kind=kind,
        to=to,
        to_index=blind_index(to),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    )
    from shopwright.core.tasks import email_deliver_task

    transaction.on_commit(lambda: email_deliver_task(email.pk))
    return email


class EmailDeliveryFailed(Exception):
    """A delivery attempt failed; the job is retried with back-off."""


def email_deliver(*, email_id: int) -> Email | None:
    """Send one queued email through the configured backend. Idempotent."""
    email = _EMAIL_BY_ID.first(pk=email_id)
    if email is None or email.status == Email.Status.SENT:
        return email
    store_name = None
    if email.store_id:
        from shopwright.stores.selectors import store_name_for_id

        store_name = store_name_for_id(store_id=email.store_id)
    from_email = settings.DEFAULT_FROM_EMAIL
    if store_name:
        from_email = store_sender(store_name)
    message = EmailMultiAlternatives(subject=email.subject, body=email.body_text, from_email=from_email, to=[email.to])
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    email.attempts += 1
    try:
        message.send()
    except Exception as exc:
        email.status = Email.Status.FAILED
        email.save(update_fields=["attempts", "status"])
        # The job engine logs and retries on this; the SMTP error itself may
        # name the recipient, so only its type travels on.
        raise EmailDeliveryFailed(f"email #{email.pk} not delivered: {type(exc).__name__}") from None
    email.status = Email.Status.SENT
    email.sent_at = timezone.now()
    email.save(update_fields=["attempts", "status", "sent_at"])
    return email


# Every delivery job reads its message: compiled once (core.compiled).
_EMAIL_BY_ID = CompiledRead(lambda pk: Email.objects.filter(pk=pk).order_by()[:1], name="a queued email")


def store_sender(store_name: str) -> str:
    """The platform's sender address shown under the store's name.

    The name is quoted (and encoded) as a display name, so a store called
    `Evil <x@evil.test>, "Shop"` cannot add or replace an address.
    """
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    # A display name is one line; a newline would only be refused later.
    name = " ".join(store_name.split())
    return formataddr((name, address))


def outbox(*, limit: int = 50) -> list[Email]:
    return list(Email.objects.order_by("-created_at", "-id")[:limit])
