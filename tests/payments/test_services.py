"""payments.services: starting payments, syncing them, refunds, and money an order cannot take."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry, Email
from shopwright.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from shopwright.payments import models as pm
from shopwright.payments import services
from shopwright.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from shopwright.payments.tasks import refund_retry_task
from shopwright.payments.testgateway import services as gateway
from shopwright.privacy.models import SharingRecord
from shopwright.stores.models import Membership
from tests.payments.conftest import Buyer, gateway_row, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def capture():  # type: ignore[no-untyped-def]
        return django_capture_on_commit_callbacks(execute=True)

    return capture


@pytest.fixture
def paid(buyer: Buyer, client, run_jobs) -> Buyer:
    """The buyer paid with 4242 on the hosted page; the webhook was applied."""
    with run_jobs():
        pay(client, buyer.start())
    assert buyer.refresh().status == OrderStatus.PAID
    return buyer


def _gateway_down(monkeypatch, name: str, *, times: int = 1) -> list[int]:
    """Make the gateway's `name` endpoint unreachable for its next `times` calls; returns the call counter."""
    real = getattr(gateway, name)
    calls = [0]

    def flaky(**kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] <= times:
            raise gateway.GatewayUnavailable("connection reset")
        return real(**kwargs)

    monkeypatch.setattr(gateway, name, flaky)
    return calls


# --- payment_start ------------------------------------------------------------------------


def test_start_makes_one_attempt_at_the_provider_and_records_the_hand_over(buyer: Buyer) -> None:
    payment = buyer.start()
    assert payment.status == PaymentStatus.CREATED
    assert (payment.amount, payment.currency) == (buyer.order.total, buyer.order.currency)
    assert payment.redirect_url == f"http://localhost:8000/testpay/{payment.reference}/"
    assert len(payment.idempotency_key) == 32
    row = gateway_row(payment)
    assert (row.amount, row.account, row.idempotency_key) == (payment.amount, buyer.store.pk, payment.idempotency_key)
    assert row.description == f"#{buyer.order.number} at {buyer.store.name}"
    assert row.return_url == buyer.return_url
    assert row.webhook_url == f"http://{buyer.store.handle}.localhost:8000/api/v1/payments/webhooks/test"
    record = SharingRecord.objects.get(store=buyer.store)
    assert record.recipient == "Shopwright test provider"
    assert record.purpose == f"collect the payment of order #{buyer.order.number}"
    # The test provider sends no receipt, so it is not given the email: only the payment's reference.
    assert record.categories == ["payment_reference"]
    assert record.order_id == buyer.order.pk
    started = OrderEvent.objects.get(store=buyer.store, order=buyer.order, kind=OrderEventKind.PAYMENT_STARTED)
    assert started.data["payment_id"] == payment.pk


def test_a_double_click_gives_the_same_attempt(buyer: Buyer) -> None:
    first = buyer.start()
    second = buyer.start()
    assert second.pk == first.pk and second.redirect_url == first.redirect_url
    assert Payment.objects.filter(store=buyer.store).count() == 1
    assert pm.TestGatewayPayment.objects.count() == 1
    assert SharingRecord.objects.filter(store=buyer.store).count() == 1


def test_an_attempt_in_flight_is_resumed_with_its_own_key(buyer: Buyer) -> None:
    """A second click while the first create call has not answered yet: same key, same provider payment."""
    first = buyer.start()
    Payment.objects.filter(store=buyer.store, pk=first.pk).update(
        reference="", redirect_url=""
    )  # as if the answer is not in yet
    again = buyer.start()
    assert again.pk == first.pk
    assert again.reference == first.reference  # the gateway answered the same payment for the same key
    assert pm.TestGatewayPayment.objects.count() == 1


