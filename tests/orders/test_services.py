"""orders.services: placing, paying, failing, refunding, cancelling and shipping an order."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.cart.models import CartLine
from shopwright.catalog.models import Product, Variant
from shopwright.catalog.stock import InsufficientStock
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import checkout_priced
from shopwright.core import crypto
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.models import AuditEntry, Email
from shopwright.orders.models import (
    Fulfillment,
    FulfillmentLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OrderTaxLine,
)
from shopwright.orders.services import (
    RESERVATION_MINUTES,
    CheckoutChanged,
    CheckoutIncomplete,
    PaymentOutcome,
    order_cancel,
    order_fulfil,
    order_payment_action_required,
    order_payment_failed,
    order_payment_succeeded,
    order_place,
    order_refund_applied,
    order_refundable,
)
from shopwright.payments.models import PaymentStatus, Refund, RefundStatus
from tests.checkout_factories import BUYER_EMAIL, make_checkout
from tests.factories import make_customer
from tests.order_factories import make_paid_order, make_payment, make_variant, place_order, stock_of

pytestmark = pytest.mark.django_db

ANON = Actor.anonymous()


def _kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(store_id=order.store_id, order=order).values_list("kind", flat=True))


def _emails(store, kind: str) -> list[Email]:  # type: ignore[no-untyped-def]
    return list(Email.objects.filter(store_id=store.pk, kind=kind).order_by("id"))


def _lines(order: Order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(store_id=order.store_id, order=order).order_by("id"))


def _fresh(order: Order) -> Order:
    return Order.objects.get(store_id=order.store_id, pk=order.pk)


def _refund(order: Order, payment, amount: str) -> Refund:  # type: ignore[no-untyped-def]
    return Refund.objects.create(
        store_id=order.store_id,
        payment=payment,
        order=order,
        amount=Decimal(amount),
        status=RefundStatus.SUCCEEDED,
        idempotency_key=f"refund-{payment.pk}-{Refund.objects.filter(store_id=order.store_id).count()}",
        actor_type="user",
        actor_id=1,
    )


def _paid_payment(order: Order):  # type: ignore[no-untyped-def]
    """The payment that paid the order (make_paid_order's)."""
    return order.payments.filter(store_id=order.store_id, status=PaymentStatus.SUCCEEDED).get()


# --- placing ------------------------------------------------------------------------------------


def test_placing_copies_the_checkout_into_an_order_that_holds_the_stock(store) -> None:
    shirt = make_variant(store, stock=5, price="20.00", title="Linen shirt", sizes=["M"])
    mug = make_variant(store, stock=2, price="8.50", title="Mug")
    checkout = make_checkout(store, [(shirt, 2), (mug, 1)], method=store_method(store))
    priced = checkout_priced(store=store, checkout=checkout)
    before = timezone.now()

    placed = order_place(store=store, checkout=checkout, reviewed_signature=priced.signature, actor=ANON)

    order = _fresh(placed.order)
    assert placed.created and placed.token
    assert order.token_hash == hashlib.sha256(placed.token.encode()).hexdigest()
    assert order.number == 1001 and order.status == OrderStatus.PENDING_PAYMENT
    # The money is what the buyer reviewed: 2 x 20.00 + 8.50, shipping 5.00, 19 % VAT on top.
    assert (order.subtotal, order.shipping_total) == (Decimal("48.50"), Decimal("5.00"))
    assert order.tax_total == priced.tax_total == Decimal("10.17")
    assert order.total == priced.total == Decimal("63.67")
    assert order.currency == store.currency and order.prices_include_tax is False
    assert order.email == BUYER_EMAIL and order.email_index == crypto.blind_index(BUYER_EMAIL)
    assert order.shipping_country == "DE" and order.shipping_address["city"] == "BERLIN"
    assert order.shipping_method_name == "Standard"
    assert before + timedelta(minutes=RESERVATION_MINUTES - 1) < order.reserved_until
    assert order.reserved_until <= timezone.now() + timedelta(minutes=RESERVATION_MINUTES)

    first, second = _lines(order)
    assert (first.product_title, first.variant_title, first.sku) == ("Linen shirt", "M", shirt.sku)
    assert (first.unit_price, first.quantity, first.line_total) == (Decimal("20.00"), 2, Decimal("40.00"))
    assert (second.product_title, second.quantity, second.line_total) == ("Mug", 1, Decimal("8.50"))
    assert first.tax_rate == Decimal("19")
    [tax] = OrderTaxLine.objects.filter(store=store, order=order)
    assert (tax.name, tax.rate, tax.amount) == ("VAT", Decimal("19"), Decimal("10.17"))

    assert (stock_of(shirt), stock_of(mug)) == (3, 1)
    assert not CartLine.objects.filter(store=store, cart_id=checkout.cart_id).exists()
    assert Checkout.objects.get(store=store, pk=checkout.pk).order_id == order.pk
    assert _kinds(order) == ["placed"]
    # No email yet: the confirmation goes when the order is paid.
    assert _emails(store, "order_confirmation") == []


def store_method(store):  # type: ignore[no-untyped-def]
    from shopwright.shipping.models import ShippingMethod

    return ShippingMethod.objects.filter(store=store).get()


def test_a_second_click_finds_the_order_the_first_placed(store) -> None:
    item = make_variant(store, stock=5)
    checkout = make_checkout(store, [(item, 2)], method=store_method(store))
    signature = checkout_priced(store=store, checkout=checkout).signature

    first = order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)
    again = order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)

    assert again.order.pk == first.order.pk and not again.created and again.token is None
    assert stock_of(item) == 3
    assert Order.objects.filter(store=store).count() == 1


