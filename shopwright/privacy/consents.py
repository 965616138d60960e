"""Consents and the restriction of processing (F13, F20, seed 3 and 4).

A consent is never stored as a flag: every grant or withdrawal appends one
`ConsentRecord`, and the current state of a purpose is the latest record for
it (`consent_state`). Withdrawing is one call like granting and counts from
the moment it is written.

Whether the shop may process a subject's data for a purpose is
`processing_allowed`: the consent is granted, it was given under the current
major policy version (or the subject accepted that version since), the
subject has not restricted processing, and its account is not being erased.

The subject is one of: a store customer, a platform user (a merchant), or a
visitor known only by the random id kept in its consent cookie
(`visitor`, the raw id; only its SHA-256 is stored).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, PermissionDeniedError
from shopwright.privacy import policies
from shopwright.privacy.models import (
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PolicyVersion,
    ProcessingRestriction,
)

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store, User

# What a restriction of processing stops (seed 4: the data stays, its use for these ends).
RESTRICTED_PURPOSES = frozenset(
    {
        ConsentPurpose.MARKETING_EMAIL,
        ConsentPurpose.PERSONALISATION,
        ConsentPurpose.COOKIES_ANALYTICS,
        ConsentPurpose.COOKIES_MARKETING,
    }
)
# The purposes "withdraw all my consents" ends. Accepting the policy and a guardian's consent to a
# child's account are not consents to processing: ending them is a deletion request.
WITHDRAWABLE_PURPOSES = tuple(
    p for p in ConsentPurpose if p not in (ConsentPurpose.PRIVACY_POLICY, ConsentPurpose.GUARDIAN)
)


def visitor_hash(visitor: str) -> str:
    """The stored form of a visitor id from a consent cookie."""
    return hashlib.sha256(visitor.encode()).hexdigest()


def _subject_filter(
    *, customer: Customer | None, user: User | None, visitor: str | None, store: Store | None
) -> tuple[Q, int | None]:
    """The records of exactly one subject, and the id of the store its consents belong to."""
    given = [s for s in (customer, user, visitor) if s]
    if len(given) != 1:
        raise ApplicationError("A consent belongs to exactly one customer, user or visitor.", code="invalid_subject")
    if customer is not None:
        if store is not None and store.pk != customer.store_id:
            raise ApplicationError("This customer belongs to another store.", code="invalid_subject")
        return Q(customer_id=customer.pk), customer.store_id
    if user is not None:
        return Q(user_id=user.pk), store.pk if store is not None else None
    assert visitor is not None
    if store is None:
        raise ApplicationError("A visitor's consent is given at one store.", code="invalid_subject")
    return Q(store_id=store.pk, visitor_hash=visitor_hash(visitor), customer__isnull=True, user__isnull=True), store.pk


def _clean_purpose(purpose: str) -> ConsentPurpose:
    try:
        return ConsentPurpose(purpose)
    except ValueError:
        raise ApplicationError.for_field("purpose", "Unknown consent purpose.", code="invalid_purpose") from None


def _clean_channel(channel: str) -> ConsentChannel:
    try:
        return ConsentChannel(channel)
    except ValueError:
        raise ApplicationError.for_field("channel", "Unknown consent channel.", code="invalid_channel") from None


def _locked(customer: Customer | None, user: User | None) -> bool:
    subject = customer or user
    return bool(subject is not None and getattr(subject, "erasure_locked_at", None))


def _scope_policy(*, customer: Customer | None, user: User | None, store: int | None) -> PolicyVersion | None:
    """The policy a consent is given under: the store's for a customer or a visitor, the platform's for a user."""
    if user is not None:
        return policies.policy_current(None)
    return policies.policy_current(store)


def _record(
    *,
    granted: bool,
    purpose: str,
    customer: Customer | None,
    user: User | None,
    visitor: str | None,
    store: Store | None,
    channel: str,
    evidence: str,
    actor: Actor | None,
    policy_version: PolicyVersion | None = None,
) -> ConsentRecord:
    clean_purpose = _clean_purpose(purpose)
    clean_channel = _clean_channel(channel)
    _filter, scope_store = _subject_filter(customer=customer, user=user, visitor=visitor, store=store)
    if store is None and scope_store is not None and customer is not None:
        store = customer.store
    if _locked(customer, user):
        raise PermissionDeniedError("This account is being deleted; its consents can no longer change.", code="locked")
    if policy_version is None:
        policy_version = _scope_policy(customer=customer, user=user, store=scope_store)
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            store_id=scope_store,
            customer=customer,
            user=user,
            visitor_hash=visitor_hash(visitor) if visitor else "",
            purpose=clean_purpose.value,
            granted=granted,
            policy_version=policy_version,
            channel=clean_channel.value,
            evidence=evidence,
        )
        if customer is not None or user is not None:
            who = actor or (Actor.customer(customer) if customer is not None else Actor.user(user))  # type: ignore[arg-type]
            audit_record(
                action="privacy.consent_grant" if granted else "privacy.consent_withdraw",
                actor=who,
                store=store,
                obj=record,
                details={"purpose": clean_purpose.value, "channel": clean_channel.value},
            )
    return record


def consent_grant(
    *,
    purpose: str,
    customer: Customer | None = None,
    user: User | None = None,
    visitor: str | None = None,
    store: Store | None = None,
    channel: str,
    evidence: str = "",
    actor: Actor | None = None,
    policy_version: PolicyVersion | None = None,
) -> ConsentRecord:
    """Record that the subject consents to `purpose`, under the policy version now in force.

    `evidence` is the exact text the subject saw. `store` is needed for a
    visitor (the storefront it chose on) and ignored otherwise. `actor`
    defaults to the subject itself; the audit log gets an entry for
    customers and users (not for anonymous visitors). `policy_version`
    is given only by the policy banner (the version it showed).
    Raises ApplicationError for an unknown purpose, channel or subject, and
    PermissionDeniedError while the account is locked for erasure.
    """
    return _record(
        granted=True,
        purpose=purpose,
        customer=customer,
        user=user,
        visitor=visitor,
        store=store,
        channel=channel,
        evidence=evidence,
        actor=actor,
        policy_version=policy_version,
    )


def consent_withdraw(
    *,
    purpose: str,
    customer: Customer | None = None,
    user: User | None = None,
    visitor: str | None = None,
    store: Store | None = None,
    channel: str,
    evidence: str = "",
    actor: Actor | None = None,
) -> ConsentRecord:
    """Record that the subject withdraws its consent to `purpose`; it counts at once. Same arguments as grant."""
    return _record(
        granted=False,
        purpose=purpose,
        customer=customer,
        user=user,
        visitor=visitor,
        store=store,
        channel=channel,
        evidence=evidence,
        actor=actor,
    )


def consent_withdraw_all(
    *,
    customer: Customer | None = None,
    user: User | None = None,
    channel: str,
    evidence: str = "",
    actor: Actor | None = None,
) -> int:
    """Withdraw every consent to processing the subject has granted; returns how many were withdrawn.

    The policy acceptance and a guardian's consent stay (ending those is a
    deletion). A locked account (erasure under way) withdraws nothing: its
    records are about to go and nothing is processed meanwhile.
    """
    if _locked(customer, user):
        return 0
    state = consent_state(customer=customer, user=user)
    count = 0
    with transaction.atomic():
        for purpose in WITHDRAWABLE_PURPOSES:
            if state.get(purpose.value):
                consent_withdraw(
                    purpose=purpose, customer=customer, user=user, channel=channel, evidence=evidence, actor=actor
                )
                count += 1
    return count


def _latest_records(
    *, customer: Customer | None, user: User | None, visitor: str | None, store: Store | None
) -> dict[str, ConsentRecord]:
    subject, _scope = _subject_filter(customer=customer, user=user, visitor=visitor, store=store)
    latest: dict[str, ConsentRecord] = {}
    # Append-only and small per subject: the last record of each purpose wins.
    for record in ConsentRecord.objects.filter(subject).select_related("policy_version").order_by("created_at", "id"):
        latest[record.purpose] = record
    return latest


def consent_state(
    *,
    customer: Customer | None = None,
    user: User | None = None,
    visitor: str | None = None,
    store: Store | None = None,
) -> dict[str, bool]:
    """Every purpose -> whether its latest record grants it (no record: False). Derived, never stored."""
    latest = _latest_records(customer=customer, user=user, visitor=visitor, store=store)
    return {p.value: bool(latest[p.value].granted) if p.value in latest else False for p in ConsentPurpose}


def consent_history(
    *,
    customer: Customer | None = None,
    user: User | None = None,
    visitor: str | None = None,
    store: Store | None = None,
) -> list[ConsentRecord]:
    """The subject's records, newest first (the personal center and exports show them)."""
    subject, _scope = _subject_filter(customer=customer, user=user, visitor=visitor, store=store)
    return list(ConsentRecord.objects.filter(subject).select_related("policy_version").order_by("-created_at", "-id"))


