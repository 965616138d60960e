"""Children's accounts (F18, seed 5): a guardian's consent before an under-14 account works.

customers.services.customer_register applies the age gate: where the store
asks for the date of birth (Store.ask_date_of_birth), someone under
CHILD_AGE on the day of registration must give a guardian's email; the
account is created inactive with `guardian_consent_due_at` GUARDIAN_CONSENT_DAYS
ahead. Registration sends customers.signals.customer_registered, and
`on_customer_registered` (connected in privacy.apps) records the acceptance
of the store's privacy policy and, for a child, emails the guardian a
signed link (`guardian_request_send`).

The link opens a page (storefront.guardian_urls) that says what the account
holds and offers "I consent" / "I don't consent":
- consent: a ConsentRecord (purpose GUARDIAN, channel EMAIL_LINK, evidence
  the text shown) through consents.consent_grant, the account active,
  `guardian_consented_at` set; the link then stops working (its state
  changed);
- refusal: the account and its data are erased at once (erasure.subject_erase).
Without consent by the deadline the daily purge erases the account
(`children_erase_unconsented`).

Later, the guardian asks for correction or deletion through the privacy
request flow (privacy.requests, channel GUARDIAN): the page links to it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.emails import email_queue
from shopwright.core.exceptions import ApplicationError
from shopwright.core.links import store_url
from shopwright.core.models import Email
from shopwright.core.tenancy import cross_store_access
from shopwright.core.tokens import make_token, read_token, state_matches
from shopwright.customers.models import Customer
from shopwright.customers.services import CHILD_AGE, REGISTRATION_POLICY_TEXT, age_on
from shopwright.privacy.models import ConsentChannel, ConsentPurpose
from shopwright.privacy.retention import BATCH, GUARDIAN_CONSENT_DAYS
from shopwright.stores.models import Store

logger = logging.getLogger(__name__)

__all__ = [
    "CHILD_AGE",
    "age_on",
    "children_erase_unconsented",
    "guardian_consent_give",
    "guardian_consent_refuse",
    "guardian_consent_text",
    "guardian_link",
    "guardian_link_read",
    "guardian_request_send",
    "on_customer_registered",
    "store_ask_date_of_birth_set",
]

TOKEN_PURPOSE = "guardian-consent"  # noqa: S105 (a signing salt, not a secret)
TOKEN_MAX_AGE = GUARDIAN_CONSENT_DAYS * 24 * 60 * 60
INVALID_LINK = "This link is not valid any more: it was used already, it expired, or it was not complete."


def guardian_consent_text(*, store: Store) -> str:
    """The text the guardian reads and agrees to; stored as the consent's evidence."""
    return (
        f"I am the parent or legal guardian of the child who created this account at {store.name}. "
        f"I consent to {store.name} keeping the child's account: the name and email address given at "
        "registration, the date of birth, and, once the account is used, the addresses, orders, favourites "
        "and cart the child adds. The data is used only to run the account and the child's orders, is not "
        "used for marketing, and can be corrected or deleted at any time through the store's privacy requests."
    )


def _token_state(customer: Customer) -> str:
    due = customer.guardian_consent_due_at.isoformat() if customer.guardian_consent_due_at else ""
    consented = customer.guardian_consented_at.isoformat() if customer.guardian_consented_at else ""
    return f"{due}|{consented}|{customer.is_active}"


def guardian_link(customer: Customer) -> str:
    """The signed link in the guardian's email; it stops working once the guardian answered."""
    token = make_token(purpose=TOKEN_PURPOSE, subject_id=customer.pk, state=_token_state(customer))
    return store_url(customer.store, f"/privacy/guardian/{token}/")


def guardian_request_send(*, customer: Customer) -> None:
    """Queue the consent request to the guardian (after the caller's transaction commits)."""
    store = customer.store
    email_queue(
        kind="privacy_guardian_request",
        to=customer.guardian_email,
        context={
            "child_name": customer.name,
            "consent_url": guardian_link(customer),
            "due_at": customer.guardian_consent_due_at,
            "days": GUARDIAN_CONSENT_DAYS,
        },
        store=store,
    )


def on_customer_registered(sender: Any, *, customer: Customer, ip: str = "", **kwargs: Any) -> None:
    """customers.signals.customer_registered: the policy accepted at registration, and the guardian's request.

    Runs inside the registration's transaction: if it fails, no account is made.
    """
    from shopwright.privacy.consents import consent_grant

    store = customer.store
    consent_grant(
        purpose=ConsentPurpose.PRIVACY_POLICY,
        customer=customer,
        store=store,
        channel=ConsentChannel.REGISTRATION,
        evidence=REGISTRATION_POLICY_TEXT.format(store=store.name),
        actor=Actor.customer(customer),
    )
    if customer.guardian_consent_due_at is not None and customer.guardian_consented_at is None:
        guardian_request_send(customer=customer)
        audit_record(action="child.guardian_request", actor=Actor.system(), store=store, obj=customer, ip=ip or None)


