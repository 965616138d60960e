"""Retention (F19): the store's table and its bounds, the daily purge, and the operators' reports."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from shopwright.checkout.models import Checkout
from shopwright.core import crypto
from shopwright.core.emails import email_queue
from shopwright.core.models import AuditEntry, Email
from shopwright.orders.models import Order
from shopwright.payments.models import Payment, Refund
from shopwright.privacy.models import (
    DataRequest,
    PurgeReport,
    RequestChannel,
    RequestKind,
    RequestStatus,
    RetentionOverride,
)
from shopwright.privacy.retention import retention_days, retention_purge
from shopwright.stores.models import Role, Store, User
from tests.checkout_factories import make_checkout
from tests.factories import make_customer, make_merchant
from tests.order_factories import make_paid_order, make_variant
from tests.stores.helpers import field_errors, platform_client

pytestmark = pytest.mark.django_db

URL = "/office/settings/retention/"
DAY = datetime.timedelta(days=1)
# A fixed moment in the middle of a month, so that coarsening to the month is visible.
T0 = datetime.datetime(2026, 3, 17, 15, 42, 7, tzinfo=datetime.UTC)


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="Long Memory")


@pytest.fixture
def store(merchant) -> Store:  # type: ignore[no-untyped-def]
    return merchant.store


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _order_at(store: Store, when: datetime.datetime, **extra: datetime.datetime | None) -> Order:
    """A paid order whose placement and payment happened at `when` (and other times as given)."""
    order = make_paid_order(store, [(make_variant(store), 1)], email="buyer.old@example.com")
    Order.objects.filter(store=store, pk=order.pk).update(created_at=when, paid_at=when, **extra)
    return Order.objects.get(store=store, pk=order.pk)


# --- the table ------------------------------------------------------------------------


def test_the_owner_sees_the_table_with_defaults_and_bounds(merchant) -> None:
    page = platform_client(merchant.user).get(URL)
    assert page.status_code == 200
    text = _text(page)
    assert "Orders and payments" in text
    assert "1095 days" in text and "1095–3650 days" in text
    assert "Expired sessions" in text and "Fixed" in text
    assert 'name="transaction"' in page.content.decode()
    assert 'name="sessions"' not in page.content.decode()  # platform-wide, not a store's to change


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("transaction", "1094", "at least 1095 days"),
        ("transaction", "3651", "at most 3650 days"),
        ("emails", "3", "at least 7 days"),
        ("transaction", "3 years", "Enter a whole number of days."),
    ],
)
def test_a_period_out_of_bounds_is_a_field_error_and_changes_nothing(merchant, field, value, message) -> None:
    store = merchant.store
    owner = platform_client(merchant.user)
    entries = AuditEntry.objects.filter(store_id=store.pk).count()

    response = owner.post(URL, {"transaction": "", "emails": "60", field: value})

    assert response.status_code == 400
    assert any(message in shown for shown in field_errors(response, field)), field_errors(response, field)
    assert not RetentionOverride.objects.filter(store=store).exists()
    assert AuditEntry.objects.filter(store_id=store.pk).count() == entries
    assert retention_days(store=store, key="transaction") == 1095


def test_the_owner_sets_and_resets_periods_with_an_audit_entry(merchant) -> None:
    store = merchant.store
    owner = platform_client(merchant.user)

    saved = owner.post(URL, {"transaction": "2000", "emails": "14", "checkouts": ""})

    assert saved.status_code == 302
    assert retention_days(store=store, key="transaction") == 2000
    assert retention_days(store=store, key="emails") == 14
    entry = AuditEntry.objects.get(action="retention.update", store_id=store.pk)
    assert entry.details == {"changed": {"emails": 14, "transaction": 2000}}
    assert "2000 days" in _text(owner.get(URL))

    assert owner.post(URL, {"transaction": "", "emails": "14"}).status_code == 302
    assert retention_days(store=store, key="transaction") == 1095
    assert list(RetentionOverride.objects.filter(store=store).values_list("retention", flat=True)) == ["emails"]


def test_staff_cannot_change_retention_and_the_age_gate_switch_is_audited(
    merchant, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    from tests.stores.helpers import add_member

    store = merchant.store
    member = add_member(
        store=store,
        owner=merchant.user,
        role=Role.STAFF,
        email="helper@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    staff = platform_client(User.objects.get(pk=member.user_id))
    assert staff.get(URL).status_code == 403
    assert staff.post(URL, {"transaction": "2000"}).status_code == 403
    assert staff.post(URL + "age-gate/", {}).status_code == 403
    assert not RetentionOverride.objects.filter(store=store).exists()

    owner = platform_client(merchant.user)
    assert owner.post(URL + "age-gate/", {}).status_code == 302  # an unticked box: off
    assert Store.objects.get(pk=store.pk).ask_date_of_birth is False
    assert AuditEntry.objects.get(action="store.ask_date_of_birth", store_id=store.pk).details == {"value": False}


# --- the purge: orders ------------------------------------------------------------------


def test_the_purge_anonymises_exactly_the_orders_past_3_years_not_one_day_early(store) -> None:
    due = _order_at(store, T0)
    later = _order_at(store, T0 + 2 * DAY)
    end = T0 + 1095 * DAY

    early = retention_purge(now=end - DAY)
    assert early.counts["orders_anonymised"] == 0
    assert Order.objects.get(store=store, pk=due.pk).anonymised_at is None

    report = retention_purge(now=end + datetime.timedelta(hours=1))

    assert report.counts["orders_anonymised"] == 1
    assert report.finished_at is not None
    entry = AuditEntry.objects.filter(action="retention.purge").order_by("-id").first()
    assert entry is not None and entry.actor_type == "system"
    assert entry.details["orders_anonymised"] == 1
    assert Order.objects.get(store=store, pk=due.pk).anonymised_at is not None
    assert Order.objects.get(store=store, pk=later.pk).anonymised_at is None
    # The next night finds nothing new.
    assert retention_purge(now=end + datetime.timedelta(hours=2)).counts["orders_anonymised"] == 0


def test_an_anonymised_order_cannot_be_linked_back(store) -> None:
    customer = make_customer(store, email="linkable@example.com")
    order = make_paid_order(store, [(make_variant(store), 1)], customer=customer, email="linkable@example.com")
    Order.objects.filter(store=store, pk=order.pk).update(created_at=T0, paid_at=T0, fulfilled_at=T0 + DAY)

    retention_purge(now=T0 + 1100 * DAY)

    kept = Order.objects.get(store=store, pk=order.pk)
    # No address, no hash of the email, no link to the account: nothing to match against.
    assert kept.email == "" and kept.phone == ""
    assert kept.email_index != crypto.blind_index("linkable@example.com")
    assert kept.email_index == ""
    assert kept.customer_id is None
    assert not kept.shipping_address
    # Dates coarsened to the month.
    for value in (kept.created_at, kept.paid_at, kept.fulfilled_at, kept.anonymised_at):
        assert value is not None
        assert (value.day, value.hour, value.minute, value.second) == (1, 0, 0, 0)
    assert (kept.created_at.year, kept.created_at.month) == (2026, 3)
    # What accounting needs stays.
    assert kept.total == order.total and kept.number == order.number


def test_completion_is_the_last_of_payment_fulfilment_cancellation_and_refunds(store) -> None:
    shipped_late = _order_at(store, T0, fulfilled_at=T0 + 30 * DAY)
    refunded_late = _order_at(store, T0)
    refund = Refund.objects.create(
        store=store,
        payment=Payment.objects.get(store=store, order=refunded_late),
        order=refunded_late,
        amount=refunded_late.total,
        status="succeeded",
        idempotency_key="late-refund",
        actor_type="user",
    )
    Refund.objects.filter(store=store, pk=refund.pk).update(created_at=T0 + 60 * DAY)
    paid_only = _order_at(store, T0)

    retention_purge(now=T0 + 1096 * DAY)

    assert Order.objects.get(store=store, pk=paid_only.pk).anonymised_at is not None
    assert Order.objects.get(store=store, pk=shipped_late.pk).anonymised_at is None
    assert Order.objects.get(store=store, pk=refunded_late.pk).anonymised_at is None

    report = retention_purge(now=T0 + 1156 * DAY)
    assert report.counts["orders_anonymised"] == 2


def test_a_store_with_a_longer_period_keeps_its_orders_longer(store) -> None:
    RetentionOverride.objects.create(store=store, retention="transaction", days=2000)
    other = make_merchant(store_name="Short Memory").store
    kept = _order_at(store, T0)
    gone = _order_at(other, T0)

    retention_purge(now=T0 + 1200 * DAY)

    assert Order.objects.get(store=store, pk=kept.pk).anonymised_at is None
    assert Order.objects.get(store=other, pk=gone.pk).anonymised_at is not None


# --- the purge: short-lived data ----------------------------------------------------------


def test_old_emails_expired_sessions_and_abandoned_checkouts_go_and_recent_ones_stay(store) -> None:
    now = timezone.now()
    old = email_queue(kind="verify_email", to="old@example.com", context={"name": "Old", "verify_url": "x"})
    fresh = email_queue(kind="verify_email", to="new@example.com", context={"name": "New", "verify_url": "x"})
    Email.objects.filter(pk=old.pk).update(created_at=now - 31 * DAY)
    Email.objects.filter(pk=fresh.pk).update(created_at=now - 29 * DAY)
    expired, live = SessionStore(), SessionStore()
    expired["k"], live["k"] = 1, 1
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=now - datetime.timedelta(minutes=1))
    variant = make_variant(store)
    stale = make_checkout(store, [(variant, 1)])
    recent = make_checkout(store, [(make_variant(store), 1)])
    Checkout.objects.filter(store=store, pk=stale.pk).update(updated_at=now - 31 * DAY)

    report = retention_purge(now=now)

    assert report.counts["emails_deleted"] == 1
    assert report.counts["sessions_deleted"] == 1
    assert report.counts["checkouts_deleted"] == 1
    assert list(Email.objects.filter(pk__in=[old.pk, fresh.pk]).values_list("pk", flat=True)) == [fresh.pk]
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()
    assert list(Checkout.objects.filter(store=store).values_list("pk", flat=True)) == [recent.pk]


def test_closed_requests_lose_their_details_after_90_days_and_go_after_3_years(store) -> None:
    now = timezone.now()

    def closed(days_ago: int, status: str = RequestStatus.COMPLETED) -> DataRequest:
        request = DataRequest.objects.create(
            store=store,
            kind=RequestKind.CORRECTION,
            status=status,
            channel=RequestChannel.CONTACT_FORM,
            subject_email="asker@example.com",
            subject_email_index=crypto.blind_index("asker@example.com"),
            details="My street is spelled wrong",
            resolution="Fixed it",
        )
        DataRequest.objects.filter(pk=request.pk).update(completed_at=now - days_ago * DAY)
        return request

    recent, old, ancient = closed(30), closed(91, RequestStatus.REFUSED), closed(1100)
    open_old = DataRequest.objects.create(
        store=store,
        kind=RequestKind.ACCESS,
        status=RequestStatus.OPEN,
        channel=RequestChannel.CONTACT_FORM,
        subject_email="waiting@example.com",
    )
    DataRequest.objects.filter(pk=open_old.pk).update(created_at=now - 400 * DAY)

    report = retention_purge(now=now)

    assert (report.counts["requests_emptied"], report.counts["requests_deleted"]) == (1, 1)
    assert not DataRequest.objects.filter(pk=ancient.pk).exists()
    emptied = DataRequest.objects.get(pk=old.pk)
    assert (emptied.subject_email, emptied.subject_email_index, emptied.details, emptied.resolution) == (
        "",
        "",
        "",
        "",
    )
    assert emptied.status == RequestStatus.REFUSED  # the proof that it was answered stays
    assert DataRequest.objects.get(pk=recent.pk).details == "My street is spelled wrong"
    assert DataRequest.objects.get(pk=open_old.pk).subject_email == "waiting@example.com"


# --- the operators' reports ------------------------------------------------------------------


def test_operators_see_the_purge_reports_and_nobody_else_does(merchant) -> None:
    _order_at(merchant.store, T0)
    retention_purge(now=T0 + 1100 * DAY)
    operator = make_merchant(store_name="Platform Ops").user
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    operator.refresh_from_db()

    page = platform_client(operator).get("/office/operators/purges/")

    assert page.status_code == 200
    text = _text(page)
    assert "orders_anonymised : 1" in text
    assert "sessions_deleted" in text
    assert PurgeReport.objects.count() == 1
    assert platform_client(merchant.user).get("/office/operators/purges/").status_code == 404
    assert platform_client().get("/office/operators/purges/").status_code == 302  # to sign in


def test_the_order_step_reads_the_same_few_queries_however_many_orders_are_still_kept(store) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shopwright.privacy.retention import orders_anonymise_expired

    variant = make_variant(store, stock=100)
    counts = []
    for extra in (2, 12):
        for _ in range(extra):
            make_paid_order(store, [(variant, 1)])
        with CaptureQueriesContext(connection) as queries:
            assert orders_anonymise_expired(now=timezone.now()) == 0
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