def test_a_price_change_since_the_review_places_nothing_and_shows_the_new_total(store) -> None:
    item = make_variant(store, stock=5, price="20.00")
    checkout = make_checkout(store, [(item, 1)], method=store_method(store))
    signature = checkout_priced(store=store, checkout=checkout).signature
    Variant.objects.filter(store=store, pk=item.pk).update(price=Decimal("25.00"))

    with pytest.raises(CheckoutChanged) as raised:
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)

    assert raised.value.status_code == 409 and raised.value.code == "checkout_changed"
    assert raised.value.priced is not None and raised.value.priced.subtotal == Decimal("25.00")
    assert stock_of(item) == 5 and not Order.objects.filter(store=store).exists()
    assert CartLine.objects.filter(store=store, cart_id=checkout.cart_id).count() == 1


def test_a_tampered_signature_places_nothing(store) -> None:
    item = make_variant(store, stock=5)
    checkout = make_checkout(store, [(item, 1)], method=store_method(store))
    with pytest.raises(CheckoutChanged):
        order_place(store=store, checkout=checkout, reviewed_signature="0" * 64, actor=ANON)
    assert not Order.objects.filter(store=store).exists()


def test_a_checkout_without_address_or_method_says_what_is_missing(store) -> None:
    item = make_variant(store, stock=5)
    checkout = make_checkout(store, [(item, 1)], method=None, phone="")
    signature = checkout_priced(store=store, checkout=checkout).signature

    with pytest.raises(CheckoutIncomplete) as raised:
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)

    assert set(raised.value.fields) == {"phone", "shipping_method"}
    assert stock_of(item) == 5 and not Order.objects.filter(store=store).exists()


def test_a_line_sold_out_since_the_review_places_nothing(store) -> None:
    item, other = make_variant(store, stock=5), make_variant(store, stock=5)
    checkout = make_checkout(store, [(item, 3), (other, 1)], method=store_method(store))
    signature = checkout_priced(store=store, checkout=checkout).signature
    Variant.objects.filter(store=store, pk=item.pk).update(stock_quantity=2)

    with pytest.raises(InsufficientStock) as raised:
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)

    # The same answer as when the reservation itself finds the units gone: what is left of each.
    assert raised.value.shortfalls == {item.pk: 2}
    assert (stock_of(item), stock_of(other)) == (2, 5) and not Order.objects.filter(store=store).exists()


def test_stock_gone_between_pricing_and_reserving_raises_insufficient_stock(store, monkeypatch) -> None:
    """The race the locks settle: pricing saw the units, the reservation finds them gone."""
    from shopwright.orders import services

    item = make_variant(store, stock=5)
    checkout = make_checkout(store, [(item, 3)], method=store_method(store))
    signature = checkout_priced(store=store, checkout=checkout).signature
    real = services.stock_reserve

    def another_buyer_first(**kwargs):  # type: ignore[no-untyped-def]
        Variant.objects.filter(store=store, pk=item.pk).update(stock_quantity=1)
        return real(**kwargs)

    monkeypatch.setattr(services, "stock_reserve", another_buyer_first)
    with pytest.raises(InsufficientStock) as raised:
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)
    assert raised.value.shortfalls == {item.pk: 1}
    assert not Order.objects.filter(store=store).exists()
    assert CartLine.objects.filter(store=store, cart_id=checkout.cart_id).count() == 1


