"""Closing a store (F19, seed 1(10)4): the notice to every customer, then the erasure after a grace period.

`store_close` is the owner's act: the store stops trading at once (status
CLOSED, the storefront says so) and every customer of it, and the guardian
of every child account, is emailed a notice one by one, by jobs in batches.
After CLOSURE_GRACE_DAYS the daily purge (`closed_stores_erase`) erases the
store's customers by the engine's machinery (erasure.subject_erase), one
customer at a time so that a run killed half-way is finished by the next;
guests' orders are flagged as their buyer's erased (kept, encrypted, out of
every list) until their own retention ends and the purge anonymises them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from shopwright.core.audit import Actor, audit_record
from shopwright.core.emails import email_queue
from shopwright.core.exceptions import ApplicationError, PermissionDeniedError
from shopwright.core.models import AuditEntry, Email
from shopwright.privacy import retention
from shopwright.privacy.models import ConsentRecord
from shopwright.privacy.retention import CLOSURE_GRACE_DAYS
from shopwright.stores.models import Store

logger = logging.getLogger(__name__)


def store_close(*, store: Store, actor: Actor, confirm_handle: str, ip: str = "") -> Store:
    """Close the store for good; only its owner may (`actor` must be the owner as a user).

    `confirm_handle` must be the store's handle as typed by the owner. Raises
    PermissionDeniedError for anyone else and ApplicationError (field
    `confirm_handle`) for a wrong handle or a store already closed; nothing
    changes then. The notices are queued after the transaction commits.
    """
    if actor.type != AuditEntry.ActorType.USER or actor.id != store.owner_id:
        raise PermissionDeniedError("Only the store's owner can close it.")
    if (confirm_handle or "").strip().lower() != store.handle:
        raise ApplicationError.for_field(
            "confirm_handle", f"Type the store's handle, {store.handle}, to confirm.", code="confirm_mismatch"
        )
    with transaction.atomic():
        # NO KEY UPDATE, as stores.locks explains: other writers of the row take turns with the closure,
        # and buyers' commits in the store are not held up by it.
        locked = Store.objects.select_for_update(no_key=True).get(pk=store.pk)
        if locked.status == Store.Status.CLOSED:
            raise ApplicationError.for_field("confirm_handle", "This store is already closed.", code="closed")
        locked.status = Store.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        audit_record(action="store.close", actor=actor, store=locked, obj=locked, ip=ip)
        from shopwright.privacy.retention_tasks import store_closing_notify_task

        store_id = locked.pk
        transaction.on_commit(lambda: store_closing_notify_task(store_id, 0))
    store.status, store.closed_at = locked.status, locked.closed_at
    return store


def store_closing_notify(*, store_id: int, after_id: int = 0, batch: int | None = None) -> int | None:
    """Queue the closing notice for the next `batch` customers (id > after_id); return the last id, None at the end.

    Each customer gets `privacy_store_closing` at the email on file, and a
    child account's guardian one of its own. The job calls this again with
    the returned id until it returns None.
    """
    from shopwright.customers.models import Customer

    batch = batch or retention.BATCH
    store = Store.objects.filter(pk=store_id).first()
    if store is None or store.status != Store.Status.CLOSED or store.closed_at is None:
        return None
    erase_on = store.closed_at + timedelta(days=CLOSURE_GRACE_DAYS)
    customers = list(
        Customer.objects.filter(store=store, pk__gt=after_id, erasure_locked_at__isnull=True)
        .only("pk", "email", "name", "guardian_email")
        .order_by("pk")[:batch]
    )
    if not customers:
        return None
    with transaction.atomic():
        for customer in customers:
            context = {"name": customer.name, "erase_on": erase_on, "guardian": False}
            email_queue(kind="privacy_store_closing", to=customer.email, context=context, store=store)
            if customer.guardian_email:
                context = {"name": customer.name, "erase_on": erase_on, "guardian": True}
                email_queue(kind="privacy_store_closing", to=customer.guardian_email, context=context, store=store)
    return customers[-1].pk if len(customers) == batch else None


def stores_due_for_erasure(*, now: datetime) -> list[Store]:
    cutoff = now - timedelta(days=CLOSURE_GRACE_DAYS)
    return list(
        Store.objects.filter(
            status=Store.Status.CLOSED, closed_at__lte=cutoff, customer_data_erased_at__isnull=True
        ).order_by("pk")
    )


def store_customer_data_erase(*, store: Store) -> dict[str, int]:
    """Erase the personal data of a closed store's customers (resumable); set Store.customer_data_erased_at.

    Accounts: the engine's subject_erase per customer; guests: the same, found by the email
    on their orders (`_guests_erase`). Orders stay, restricted, for their retention; a
    guest order without an email is only marked as its buyer's erased.
    Checkouts, visitor consent records and queued mail of the store: deleted.
    """
    from shopwright.checkout.models import Checkout
    from shopwright.customers.models import Customer
    from shopwright.orders.models import Order
    from shopwright.privacy.erasure import subject_erase
    from shopwright.privacy.subjects import DataSubject

    erased = 0
    after = 0
    while True:
        customers = list(Customer.objects.filter(store=store, pk__gt=after).order_by("pk")[: retention.BATCH])
        if not customers:
            break
        for customer in customers:
            # One customer at a time: a run stopped here resumes with the rest (erasure is resumable).
            subject_erase(DataSubject.for_customer(customer))
            erased += 1
        after = customers[-1].pk
    guests_erased = _guests_erase(store=store)
    now = timezone.now()
    with transaction.atomic():
        guests = Order.objects.filter(store=store, customer__isnull=True, subject_erased_at__isnull=True).update(
            subject_erased_at=now
        )
        checkouts, _ = Checkout.objects.filter(store=store).delete()
        ConsentRecord.objects.filter(store=store, customer__isnull=True, user__isnull=True).delete()
        Email.objects.filter(store_id=store.pk).delete()
        Store.objects.filter(pk=store.pk).update(customer_data_erased_at=now)
        audit_record(
            action="store.customer_data_erase",
            actor=Actor.system(),
            store=store,
            obj=store,
            details={"customers": erased, "guests": guests_erased, "guest_orders": guests},
        )
    store.customer_data_erased_at = now
    return {"customers": erased, "guests": guests_erased, "guest_orders": guests, "checkouts": checkouts}


def _guests_erase(*, store: Store) -> int:
    """Erase every guest buyer of the store like an account holder: by the email on their orders.

    The engine then cuts the orders' links (email blind index, order-link secret) and empties the
    guests' data requests, as it does for customers; the orders stay, restricted, for their retention.
    """
    from shopwright.orders.models import Order
    from shopwright.privacy.erasure import subject_erase
    from shopwright.privacy.subjects import DataSubject

    erased, after = 0, 0
    while True:
        orders = list(
            Order.objects.filter(store=store, customer__isnull=True, subject_erased_at__isnull=True, pk__gt=after)
            .exclude(email_index="")
            .order_by("pk")
            .only("pk", "email")[: retention.BATCH]
        )
        if not orders:
            return erased
        for email in dict.fromkeys(order.email for order in orders if order.email):
            subject_erase(DataSubject.for_email(store, email))
            erased += 1
        after = orders[-1].pk


def closed_stores_erase(*, now: datetime) -> dict[str, int]:
    """The purge's step: erase the customers of every store closed for longer than the grace period."""
    counts = {
        "stores_closed": 0,
        "closure_customers_erased": 0,
        "closure_guests_erased": 0,
        "closure_guest_orders_restricted": 0,
    }
    for store in stores_due_for_erasure(now=now):
        done = store_customer_data_erase(store=store)
        counts["stores_closed"] += 1
        counts["closure_customers_erased"] += done["customers"]
        counts["closure_guests_erased"] += done["guests"]
        counts["closure_guest_orders_restricted"] += done["guest_orders"]
    return counts