def processing_allowed(*, purpose: str, customer: Customer | None = None, user: User | None = None) -> bool:
    """May the shop process this subject's data for `purpose` now?

    True only when the latest record for the purpose grants it; that consent
    was given under the latest major policy version, or the subject accepted
    that version since (the policy banner); no restriction of processing is
    open; and the account is neither locked for erasure nor inactive.
    """
    clean_purpose = _clean_purpose(purpose)
    subject = customer or user
    if subject is None or _locked(customer, user) or not getattr(subject, "is_active", True):
        return False
    if clean_purpose in RESTRICTED_PURPOSES and is_restricted(customer=customer, user=user):
        return False
    latest = _latest_records(customer=customer, user=user, visitor=None, store=None)
    record = latest.get(clean_purpose.value)
    if record is None or not record.granted:
        return False
    major = policies.policy_latest_major(None if user is not None else customer.store_id)  # type: ignore[union-attr]
    if major is None or _version(record) >= major.version:
        return True
    accepted = latest.get(ConsentPurpose.PRIVACY_POLICY.value)
    return bool(accepted is not None and accepted.granted and _version(accepted) >= major.version)


def _version(record: ConsentRecord) -> int:
    return record.policy_version.version if record.policy_version is not None else 0


def _restriction_subject(customer: Customer | None, user: User | None) -> Q:
    if (customer is None) == (user is None):
        raise ApplicationError("A restriction belongs to exactly one customer or user.", code="invalid_subject")
    return Q(customer_id=customer.pk) if customer is not None else Q(user_id=user.pk)  # type: ignore[union-attr]