def test_an_unpublished_product_stops_the_placement(store) -> None:
    item = make_variant(store, stock=5)
    checkout = make_checkout(store, [(item, 1)], method=store_method(store))
    signature = checkout_priced(store=store, checkout=checkout).signature
    Product.objects.filter(store=store, pk=item.product_id).update(status="draft")

    with pytest.raises((CheckoutIncomplete, CheckoutChanged)):
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)
    assert stock_of(item) == 5


def test_another_stores_checkout_is_not_found(store, other_store) -> None:
    item = make_variant(other_store, stock=5)
    checkout = make_checkout(other_store, [(item, 1)], method=store_method(other_store))
    signature = checkout_priced(store=other_store, checkout=checkout).signature

    with pytest.raises(NotFound):
        order_place(store=store, checkout=checkout, reviewed_signature=signature, actor=ANON)
    assert stock_of(item) == 5


def test_numbers_run_per_store_from_1001(store, other_store) -> None:
    item, theirs = make_variant(store, stock=9), make_variant(other_store, stock=9)
    numbers = [place_order(store, [(item, 1)]).order.number for _ in range(3)]
    assert numbers == [1001, 1002, 1003]
    assert place_order(other_store, [(theirs, 1)]).order.number == 1001


def test_a_customers_order_is_theirs_and_their_cart_count_drops_to_zero(
    store, django_capture_on_commit_callbacks
) -> None:
    from shopwright.cart.counts import cached_count, count_now

    customer = make_customer(store)
    item = make_variant(store, stock=5)
    count_now(store_id=store.pk, customer_id=customer.pk, count=2)
    with django_capture_on_commit_callbacks(execute=True):
        placed = place_order(store, [(item, 2)], customer=customer)
    assert placed.order.customer_id == customer.pk
    placed_event = OrderEvent.objects.get(store=store, order=placed.order)
    assert (placed_event.actor_type, placed_event.actor_id) == ("customer", customer.pk)
    assert cached_count(store_id=store.pk, customer_id=customer.pk) == 0


def test_a_customer_places_a_second_order_from_their_one_cart(store) -> None:
    """A customer has one cart per store: after the first order empties it, the next order comes from it too."""
    from shopwright.cart.models import Cart
    from shopwright.orders.selectors import orders_for_customer

    customer = make_customer(store)
    shirt, mug = make_variant(store, stock=5, title="Shirt"), make_variant(store, stock=5, title="Mug")
    first = place_order(store, [(shirt, 1)], customer=customer).order
    second = place_order(
        store, [(mug, 2)], customer=customer, extra_phone="+49 30 1234567", delivery_time="evening"
    ).order

    assert (first.number, second.number) == (1001, 1002)
    assert [(line.product_title, line.quantity) for line in _lines(second)] == [("Mug", 2)]
    assert (stock_of(shirt), stock_of(mug)) == (4, 3)
    second = _fresh(second)
    assert (second.extra_phone, second.delivery_time) == ("+49 30 1234567", "Evening (18:00-21:00)")
    assert _fresh(first).delivery_time == ""
    assert Cart.objects.filter(store=store, customer=customer).count() == 1
    listed = orders_for_customer(store=store, customer=customer)
    assert [row.number for row in listed.rows] == [1002, 1001]


# --- payments -----------------------------------------------------------------------------------


def test_a_successful_payment_makes_the_order_paid_counts_the_sale_and_sends_the_confirmation(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 2)]).order
    payment = make_payment(order)

    assert order_payment_succeeded(store=store, order=order, payment=payment) is PaymentOutcome.APPLIED

    order = _fresh(order)
    assert order.status == OrderStatus.PAID and order.paid_at and order.reserved_until is None
    assert Product.objects.get(store=store, pk=item.product_id).sales_count == 2
    assert stock_of(item) == 3  # the reservation became the sale: no second take
    [email] = _emails(store, "order_confirmation")
    assert email.to == BUYER_EMAIL and "#1001" in email.subject and "Linden Goods" in email.subject
    assert _kinds(order) == ["placed", "paid", "email_sent"]
    paid = OrderEvent.objects.get(store=store, order=order, kind="paid")
    assert paid.data == {"payment_id": payment.pk, "provider": "test", "amount": str(order.total), "currency": "USD"}