def guardian_link_read(*, store: Store, token: str, lock: bool = False, now: datetime | None = None) -> Customer:
    """The child account a guardian link is for, at this store; ApplicationError (invalid_token) otherwise.

    Refused: a forged or tampered token, one older than GUARDIAN_CONSENT_DAYS,
    one whose account has been answered for (consented, refused and erased)
    or whose deadline has passed, and a link of another store.
    """
    now = now or timezone.now()
    read = read_token(token=token, purpose=TOKEN_PURPOSE, max_age_seconds=TOKEN_MAX_AGE)
    if read is None:
        raise ApplicationError(INVALID_LINK, code="invalid_token")
    customer_id, digest = read
    queryset = Customer.objects.filter(store=store, pk=customer_id)
    if lock:
        queryset = queryset.select_for_update()
    customer = queryset.first()
    if (
        customer is None
        or not state_matches(digest, _token_state(customer))
        or customer.guardian_consent_due_at is None
        or customer.guardian_consented_at is not None
        or customer.erasure_locked_at is not None
        or customer.guardian_consent_due_at <= now
    ):
        raise ApplicationError(INVALID_LINK, code="invalid_token")
    customer.store = store
    return customer


def guardian_consent_give(*, store: Store, token: str, ip: str = "") -> Customer:
    """The guardian consents: the consent is recorded with the text shown, and the account works from now on."""
    from shopwright.privacy.consents import consent_grant

    with transaction.atomic():
        customer = guardian_link_read(store=store, token=token, lock=True)
        now = timezone.now()
        customer.is_active = True
        customer.guardian_consented_at = now
        customer.save(update_fields=["is_active", "guardian_consented_at"])
        consent_grant(
            purpose=ConsentPurpose.GUARDIAN,
            customer=customer,
            store=store,
            channel=ConsentChannel.EMAIL_LINK,
            evidence=guardian_consent_text(store=store),
            actor=Actor.anonymous(),
        )
        audit_record(action="child.guardian_consent", actor=Actor.anonymous(), store=store, obj=customer, ip=ip)
    return customer


def _erase_child(customer: Customer, *, reason: str, actor: Actor, ip: str = "") -> None:
    from shopwright.privacy.erasure import subject_erase
    from shopwright.privacy.subjects import DataSubject

    store = customer.store
    guardian_index = crypto.blind_index(customer.guardian_email) if customer.guardian_email else ""
    child_name = customer.name
    subject_erase(DataSubject.for_customer(customer))
    if guardian_index:
        # The requests to the guardian about this child name it: they go with the account, sent or queued.
        # A brother's or sister's request to the same guardian names another child and stays.
        to_guardian = Email.objects.filter(store_id=store.pk, kind="privacy_guardian_request", to_index=guardian_index)
        about_child = [mail.pk for mail in to_guardian.only("pk", "body_text") if child_name in mail.body_text]
        Email.objects.filter(pk__in=about_child).delete()
    # After the erasure and without the account's id: the proof that it happened, linked to nobody.
    audit_record(action="child.erase", actor=actor, store=store, ip=ip or None, details={"reason": reason})


def guardian_consent_refuse(*, store: Store, token: str, ip: str = "") -> None:
    """The guardian refuses: the account and everything about it are erased now."""
    with transaction.atomic():
        customer = guardian_link_read(store=store, token=token, lock=True)
        _erase_child(customer, reason="guardian_refused", actor=Actor.anonymous(), ip=ip)


def children_erase_unconsented(*, now: datetime | None = None) -> int:
    """Erase every child account whose guardian did not consent by the deadline (the purge's step); how many."""
    now = now or timezone.now()
    done = 0
    after = 0
    while True:
        with cross_store_access("retention: children's accounts past the guardian's deadline, in every store"):
            ids = list(
                Customer.objects.filter(
                    guardian_consent_due_at__lte=now,
                    guardian_consented_at__isnull=True,
                    is_active=False,
                    pk__gt=after,
                )
                .order_by("pk")
                .values_list("store_id", "pk")[:BATCH]
            )
        if not ids:
            return done
        after = ids[-1][1]
        for store_id, customer_id in ids:
            with transaction.atomic():
                customer = (
                    Customer.objects.select_for_update()
                    .filter(store_id=store_id, pk=customer_id, guardian_consented_at__isnull=True)
                    .first()
                )
                if customer is None:
                    continue
                _erase_child(customer, reason="no_guardian_consent", actor=Actor.system())
                done += 1


def store_ask_date_of_birth_set(*, store: Store, actor: Actor, value: bool, ip: str = "") -> Store:
    """Turn the registration's date-of-birth question (the age gate) on or off; audited."""
    if store.ask_date_of_birth == value:
        return store
    with transaction.atomic():
        store.ask_date_of_birth = value
        store.save(update_fields=["ask_date_of_birth"])
        audit_record(
            action="store.ask_date_of_birth", actor=actor, store=store, obj=store, ip=ip, details={"value": value}
        )
    return store