def is_restricted(*, customer: Customer | None = None, user: User | None = None) -> bool:
    """Has the subject restricted processing (an open restriction)?"""
    return ProcessingRestriction.objects.filter(_restriction_subject(customer, user), lifted_at__isnull=True).exists()


def restriction_start(
    *, customer: Customer | None = None, user: User | None = None, actor: Actor, ip: str = ""
) -> ProcessingRestriction:
    """Stop marketing, personalisation and analytics for the subject while its data stays; idempotent.

    Returns the open restriction (the existing one if there is one).
    """
    subject = _restriction_subject(customer, user)
    store = customer.store if customer is not None else None
    open_one = ProcessingRestriction.objects.filter(subject, lifted_at__isnull=True).order_by("id")
    try:
        with transaction.atomic():
            existing = open_one.select_for_update().first()
            if existing is not None:
                return existing
            restriction = ProcessingRestriction.objects.create(store=store, customer=customer, user=user)
            audit_record(action="privacy.restriction_start", actor=actor, store=store, obj=restriction, ip=ip)
    except IntegrityError:
        # Started at the same moment by another request (the unique constraint): that one is the restriction.
        return open_one.get()
    return restriction


def restriction_lift(*, customer: Customer | None = None, user: User | None = None, actor: Actor, ip: str = "") -> None:
    """End the subject's restriction of processing; nothing happens when none is open."""
    subject = _restriction_subject(customer, user)
    store = customer.store if customer is not None else None
    with transaction.atomic():
        now = timezone.now()
        for restriction in ProcessingRestriction.objects.select_for_update().filter(subject, lifted_at__isnull=True):
            restriction.lifted_at = now
            restriction.save(update_fields=["lifted_at"])
            audit_record(action="privacy.restriction_lift", actor=actor, store=store, obj=restriction, ip=ip)