@pytest.mark.parametrize("state", ["paid", "cancelled", "expired"])
def test_an_order_that_cannot_be_paid_is_refused(buyer: Buyer, state: str) -> None:
    if state == "expired":
        Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(
            reserved_until=timezone.now() - timedelta(seconds=1)
        )
    else:
        Order.objects.filter(store=buyer.store, pk=buyer.order.pk).update(status=state)
    with pytest.raises(ApplicationError) as caught:
        buyer.start()
    assert caught.value.code == "order_not_payable"
    assert caught.value.message == "This order can no longer be paid."
    assert not Payment.objects.filter(store=buyer.store).exists()
    assert not SharingRecord.objects.filter(store=buyer.store).exists()
    assert not pm.TestGatewayPayment.objects.exists()


def test_provider_down_at_start_fails_the_attempt_and_a_retry_makes_a_new_one(buyer: Buyer, monkeypatch) -> None:
    _gateway_down(monkeypatch, "create")
    with pytest.raises(services.PaymentUnavailable) as caught:
        buyer.start()
    assert caught.value.status_code == 503
    failed = Payment.objects.get(store=buyer.store)
    assert (failed.status, failed.failure_code, failed.reference) == (PaymentStatus.FAILED, "provider_unavailable", "")
    assert buyer.refresh().status == OrderStatus.PENDING_PAYMENT

    retried = buyer.start()
    assert retried.pk != failed.pk and retried.idempotency_key != failed.idempotency_key
    assert retried.status == PaymentStatus.CREATED and retried.redirect_url
    assert pm.TestGatewayPayment.objects.count() == 1


def test_the_same_key_at_the_gateway_makes_one_payment() -> None:
    params = {
        "amount": "10.00",
        "currency": "EUR",
        "description": "#1 at X",
        "return_url": "http://x.localhost/r",
        "webhook_url": "http://x.localhost/w",
        "idempotency_key": "k1",
    }
    first = gateway.create(account=1, params=params)
    second = gateway.create(account=1, params=params)
    assert first == second
    assert gateway.create(account=2, params=params)["id"] != first["id"]  # keys are per account
    with pytest.raises(gateway.GatewayError):
        gateway.retrieve(account=2, payment_id=first["id"])  # another account's payment is not found


# --- payment_sync -------------------------------------------------------------------------


def test_sync_applies_a_payment_whose_webhook_never_came(
    buyer: Buyer, client, django_capture_on_commit_callbacks
) -> None:
    payment = buyer.start()
    with django_capture_on_commit_callbacks(execute=False):  # the event is queued but never delivered
        pay(client, payment)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
    synced = services.payment_sync(store=buyer.store, payment=payment)
    assert (synced.status, synced.card_last4) == (PaymentStatus.SUCCEEDED, "4242")
    assert buyer.refresh().status == OrderStatus.PAID


def test_sync_with_the_provider_down_keeps_what_is_known(buyer: Buyer, monkeypatch) -> None:
    payment = buyer.start()
    _gateway_down(monkeypatch, "retrieve")
    assert services.payment_sync(store=buyer.store, payment=payment).status == PaymentStatus.CREATED


# --- refunds ---------------------------------------------------------------------------


def _refund(buyer: Buyer, amount: str) -> Refund:
    owner = Membership.objects.get(store=buyer.store).user
    return services.refund_create(
        store=buyer.store, order=buyer.order, amount=Decimal(amount), reason="damaged", actor=Actor.user(owner)
    )