def test_a_sale_keeps_the_stores_cached_pages_unless_a_stock_badge_changes(
    store, django_capture_on_commit_callbacks
) -> None:
    """A busy store would lose its page cache on every sale; only "Only 3 left" / "Sold out" must show at once."""
    from shopwright.catalog.cache import catalog_version

    plenty, last = make_variant(store, stock=50), make_variant(store, stock=1)
    version = catalog_version(store.pk)
    with django_capture_on_commit_callbacks(execute=True):
        make_paid_order(store, [(plenty, 2)])
    assert catalog_version(store.pk) == version
    with django_capture_on_commit_callbacks(execute=True):
        place_order(store, [(last, 1)])
    assert catalog_version(store.pk) != version  # sold out: the badge changes when the unit is reserved


def test_a_duplicate_success_changes_nothing(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    payment = _paid_payment(order)

    assert order_payment_succeeded(store=store, order=order, payment=payment) is PaymentOutcome.ALREADY_PAID
    assert len(_emails(store, "order_confirmation")) == 1
    assert _kinds(order).count("paid") == 1


def test_a_second_payment_for_a_paid_order_must_be_refunded(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    second = make_payment(order)

    assert order_payment_succeeded(store=store, order=order, payment=second) is PaymentOutcome.REFUND_NEEDED
    assert _fresh(order).status == OrderStatus.PAID
    note = OrderEvent.objects.get(store=store, order=order, kind="note")
    assert note.data["code"] == "paid_twice" and note.data["payment_id"] == second.pk


def test_a_payment_of_another_amount_is_not_applied(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    short = make_payment(order, amount=order.total - Decimal("1.00"))

    assert order_payment_succeeded(store=store, order=order, payment=short) is PaymentOutcome.REFUND_NEEDED
    assert _fresh(order).status == OrderStatus.PENDING_PAYMENT


def test_a_failed_payment_is_on_the_timeline_mailed_and_the_order_stays_payable(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    failed = make_payment(order, status=PaymentStatus.FAILED)
    failed.failure_code = "card_declined"

    order_payment_failed(store=store, order=order, payment=failed)

    assert _fresh(order).status == OrderStatus.PENDING_PAYMENT
    event = OrderEvent.objects.get(store=store, order=order, kind="payment_failed")
    assert event.data["failure_code"] == "card_declined"
    [email] = _emails(store, "order_payment_failed")
    assert "did not go through" in email.subject
    # A retry then succeeds.
    assert order_payment_succeeded(store=store, order=order, payment=make_payment(order)) is PaymentOutcome.APPLIED


def test_extra_authentication_is_only_noted(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    order_payment_action_required(
        store=store, order=order, payment=make_payment(order, status=PaymentStatus.ACTION_REQUIRED)
    )
    assert _kinds(order) == ["placed", "payment_action_required"]
    assert _fresh(order).status == OrderStatus.PENDING_PAYMENT


# --- refunds ------------------------------------------------------------------------------------


def test_refunds_add_up_to_partially_refunded_then_refunded(store) -> None:
    order = make_paid_order(store, [(make_variant(store, price="30.00"), 1)])
    payment = _paid_payment(order)
    total = order.total

    order = order_refund_applied(store=store, order=order, refund=_refund(order, payment, "10.00"))
    assert (order.status, order.refunded_total) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("10.00"))
    assert order_refundable(order) == total - Decimal("10.00")

    order = order_refund_applied(store=store, order=order, refund=_refund(order, payment, str(total - 10)))
    assert (order.status, order.refunded_total) == (OrderStatus.REFUNDED, total)
    assert len(_emails(store, "order_refund")) == 2
    assert _fresh(order).status == OrderStatus.REFUNDED


def test_the_same_refund_applied_twice_counts_once(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    refund = _refund(order, _paid_payment(order), "5.00")
    order_refund_applied(store=store, order=order, refund=refund)
    order = order_refund_applied(store=store, order=order, refund=refund)
    assert _fresh(order).refunded_total == Decimal("5.00")
    assert len(_emails(store, "order_refund")) == 1


def test_a_refund_beyond_the_total_is_refused(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    with pytest.raises(ApplicationError) as raised:
        order_refund_applied(store=store, order=order, refund=_refund(order, _paid_payment(order), "999.00"))
    assert raised.value.code == "refund_exceeds_total"
    assert _fresh(order).refunded_total == 0


def test_returning_a_payment_the_order_could_not_take_leaves_its_totals(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    extra = make_payment(order)
    assert order_payment_succeeded(store=store, order=order, payment=extra) is PaymentOutcome.REFUND_NEEDED

    order_refund_applied(store=store, order=order, refund=_refund(order, extra, str(order.total)))

    order = _fresh(order)
    assert (order.status, order.refunded_total) == (OrderStatus.PAID, 0)
    assert OrderEvent.objects.get(store=store, order=order, kind="refunded").data["returned_payment"] is True


def test_a_refund_the_provider_has_not_confirmed_is_not_applied(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    refund = _refund(order, _paid_payment(order), "1.00")
    refund.status = RefundStatus.PENDING
    with pytest.raises(ApplicationError) as raised:
        order_refund_applied(store=store, order=order, refund=refund)
    assert raised.value.code == "refund_not_succeeded"
    assert _fresh(order).refunded_total == 0


# --- cancelling ---------------------------------------------------------------------------------


def _merchant(store):  # type: ignore[no-untyped-def]
    return Actor.user(store.owner)


def test_cancelling_a_pending_order_restocks_it_once(store) -> None:
    item = make_variant(store, stock=5)
    order = place_order(store, [(item, 3)]).order
    assert stock_of(item) == 2

    order = order_cancel(store=store, order=order, actor=_merchant(store), reason="Buyer called")
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at and order.reserved_until is None
    assert stock_of(item) == 5
    assert all(line.restocked for line in _lines(order))

    order_cancel(store=store, order=order, actor=_merchant(store))  # a retry
    assert stock_of(item) == 5
    assert _kinds(order) == ["placed", "cancelled", "restocked"]
    cancelled = OrderEvent.objects.get(store=store, order=order, kind="cancelled")
    assert cancelled.data == {"code": "merchant", "reason": "Buyer called"}
    assert (cancelled.actor_type, cancelled.actor_id) == ("user", store.owner_id)
    entry = AuditEntry.objects.get(action="orders.order_cancel", store_id=store.pk)
    assert (entry.actor_id, entry.object_id, entry.details["restocked_units"]) == (store.owner_id, str(order.pk), 3)


def test_a_paid_order_is_refunded_in_full_before_it_is_cancelled(store) -> None:
    item = make_variant(store, stock=5)
    order = make_paid_order(store, [(item, 2)])

    with pytest.raises(ApplicationError) as raised:
        order_cancel(store=store, order=order, actor=_merchant(store))
    assert raised.value.code == "refund_first" and stock_of(item) == 3

    order = order_refund_applied(
        store=store, order=order, refund=_refund(order, _paid_payment(order), str(order.total))
    )
    order = order_cancel(store=store, order=order, actor=_merchant(store))
    assert order.status == OrderStatus.CANCELLED and stock_of(item) == 5


def test_a_shipped_order_cannot_be_cancelled(store) -> None:
    item = make_variant(store, stock=5)
    order = make_paid_order(store, [(item, 2)])
    order = order_fulfil(
        store=store,
        order=order,
        actor=_merchant(store),
        carrier="DHL",
        tracking_number="1",
        quantities={_lines(order)[0].pk: 1},
    )
    order = order_refund_applied(
        store=store, order=order, refund=_refund(order, _paid_payment(order), str(order.total))
    )

    with pytest.raises(ApplicationError) as raised:
        order_cancel(store=store, order=order, actor=_merchant(store))
    assert raised.value.code == "invalid_transition"
    assert stock_of(item) == 3 and _fresh(order).status == OrderStatus.REFUNDED


# --- shipping -----------------------------------------------------------------------------------


def test_shipping_everything_fulfils_the_order_and_mails_the_tracking(store) -> None:
    order = make_paid_order(store, [(make_variant(store, title="Teapot"), 2), (make_variant(store), 1)])

    order = order_fulfil(
        store=store,
        order=order,
        actor=_merchant(store),
        carrier="DHL",
        tracking_number="JJD000390007",
        tracking_url="https://track.example/JJD000390007",
    )

    assert order.status == OrderStatus.FULFILLED and order.fulfilled_at
    assert [(line.quantity_fulfilled, line.quantity) for line in _lines(order)] == [(2, 2), (1, 1)]
    parcel = Fulfillment.objects.get(store=store, order=order)
    assert (parcel.carrier, parcel.tracking_number) == ("DHL", "JJD000390007")
    assert sorted(
        FulfillmentLine.objects.filter(store=store, fulfillment=parcel).values_list("quantity", flat=True)
    ) == [1, 2]
    [email] = _emails(store, "order_shipped")
    assert "JJD000390007" in email.body_text and "https://track.example/JJD000390007" in email.body_html
    event = OrderEvent.objects.get(store=store, order=order, kind="fulfilled")
    # The tracking number finds the recipient at the carrier: the timeline keeps the parcel's id instead.
    assert event.data == {"fulfillment_id": parcel.pk, "carrier": "DHL", "units": 3, "complete": True}
    assert AuditEntry.objects.filter(action="orders.order_fulfil", store_id=store.pk, actor_id=store.owner_id).exists()


def test_shipping_in_two_parcels(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 3)])
    [line] = _lines(order)

    order = order_fulfil(
        store=store, order=order, actor=_merchant(store), carrier="UPS", tracking_number="A", quantities={line.pk: 1}
    )
    assert order.status == OrderStatus.PARTIALLY_FULFILLED and order.fulfilled_at is None
    assert "partly shipped" in _emails(store, "order_shipped")[0].subject

    order = order_fulfil(store=store, order=order, actor=_merchant(store), carrier="UPS", tracking_number="B")
    assert order.status == OrderStatus.FULFILLED
    assert _lines(order)[0].quantity_fulfilled == 3

    with pytest.raises(ApplicationError) as raised:
        order_fulfil(store=store, order=order, actor=_merchant(store), carrier="UPS", tracking_number="C")
    assert raised.value.code == "invalid_transition"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"carrier": "  "}, "carrier"),
        ({"carrier": "C" * 61}, "carrier"),
        ({"tracking_number": "9" * 101}, "tracking_number"),
        ({"tracking_url": "javascript:alert(1)"}, "tracking_url"),
        ({"tracking_url": "not a link"}, "tracking_url"),
    ],
)
def test_a_bad_parcel_is_refused_and_nothing_is_written(store, fields, field) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    given = {"carrier": "DHL", "tracking_number": "1", "tracking_url": ""} | fields

    with pytest.raises(ApplicationError) as raised:
        order_fulfil(store=store, order=order, actor=_merchant(store), **given)

    assert field in raised.value.fields
    assert _fresh(order).status == OrderStatus.PAID
    assert not Fulfillment.objects.filter(store=store).exists()


def test_bad_quantities_are_refused_and_nothing_is_written(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 2)])
    other = make_paid_order(store, [(make_variant(store), 1)])
    [line] = _lines(order)
    [foreign] = _lines(other)

    for quantities in ({line.pk: 3}, {line.pk: -1}, {foreign.pk: 1}, {line.pk: 0}, {}):
        with pytest.raises(ApplicationError):
            order_fulfil(
                store=store,
                order=order,
                actor=_merchant(store),
                carrier="DHL",
                tracking_number="1",
                quantities=quantities,
            )

    assert not Fulfillment.objects.filter(store=store).exists()
    assert _lines(order)[0].quantity_fulfilled == 0


