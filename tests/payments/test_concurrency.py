"""Racing payments on PostgreSQL (real concurrent transactions): double clicks and double submits."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pytest
from django.test import Client

from shopwright.core.models import Email
from shopwright.orders.models import OrderStatus
from shopwright.payments import models as pm
from shopwright.payments.models import Payment, PaymentStatus, WebhookEvent
from shopwright.payments.testgateway import services as gateway
from tests.concurrency import run_at_once
from tests.payments.conftest import CARD_OK, make_buyer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _card_paid_with_webhook_held(
    client: Client, monkeypatch: pytest.MonkeyPatch, payment: Payment
) -> Callable[[], object]:
    """Pay `payment` on the hosted page with the gateway's webhook held back: a function that delivers it."""
    from shopwright.payments import tasks
    from tests.payments.conftest import pay

    held: list[tuple] = []
    monkeypatch.setattr(tasks, "testgateway_event_deliver_task", lambda *args: held.append(args))
    assert pay(client, payment).status_code == 303
    ((payment_id, event_id, event_type, created, _failure, refund_id),) = held

    def deliver() -> object:
        return gateway.event_deliver(
            payment_id=payment_id, event_id=event_id, event_type=event_type, created=created, refund_id=refund_id
        )

    return deliver


def test_two_clicks_on_pay_at_once_make_one_payment(postgres, monkeypatch) -> None:
    """Both clicks reach the provider (the second resumes the first's attempt while its call is in flight)."""
    buyer = make_buyer()
    barrier = threading.Barrier(2, timeout=10)
    real = gateway.create

    def both_in_flight(**kwargs):  # type: ignore[no-untyped-def]
        barrier.wait()
        return real(**kwargs)

    monkeypatch.setattr(gateway, "create", both_in_flight)
    outcomes = run_at_once(lambda n: buyer.start())

    payments = [o for o in outcomes.values() if isinstance(o, Payment)]
    assert len(payments) == 2, outcomes
    assert payments[0].pk == payments[1].pk
    assert payments[0].redirect_url == payments[1].redirect_url
    assert Payment.objects.filter(store=buyer.store).count() == 1
    assert pm.TestGatewayPayment.objects.count() == 1


def test_two_submits_of_the_card_form_at_once_charge_once(postgres) -> None:
    buyer = make_buyer()
    payment = buyer.start()
    card = gateway.card_check(number=CARD_OK, expiry="12/39", cvc="123", name="E M")
    outcomes = run_at_once(lambda n: gateway.card_submit(payment_id=payment.reference, card=card))
    assert all(isinstance(o, pm.TestGatewayPayment) for o in outcomes.values()), outcomes
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert buyer.refresh().status == OrderStatus.PAID
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 1
    assert Email.objects.filter(kind="order_confirmation").count() == 1


def test_a_refund_asked_while_a_refund_webhook_settles_another_never_deadlocks(postgres, monkeypatch, client) -> None:
    """refund_create (the merchant) and a refund webhook (the provider) need the same payment and order.

    Both take the payment first, then the order: whichever is second waits
    for the first instead of each holding what the other needs. The first
    rounds make the two meet while each holds its first lock (where, with
    the order locked first by refund_create, PostgreSQL found a deadlock);
    the others run as they come.
    """
    from decimal import Decimal

    from shopwright.core.audit import Actor
    from shopwright.payments import selectors, services, tasks
    from shopwright.payments.models import Refund, RefundStatus
    from tests.payments.conftest import pay

    buyer = make_buyer(price="100.00")
    pay(client, buyer.start())
    assert buyer.refresh().status == OrderStatus.PAID
    # The gateway accepts refunds as pending and holds back its webhooks: the test delivers them.
    real_refund = gateway.refund
    monkeypatch.setattr(gateway, "refund", lambda **kwargs: {**real_refund(**kwargs), "status": "pending"})
    held: list[tuple] = []
    monkeypatch.setattr(tasks, "testgateway_event_deliver_task", lambda *args: held.append(args))

    meet = {"on": False}
    barrier = threading.Barrier(2)

    def wait_for_the_other() -> None:
        if meet["on"]:
            # A broken barrier: the other waits for a lock this one holds (as it should): go on alone.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1)

    real_pending, real_applied = selectors.pending_refund_total, services.order_refund_applied

    def pending_then_meet(**kwargs):  # type: ignore[no-untyped-def]
        wait_for_the_other()  # refund_create, holding its first lock(s)
        return real_pending(**kwargs)

    def applied_after_meeting(**kwargs):  # type: ignore[no-untyped-def]
        wait_for_the_other()  # the webhook, holding the payment's lock
        return real_applied(**kwargs)

    monkeypatch.setattr(selectors, "pending_refund_total", pending_then_meet)
    monkeypatch.setattr(services, "order_refund_applied", applied_after_meeting)

    def refund() -> Refund:
        return services.refund_create(
            store=buyer.store, order=buyer.order, amount=Decimal("1.00"), reason="", actor=Actor.system()
        )

    def race(event: tuple) -> dict[int, object]:
        """The merchant asks for a refund while the provider's webhook settles the previous one."""

        def work(n: int) -> object:
            if n == 1:
                return refund()
            payment_id, event_id, event_type, created, _failure, refund_id = event
            return gateway.event_deliver(
                payment_id=payment_id, event_id=event_id, event_type=event_type, created=created, refund_id=refund_id
            )

        return run_at_once(work)

    first = refund()
    assert first.status == RefundStatus.PENDING and len(held) == 1
    for round_ in range(12):
        meet["on"] = round_ < 3
        barrier.reset()
        outcomes = race(held.pop())
        assert isinstance(outcomes[1], Refund) and outcomes[2] == "applied", outcomes
        assert len(held) == 1  # the new refund's event, for the next round
    settled = Refund.objects.filter(store=buyer.store, status=RefundStatus.SUCCEEDED).count()
    assert settled == 12
    assert buyer.refresh().refunded_total == Decimal("12.00")


