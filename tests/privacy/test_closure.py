"""Closing a store (F19, seed 1(10)4): the owner closes, every customer is told, and 30 days later they are erased."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, PermissionDeniedError
from shopwright.core.models import AuditEntry
from shopwright.customers.models import Customer
from shopwright.customers.services import customer_register
from shopwright.orders.models import Order
from shopwright.privacy import closures, retention
from shopwright.privacy.retention import retention_purge
from shopwright.stores.models import Role, Store, User
from shopwright.stores.selectors import forget_host_lookups
from tests.factories import PASSWORD, host, make_customer, make_merchant
from tests.order_factories import make_paid_order, make_variant
from tests.stores.helpers import add_member, field_errors, platform_client

pytestmark = pytest.mark.django_db

URL = "/office/settings/retention/close-store/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="Last Orders", store_handle="last-orders")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _child(store: Store) -> Customer:
    today = timezone.localdate()
    return customer_register(
        store=store,
        email="young@example.com",
        name="Young One",
        password=PASSWORD,
        date_of_birth=today.replace(year=today.year - 10, day=1),
        guardian_email="guardian@example.com",
    )


def test_the_owner_closes_the_store_and_every_customer_and_guardian_is_told(
    merchant, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    store = merchant.store
    adults = [make_customer(store) for _ in range(4)]
    child = _child(store)
    other_store_customer = make_customer(make_merchant(store_name="Still Open").store)
    mailoutbox.clear()
    monkeypatch.setattr(retention, "BATCH", 2)  # five customers: three jobs in a chain
    owner = platform_client(merchant.user)
    assert "Close store" in _text(owner.get("/office/settings/retention/"))

    wrong = owner.post(URL, {"confirm_handle": "last-order"})
    assert wrong.status_code == 400
    assert "Type the store's handle, last-orders, to confirm." in field_errors(wrong, "confirm_handle")
    assert Store.objects.get(pk=store.pk).status == Store.Status.LIVE

    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(URL, {"confirm_handle": "Last-Orders"})

    assert done.status_code == 302
    closed = Store.objects.get(pk=store.pk)
    assert closed.status == Store.Status.CLOSED and closed.closed_at is not None
    assert AuditEntry.objects.filter(action="store.close", store_id=store.pk, actor_id=merchant.user.pk).count() == 1
    recipients = sorted(address for m in mailoutbox for address in m.to)
    expected = sorted([c.email for c in adults] + [child.email, "guardian@example.com"])
    assert recipients == expected  # one notice each, none to another store's customers
    assert other_store_customer.email not in recipients
    guardian_mail = next(m for m in mailoutbox if m.to == ["guardian@example.com"])
    assert "Last Orders is closing" in guardian_mail.subject
    assert "Young One, a child" in guardian_mail.body
    erase_on = closed.closed_at + 30 * DAY
    assert f"On {erase_on:%-d %B %Y}" in mailoutbox[0].body

    # The storefront says the store is closed; nobody registers or signs in there any more.
    forget_host_lookups()
    front = Client(HTTP_HOST=host(store)).get("/")
    assert front.status_code == 404
    assert "Last Orders is closed" in _text(front)
    # No more shopping or accounts; only the privacy pages stay open in the grace period.
    assert Client(HTTP_HOST=host(store)).get("/cart/").status_code == 404
    assert Client(HTTP_HOST=host(store)).get("/account/register/").status_code == 404
    assert Client(HTTP_HOST=host(store)).get("/privacy/requests/").status_code == 200
    # Closing twice is refused.
    again = owner.post(URL, {"confirm_handle": "last-orders"})
    assert again.status_code == 400
    assert "This store is closed since" in _text(again)
    with pytest.raises(ApplicationError):
        closures.store_close(store=closed, actor=Actor.user(merchant.user), confirm_handle="last-orders")


def test_only_the_owner_may_close(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:
    store = merchant.store
    admin = add_member(
        store=store,
        owner=merchant.user,
        role=Role.ADMIN,
        email="admin@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    admin_user = User.objects.get(pk=admin.user_id)
    response = platform_client(admin_user).post(URL, {"confirm_handle": "last-orders"})
    assert response.status_code == 403
    with pytest.raises(PermissionDeniedError):
        closures.store_close(store=store, actor=Actor.user(admin_user), confirm_handle="last-orders")
    assert Store.objects.get(pk=store.pk).status == Store.Status.LIVE


def test_after_the_30_day_grace_the_purge_erases_the_customers_and_keeps_the_orders(
    merchant, django_capture_on_commit_callbacks
) -> None:
    store = merchant.store
    buyer = make_customer(store, email="buyer@example.com")
    bystander = make_customer(store)
    own_order = make_paid_order(store, [(make_variant(store), 1)], customer=buyer, email="buyer@example.com")
    guest_order = make_paid_order(store, [(make_variant(store), 1)], email="guest@example.com")
    elsewhere = make_merchant(store_name="Unaffected").store
    survivor = make_customer(elsewhere)
    with django_capture_on_commit_callbacks(execute=True):
        closures.store_close(store=store, actor=Actor.user(merchant.user), confirm_handle="last-orders")
    closed_at = Store.objects.get(pk=store.pk).closed_at
    assert closed_at is not None

    day29 = retention_purge(now=closed_at + 29 * DAY)
    assert (day29.stores_closed, day29.counts["closure_customers_erased"]) == (0, 0)
    assert Customer.objects.filter(store=store).count() == 2

    day31 = retention_purge(now=closed_at + 31 * DAY)

    assert day31.stores_closed == 1
    assert day31.counts["closure_customers_erased"] == 2
    assert day31.counts["closure_guests_erased"] == 1
    assert not Customer.objects.filter(store=store, pk__in=[buyer.pk, bystander.pk]).exists()
    assert Customer.objects.filter(store=elsewhere, pk=survivor.pk).exists()
    assert Store.objects.get(pk=store.pk).customer_data_erased_at is not None
    # What the law requires stays: both orders, restricted (out of every list) until their retention ends.
    kept = Order.objects.get(store=store, pk=own_order.pk)
    guest = Order.objects.get(store=store, pk=guest_order.pk)
    assert kept.subject_erased_at is not None and kept.customer_id is None
    assert guest.subject_erased_at is not None and guest.anonymised_at is None
    # The guest is erased like an account holder: no keyed hash of the email, no working order link.
    assert guest.email_index == "" and guest.token_hash != guest_order.token_hash
    assert (kept.total, guest.total) == (own_order.total, guest_order.total)
    # Done once: the next night has nothing more for this store.
    assert retention_purge(now=closed_at + 32 * DAY).stores_closed == 0