def test_an_unpaid_order_cannot_be_shipped(store) -> None:
    order = place_order(store, [(make_variant(store), 1)]).order
    with pytest.raises(ApplicationError) as raised:
        order_fulfil(store=store, order=order, actor=_merchant(store), carrier="DHL", tracking_number="1")
    assert raised.value.code == "invalid_transition"


def test_another_stores_order_is_not_found(store, other_store) -> None:
    theirs = make_paid_order(other_store, [(make_variant(other_store), 1)])
    with pytest.raises(NotFound):
        order_fulfil(store=store, order=theirs, actor=_merchant(store), carrier="DHL", tracking_number="1")
    with pytest.raises(NotFound):
        order_cancel(store=store, order=theirs, actor=_merchant(store))
    assert _fresh(theirs).status == OrderStatus.PAID


def test_a_partly_refunded_order_can_still_ship_and_keeps_saying_so(store) -> None:
    order = make_paid_order(store, [(make_variant(store), 1)])
    order = order_refund_applied(store=store, order=order, refund=_refund(order, _paid_payment(order), "1.00"))
    order = order_fulfil(store=store, order=order, actor=_merchant(store), carrier="DHL", tracking_number="1")
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.fulfilled_at
    assert _lines(order)[0].quantity_fulfilled == 1