def test_the_return_page_and_the_webhook_applying_one_success_at_once_pay_the_order_once(
    postgres, monkeypatch, client
) -> None:
    """Both lock the payment and its order in one statement (payment first): one pays, the other finds it paid."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shopwright.orders.models import OrderEvent, OrderEventKind
    from shopwright.payments import services

    buyer = make_buyer()
    payment = buyer.start()
    deliver = _card_paid_with_webhook_held(client, monkeypatch, payment)
    payment.refresh_from_db()
    barrier = threading.Barrier(2, timeout=10)
    real_fetch = gateway.retrieve

    def fetch_then_meet(**kwargs):  # type: ignore[no-untyped-def]
        answer = real_fetch(**kwargs)
        barrier.wait()
        return answer

    def work(n: int) -> object:
        if n == 1:
            cache.clear()  # the page may ask the provider now
            with CaptureQueriesContext(connection) as queries:
                synced = services.payment_sync(store=buyer.store, payment=payment)
            locks = [q["sql"] for q in queries.captured_queries if "FOR NO KEY UPDATE" in q["sql"]]
            return synced, locks
        barrier.wait()  # the webhook arrives while the page has the provider's answer in hand
        return deliver()

    monkeypatch.setattr(gateway, "retrieve", fetch_then_meet)
    outcomes = run_at_once(work)
    assert outcomes[2] == "applied", outcomes
    synced, locks = outcomes[1]  # type: ignore[misc]
    assert synced.status == PaymentStatus.SUCCEEDED
    # One statement locks both rows, the payment named first (PostgreSQL locks them in that order).
    assert len(locks) == 1 and 'FOR NO KEY UPDATE OF "payments_payment", "orders_order"' in locks[0]
    assert buyer.refresh().status == OrderStatus.PAID
    assert OrderEvent.objects.filter(store=buyer.store, order=buyer.order, kind=OrderEventKind.PAID).count() == 1
    assert Email.objects.filter(kind="order_confirmation").count() == 1


def test_one_event_delivered_twice_at_once_is_applied_once(postgres, monkeypatch, client) -> None:
    """Both deliveries lock the payment first: the second finds the event recorded and changes nothing."""
    from shopwright.orders.models import OrderEvent, OrderEventKind
    from shopwright.payments import services

    buyer = make_buyer()
    payment = buyer.start()
    deliver = _card_paid_with_webhook_held(client, monkeypatch, payment)
    barrier = threading.Barrier(2, timeout=10)
    real_lookup = services._payment_for_event

    def meet_then_lock(**kwargs):  # type: ignore[no-untyped-def]
        barrier.wait()  # both deliveries verified and in their transactions, neither holds a lock yet
        return real_lookup(**kwargs)

    monkeypatch.setattr(services, "_payment_for_event", meet_then_lock)

    outcomes = run_at_once(lambda _n: deliver())
    assert sorted(map(str, outcomes.values())) == ["applied", "duplicate"], outcomes
    assert WebhookEvent.objects.filter(store=buyer.store).count() == 1
    assert buyer.refresh().status == OrderStatus.PAID
    assert OrderEvent.objects.filter(store=buyer.store, order=buyer.order, kind=OrderEventKind.PAID).count() == 1
    assert Email.objects.filter(kind="order_confirmation").count() == 1