def test_partial_then_full_refund(paid: Buyer, run_jobs) -> None:
    payment = Payment.objects.get(store=paid.store)
    with run_jobs():
        first = _refund(paid, "10.00")
    assert first.status == RefundStatus.SUCCEEDED and first.reference.startswith("tr_")
    order = paid.refresh()
    assert (order.status, order.refunded_total) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("10.00"))
    assert gateway_row(payment).refunded_amount == Decimal("10.00")
    entry = AuditEntry.objects.get(action="payment.refund_requested")
    assert entry.details == {"order": order.number, "amount": "10.00", "currency": "USD"}

    with run_jobs():
        _refund(paid, "35.00")
    order = paid.refresh()
    assert (order.status, order.refunded_total) == (OrderStatus.REFUNDED, Decimal("45.00"))
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("45.00") == gateway_row(payment).refunded_amount
    assert pm.TestGatewayRefund.objects.count() == 2
    assert Email.objects.filter(kind="order_refund").count() == 2
    kinds = list(OrderEvent.objects.filter(store=paid.store, order=order).values_list("kind", flat=True))
    assert kinds.count(OrderEventKind.REFUND_REQUESTED) == 2 and kinds.count(OrderEventKind.REFUNDED) == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("45.01", "At most 45.00 USD can be refunded."),
        ("0", "Enter an amount above zero."),
        ("-5", "Enter an amount above zero."),
        ("1.005", "Use at most 2 decimal places for USD."),
    ],
)
def test_a_bad_refund_amount_is_a_field_error_and_changes_nothing(paid: Buyer, amount: str, message: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        _refund(paid, amount)
    assert caught.value.fields == {"amount": [message]}
    assert not Refund.objects.filter(store=paid.store).exists()
    assert not pm.TestGatewayRefund.objects.exists()
    assert paid.refresh().status == OrderStatus.PAID


def test_over_refund_counts_what_was_refunded_and_what_is_pending(paid: Buyer, monkeypatch) -> None:
    _refund(paid, "40.00")
    _gateway_down(monkeypatch, "refund", times=99)
    with pytest.raises(services.PaymentUnavailable):
        _refund(paid, "3.00")  # pending
    with pytest.raises(ApplicationError) as caught:
        _refund(paid, "2.01")
    assert caught.value.fields == {"amount": ["At most 2.00 USD can be refunded."]}


def test_an_unpaid_order_has_nothing_to_refund(buyer: Buyer) -> None:
    buyer.start()
    with pytest.raises(ApplicationError) as caught:
        _refund(buyer, "1.00")
    assert caught.value.code == "not_refundable"


def test_provider_down_during_refund_stays_pending_then_one_retry_refunds_once(
    paid: Buyer, monkeypatch, run_jobs
) -> None:
    calls = _gateway_down(monkeypatch, "refund", times=1)
    scheduled: list[tuple] = []
    monkeypatch.setattr(refund_retry_task, "schedule", lambda args, delay: scheduled.append((args, delay)))
    with run_jobs(), pytest.raises(services.PaymentUnavailable) as caught:
        _refund(paid, "45.00")
    assert "retried automatically" in caught.value.message
    refund = Refund.objects.get(store=paid.store)
    assert refund.status == RefundStatus.PENDING
    assert paid.refresh().status == OrderStatus.PAID
    assert scheduled == [((paid.store.pk, refund.pk), services.REFUND_RETRY_DELAY_SECONDS)]

    with run_jobs():
        refund_retry_task.call_local(*scheduled[0][0])  # the job runs once, the provider is back
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert calls[0] == 2
    assert paid.refresh().status == OrderStatus.REFUNDED
    assert pm.TestGatewayRefund.objects.count() == 1
    # Running the job again (a duplicate in the queue) refunds nothing more.
    refund_retry_task.call_local(paid.store.pk, refund.pk)
    assert pm.TestGatewayRefund.objects.count() == 1


def test_a_refund_repeated_with_its_key_after_a_lost_answer_moves_money_once(
    paid: Buyer, monkeypatch, run_jobs
) -> None:
    """The gateway refunded but its answer was lost: the retry with the same key gets the same refund."""
    real = gateway.refund

    def lost_answer(**kwargs):  # type: ignore[no-untyped-def]
        real(**kwargs)
        raise gateway.GatewayUnavailable("timed out")

    monkeypatch.setattr(gateway, "refund", lost_answer)
    monkeypatch.setattr(refund_retry_task, "schedule", lambda args, delay: None)
    with run_jobs(), pytest.raises(services.PaymentUnavailable):
        _refund(paid, "20.00")
    monkeypatch.setattr(gateway, "refund", real)
    refund = Refund.objects.get(store=paid.store)
    with run_jobs():
        services.refund_send(store=paid.store, refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    payment = Payment.objects.get(store=paid.store)
    assert gateway_row(payment).refunded_amount == Decimal("20.00") == paid.refresh().refunded_total
    assert pm.TestGatewayRefund.objects.count() == 1


# --- cancelling with a refund ------------------------------------------------------------


def _cancel(buyer: Buyer, reason: str = "Out of season") -> services.CancelWithRefund:
    owner = Membership.objects.get(store=buyer.store).user
    return services.order_cancel_with_refund(
        store=buyer.store, order=buyer.order, actor=Actor.user(owner), reason=reason
    )


def _stock(buyer: Buyer) -> int:
    from shopwright.catalog.models import Variant

    return Variant.objects.get(store=buyer.store, pk=buyer.variant.pk).stock_quantity


def test_cancelling_a_paid_order_refunds_what_is_left_then_cancels_and_restocks(paid: Buyer, run_jobs) -> None:
    with run_jobs():
        _refund(paid, "5.00")
    assert _stock(paid) == 8
    with run_jobs():
        done = _cancel(paid)

    assert done.cancelled and done.order.status == OrderStatus.CANCELLED
    assert done.refund is not None and (done.refund.amount, done.refund.status) == (
        Decimal("40.00"),
        RefundStatus.SUCCEEDED,
    )
    assert done.refund.reason == "Out of season"
    order = paid.refresh()
    assert (order.status, order.refunded_total) == (OrderStatus.CANCELLED, Decimal("45.00"))
    assert gateway_row(Payment.objects.get(store=paid.store)).refunded_amount == Decimal("45.00")
    assert _stock(paid) == 10
    kinds = list(OrderEvent.objects.filter(store=paid.store, order=order).order_by("id").values_list("kind", flat=True))
    assert kinds.index(OrderEventKind.REFUNDED) < kinds.index(OrderEventKind.CANCELLED)
    # Again (a second click): nothing more is refunded or restocked.
    again = _cancel(paid)
    assert again.cancelled and again.refund is None
    assert pm.TestGatewayRefund.objects.count() == 2 and _stock(paid) == 10


def test_cancelling_an_unpaid_order_refunds_nothing(buyer: Buyer) -> None:
    buyer.start()
    done = _cancel(buyer, reason="")
    assert done.cancelled and done.refund is None
    assert buyer.refresh().status == OrderStatus.CANCELLED
    assert not Refund.objects.filter(store=buyer.store).exists()
    assert _stock(buyer) == 10


def test_a_shipped_order_is_refused_before_any_money_moves(paid: Buyer) -> None:
    from shopwright.orders.services import order_fulfil

    owner = Membership.objects.get(store=paid.store).user
    order_fulfil(
        store=paid.store, order=paid.order, actor=Actor.user(owner), carrier="DHL", tracking_number="1", quantities=None
    )
    with pytest.raises(ApplicationError) as caught:
        _cancel(paid)
    assert caught.value.code == "invalid_transition"
    assert not Refund.objects.filter(store=paid.store).exists()
    assert not pm.TestGatewayRefund.objects.exists()
    assert paid.refresh().status == OrderStatus.FULFILLED


def test_a_refund_the_provider_confirms_later_leaves_the_order_as_it_is(paid: Buyer, monkeypatch) -> None:
    real = gateway.refund

    def accepted_not_settled(**kwargs):  # type: ignore[no-untyped-def]
        return {**real(**kwargs), "status": "pending"}

    monkeypatch.setattr(gateway, "refund", accepted_not_settled)
    done = _cancel(paid)

    assert not done.cancelled
    assert done.refund is not None and done.refund.status == RefundStatus.PENDING
    assert done.order.status == OrderStatus.PAID == paid.refresh().status
    assert _stock(paid) == 8


def test_a_refused_refund_leaves_the_order_as_it_is(paid: Buyer, monkeypatch) -> None:
    def refused(**kwargs):  # type: ignore[no-untyped-def]
        raise gateway.GatewayError("payment_not_succeeded", "only a succeeded payment can be refunded")

    monkeypatch.setattr(gateway, "refund", refused)
    done = _cancel(paid)

    assert not done.cancelled
    assert done.refund is not None and done.refund.status == RefundStatus.FAILED
    assert paid.refresh().status == OrderStatus.PAID and _stock(paid) == 8


def test_cancelling_with_the_provider_down_keeps_the_refund_pending_and_the_order(paid: Buyer, monkeypatch) -> None:
    _gateway_down(monkeypatch, "refund", times=99)
    monkeypatch.setattr(refund_retry_task, "schedule", lambda args, delay: None)
    with pytest.raises(services.PaymentUnavailable):
        _cancel(paid)
    assert Refund.objects.get(store=paid.store).status == RefundStatus.PENDING
    assert paid.refresh().status == OrderStatus.PAID and _stock(paid) == 8


def test_another_stores_order_is_not_found(paid: Buyer) -> None:
    from tests.factories import make_merchant

    other = make_merchant().store
    with pytest.raises(NotFound):
        services.order_cancel_with_refund(store=other, order=paid.order, actor=Actor.system(), reason="")
    assert paid.refresh().status == OrderStatus.PAID


# --- money the order cannot take ---------------------------------------------------------


def test_a_second_payment_of_a_paid_order_is_returned_automatically(buyer: Buyer, client, run_jobs) -> None:
    """Two tabs: the buyer pays a new attempt, and the first one's page, closed here but not yet at the
    provider (its closing job has not run), takes the money too."""
    first = buyer.start()
    Payment.objects.filter(store=buyer.store, pk=first.pk).update(status=PaymentStatus.CANCELLED)
    second = buyer.start()
    assert second.pk != first.pk
    with run_jobs():
        pay(client, second)
        pay(client, first)  # the old page, still open at the gateway, takes the money too
    first.refresh_from_db()
    second.refresh_from_db()
    order = buyer.refresh()
    assert order.status == OrderStatus.PAID and order.refunded_total == 0
    assert first.status == PaymentStatus.SUCCEEDED and first.refunded_amount == first.amount
    assert gateway_row(first).refunded_amount == first.amount
    assert gateway_row(second).refunded_amount == 0
    returned = Refund.objects.get(store=buyer.store)
    assert (returned.payment_id, returned.status, returned.reason) == (
        first.pk,
        RefundStatus.SUCCEEDED,
        services.RETURNED_PAYMENT_REASON,
    )
    automatic = OrderEvent.objects.get(store=buyer.store, kind=OrderEventKind.REFUND_REQUESTED)
    assert automatic.data["automatic"] is True and automatic.data["payment_id"] == first.pk
    note = OrderEvent.objects.get(store=buyer.store, kind=OrderEventKind.NOTE)
    assert (note.data["code"], note.data["payment_id"]) == ("paid_after_closing", first.pk)
    # The refundable amount of the order is untouched by the returned payment.
    with run_jobs():
        _refund(buyer, "45.00")
    assert buyer.refresh().status == OrderStatus.REFUNDED


def test_the_sweep_resends_unanswered_refunds_while_the_key_is_fresh(
    paid: Buyer, monkeypatch, run_jobs, caplog
) -> None:
    _gateway_down(monkeypatch, "refund", times=2)
    monkeypatch.setattr(refund_retry_task, "schedule", lambda args, delay: None)  # as if the retries ran out
    for amount in ("5.00", "6.00"):
        with pytest.raises(services.PaymentUnavailable):
            _refund(paid, amount)
    fresh, old = Refund.objects.filter(store=paid.store).order_by("id")
    now = timezone.now()
    Refund.objects.filter(store=paid.store, pk=fresh.pk).update(updated_at=now - timedelta(minutes=11))
    Refund.objects.filter(store=paid.store, pk=old.pk).update(
        created_at=now - timedelta(hours=21), updated_at=now - timedelta(minutes=11)
    )
    with run_jobs():
        assert services.refunds_resend_stale(now=now) == 1
    fresh.refresh_from_db()
    old.refresh_from_db()
    assert fresh.status == RefundStatus.SUCCEEDED
    assert old.status == RefundStatus.PENDING  # too old to resend safely: a person checks it
    assert f"refund #{old.pk} of store #{paid.store.pk} unanswered for a day" in caplog.text
    assert paid.refresh().refunded_total == Decimal("5.00")
    # Nothing is due again right away.
    assert services.refunds_resend_stale(now=now) == 0
