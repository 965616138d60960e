"""Back-office order pages: the list and its filters, masking and reveal, fulfil / refund / cancel, roles, queries."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shopwright.catalog.models import Variant
from shopwright.core.links import store_url
from shopwright.core.models import AuditEntry
from shopwright.orders.models import Fulfillment, Order, OrderEvent, OrderLine, OrderStatus
from shopwright.orders.services import order_refundable
from shopwright.payments.models import Refund, RefundStatus
from shopwright.payments.services import payment_start
from shopwright.payments.testgateway import services as gateway
from shopwright.stores.models import Role, Store
from tests.checkout_factories import address, make_shipping, make_tax
from tests.factories import make_merchant
from tests.order_factories import make_paid_order, make_variant, place_order, stock_of
from tests.stores.helpers import add_member, field_errors, page_errors, platform_client

pytestmark = pytest.mark.django_db

BUYER = {
    "email": "erika.mustermann@example.com",
    "phone": "+49 30 901820",
    "shipping_address": address(name="Erika Mustermann", street_address="Lindenallee 42", postal_code="10117"),
}
# What must not appear in a page before a reveal: the buyer's details in full.
PLAIN = ["erika.mustermann@example.com", "Erika", "Mustermann", "Lindenallee", "10117", "901820"]


@pytest.fixture
def store() -> Store:
    """A store that ships to Germany for 5.00 and charges 19 % VAT."""
    store = make_merchant(store_name="Linden Goods").store
    make_shipping(store, price="5.00")
    make_tax(store, rate="19")
    return store


@pytest.fixture
def other_store() -> Store:
    store = make_merchant(store_name="Birch Supplies").store
    make_shipping(store)
    return store


@pytest.fixture
def owner(store):
    return platform_client(store.owner)


@pytest.fixture
def staff(store, mailoutbox, django_capture_on_commit_callbacks):
    member = add_member(
        store=store,
        owner=store.owner,
        role=Role.STAFF,
        email="packer@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    return platform_client(member.user)


@pytest.fixture
def variant(store) -> Variant:
    return make_variant(store, price="20.00", stock=100)


def html(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.content.decode())


def list_numbers(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(n) for n in re.findall(r'class="order-number" href="/office/orders/\d+/">#(\d+)<', html(response))]


def detail_url(order: Order) -> str:
    return f"/office/orders/{order.number}/"


def fresh(order: Order) -> Order:
    return Order.objects.get(store_id=order.store_id, pk=order.pk)


def errors_at(response, input_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages under the input with this id (the order page's forms have their own id prefixes)."""
    match = re.search(rf'<ul class="errorlist" id="{input_id}_errors">(.*?)</ul>', html(response), re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def timeline_kinds(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'class="timeline-entry event-([a-z_]+)"', html(response))


# --- the list ------------------------------------------------------------------------------------


def test_list_shows_orders_masked_with_status_total_and_items(owner, store, variant, other_store):
    order = make_paid_order(store, [(variant, 3)], **BUYER)
    make_paid_order(other_store, [(make_variant(other_store), 1)])

    response = owner.get("/office/orders/")

    assert response.status_code == 200
    page = html(response)
    assert list_numbers(response) == [order.number]
    assert "E**** M*********" in page and "e***@example.com" in page
    for plain in PLAIN:
        assert plain not in page
    row = re.search(r'<tr class="order-row">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "Paid" in row and '<td data-label="Items" class="items">3</td>' in row
    assert "€" in row or "$" in row  # the total, formatted in the order's currency


def test_list_filters(owner, store, variant):
    pending = place_order(store, [(variant, 1)], email="ann@example.com").order
    paid = make_paid_order(store, [(variant, 4)], email="ben@example.com")
    Order.objects.filter(store=store, pk=pending.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2025, 1, 10, 12))
    )

    def shown(**query: str) -> list[int]:
        response = owner.get("/office/orders/", query)
        assert response.status_code == 200, field_errors(response, next(iter(query), "q"))
        return list_numbers(response)

    assert shown(status="paid") == [paid.number]
    assert shown(status="pending_payment") == [pending.number]
    assert shown(date_from="2025-01-01", date_to="2025-01-31") == [pending.number]
    assert shown(date_from="2025-02-01") == [paid.number]
    assert shown(amount_min=str(paid.total)) == [paid.number]
    assert shown(amount_max=str(pending.total)) == [pending.number]
    assert shown(q=f"#{paid.number}") == [paid.number]
    assert shown(q=str(pending.number)) == [pending.number]
    assert shown(q="BEN@example.com") == [paid.number]
    assert shown(q="ben@example") == []
    assert shown() == [paid.number, pending.number]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date."),
        ({"date_to": "2025-02-30"}, "date_to", "Enter a valid date."),
        ({"amount_min": "-5"}, "amount_min", "Ensure this value is greater than or equal to 0."),
        ({"amount_max": "ten"}, "amount_max", "Enter a number."),
        ({"amount_max": "NaN"}, "amount_max", "Enter a number."),
        ({"amount_min": "1e400"}, "amount_min", None),
        ({"status": "shipped"}, "status", "Select a valid choice. shipped is not one of the available choices."),
        ({"q": "Erika Mustermann"}, "q", "names and addresses are encrypted"),
        ({"q": "a\x00b@example.com"}, "q", "Null characters are not allowed."),
        ({"date_from": "2025-03-02", "date_to": "2025-03-01"}, "date_to", "The end date is before the start date."),
        ({"amount_min": "20", "amount_max": "10"}, "amount_max", "The upper amount is below the lower one."),
    ],
)
def test_bad_filters_show_the_list_with_the_message_and_400(owner, store, variant, query, field, message):
    make_paid_order(store, [(variant, 1)])
    response = owner.get("/office/orders/", query)
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors, html(response)
    if message:
        assert any(message.lower() in e.lower() for e in errors), errors
    assert list_numbers(response) == []  # no rows under filters that could not be read
    assert '<form method="get"' in html(response)


def test_bad_and_missing_pages(owner, store, variant):
    make_paid_order(store, [(variant, 1)])
    response = owner.get("/office/orders/", {"page": "x"})
    assert response.status_code == 400
    assert "The page must be a whole number." in html(response)
    assert owner.get("/office/orders/", {"page": "2"}).status_code == 404
    assert owner.get("/office/orders/", {"page": "9" * 40}).status_code == 404


def test_list_pages_hold_fifty_orders_with_page_links(owner, store, variant):
    for _ in range(51):
        place_order(store, [(variant, 1)])
    first = owner.get("/office/orders/")
    second = owner.get("/office/orders/", {"page": "2"})
    assert len(list_numbers(first)) == 50 and list_numbers(second) == [1001]
    assert 'href="?page=2"' in html(first)
    assert "51 orders" in html(first)


def test_list_needs_a_member_of_the_store(client, store):
    assert client.get("/office/orders/", HTTP_HOST="localhost").status_code == 302  # to the sign-in page


def test_list_query_count_does_not_grow_with_orders(owner, store, variant):
    def queries(n: int) -> int:
        for _ in range(n):
            place_order(store, [(variant, 2)])
        with CaptureQueriesContext(connection) as ctx:
            response = owner.get("/office/orders/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    owner.get("/office/orders/")  # the first visit of a session stores the current store in it
    few = queries(5)
    many = queries(45)  # 50 in all: a full page
    assert few == many <= 6


# --- one order: masking and reveal -------------------------------------------------------------------


def test_detail_shows_lines_totals_payment_and_timeline_with_the_buyer_masked(owner, store, variant):
    order = make_paid_order(store, [(variant, 2)], **BUYER)
    # Optional contact fields of the checkout, as a buyer who filled them in leaves them.
    Order.objects.filter(store=store, pk=order.pk).update(extra_phone="+49 170 1234567", delivery_time="Evenings")

    response = owner.get(detail_url(order))

    assert response.status_code == 200
    page = html(response)
    line = OrderLine.objects.get(store=store, order=order)
    assert line.product_title in page and line.sku in page
    assert "VAT 19%" in page and order.shipping_method_name in page
    assert "Visa •••• 4242" in page
    assert timeline_kinds(response)[:2] == ["email_sent", "paid"]  # newest first
    for plain in [*PLAIN, "1234567", "Evenings"]:
        assert plain not in page, plain
    assert "E**** M*********" in page and "e***@example.com" in page
    assert "Reveal customer details" in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # each form's inputs and messages have their own ids


def test_reveal_shows_the_buyer_in_full_once_and_is_audited(owner, store, variant):
    order = make_paid_order(store, [(variant, 1)], **BUYER)

    revealed = owner.post(detail_url(order) + "reveal/")

    assert revealed.status_code == 200
    assert revealed["Cache-Control"] == "no-store"
    page = html(revealed)
    for plain in ["erika.mustermann@example.com", "Erika Mustermann", "Lindenallee 42", "10117", "+49 30 901820"]:
        assert plain in page
    entry = AuditEntry.objects.filter(store_id=store.pk, action="order.customer_revealed").get()
    assert (entry.actor_type, entry.actor_id, entry.object_id) == ("user", store.owner.pk, str(order.pk))
    # A plain visit afterwards is masked again.
    for plain in PLAIN:
        assert plain not in html(owner.get(detail_url(order)))


def test_reveal_needs_post_and_csrf(store, variant):
    order = make_paid_order(store, [(variant, 1)], **BUYER)
    browser = platform_client(store.owner)
    browser.handler.enforce_csrf_checks = True
    assert browser.get(detail_url(order) + "reveal/").status_code == 405
    assert browser.post(detail_url(order) + "reveal/").status_code == 403
    assert not AuditEntry.objects.filter(store_id=store.pk, action="order.customer_revealed").exists()


def test_another_stores_order_is_not_found(owner, store, other_store):
    theirs = make_paid_order(other_store, [(make_variant(other_store), 1)])
    assert not Order.objects.filter(store=store, number=theirs.number).exists()
    for path in ("", "reveal/", "fulfil/", "refund/", "cancel/"):
        url = detail_url(theirs) + path
        response = owner.get(url) if not path else owner.post(url, {"carrier": "DHL", "confirm": "on", "amount": "1"})
        assert response.status_code == 404, path
    assert owner.get("/office/orders/99999999999999/").status_code == 404
    assert not AuditEntry.objects.filter(action="order.customer_revealed").exists()


def test_detail_query_count_does_not_grow_with_lines(owner, store):
    def queries(lines: int) -> int:
        order = make_paid_order(store, [(make_variant(store, stock=5), 1) for _ in range(lines)])
        with CaptureQueriesContext(connection) as ctx:
            response = owner.get(detail_url(order))
        assert response.status_code == 200
        assert html(response).count('class="order-line"') == lines
        return len(ctx.captured_queries)

    owner.get("/office/orders/")  # the first visit of a session stores the current store in it
    one = queries(1)
    assert one == queries(20) <= 12


# --- fulfil ---------------------------------------------------------------------------------------


def test_fulfil_part_then_the_rest(owner, store):
    shirt, mug = make_variant(store, stock=10), make_variant(store, stock=10)
    order = make_paid_order(store, [(shirt, 2), (mug, 1)])
    shirt_line, mug_line = OrderLine.objects.filter(store=store, order=order).order_by("id")

    form = html(owner.get(detail_url(order)))
    assert f'name="line_{shirt_line.pk}" value="2"' in form  # defaults to what is left

    response = owner.post(
        detail_url(order) + "fulfil/",
        {
            "carrier": "DHL",
            "tracking_number": "JD014600003828",
            f"line_{shirt_line.pk}": "1",
            f"line_{mug_line.pk}": "0",
        },
    )
    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.PARTIALLY_FULFILLED
    page = html(owner.get(detail_url(order)))
    assert "Partially fulfilled" in page and "J*************" in page and "JD014600003828" not in page

    response = owner.post(
        detail_url(order) + "fulfil/",
        {
            "carrier": "UPS",
            "tracking_number": "1Z999",
            "tracking_url": "https://ups.example/track/1Z999",
            f"line_{shirt_line.pk}": "1",
            f"line_{mug_line.pk}": "1",
        },
    )
    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.FULFILLED
    after = owner.get(detail_url(order))
    assert timeline_kinds(after).count("fulfilled") == 2
    # The tracking link holds the number: the carrier's site only, until the buyer's details are revealed.
    assert "ups.example/track/1Z999" not in html(after) and "https://ups.example/…" in html(after)
    revealed = owner.post(detail_url(order) + "reveal/")
    assert 'href="https://ups.example/track/1Z999"' in html(revealed)
    assert "Ship items" not in html(after)  # nothing left to ship


@pytest.mark.parametrize(
    ("post", "field"),
    [
        ({"line": "3"}, "line"),  # more than ordered
        ({"line": "-1"}, "line"),
        ({"line": "two"}, "line"),
        ({"line": "0"}, None),  # nothing to ship
        ({"carrier": ""}, "carrier"),
        ({"carrier": "x" * 61}, "carrier"),
        ({"tracking_url": "javascript:alert(1)"}, "tracking_url"),
        ({"tracking_url": "ftp://files.example/1"}, "tracking_url"),
    ],
)
def test_bad_fulfilments_change_nothing(owner, store, variant, post, field):
    order = make_paid_order(store, [(variant, 2)])
    line = OrderLine.objects.get(store=store, order=order)
    data = {"carrier": "DHL", "tracking_number": "JD1", f"line_{line.pk}": "2"}
    if "line" in post:
        data[f"line_{line.pk}"] = post["line"]
    data.update({k: v for k, v in post.items() if k != "line"})
    events = OrderEvent.objects.filter(store=store, order=order).count()

    response = owner.post(detail_url(order) + "fulfil/", data)

    assert response.status_code == 400
    if field is None:
        assert page_errors(response) == ["Ship at least one unit."]
    else:
        name = f"line_{line.pk}" if field == "line" else field
        assert field_errors(response, name), html(response)
    assert fresh(order).status == OrderStatus.PAID
    assert not Fulfillment.objects.filter(store=store, order=order).exists()
    assert OrderEvent.objects.filter(store=store, order=order).count() == events


def test_a_pending_order_cannot_be_shipped(owner, store, variant):
    order = place_order(store, [(variant, 1)]).order
    line = OrderLine.objects.get(store=store, order=order)
    assert "Ship items" not in html(owner.get(detail_url(order)))
    response = owner.post(detail_url(order) + "fulfil/", {"carrier": "DHL", f"line_{line.pk}": "1"})
    assert response.status_code == 400
    assert "cannot be shipped" in " ".join(page_errors(response))
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT


def test_staff_may_ship_and_reveal_but_not_refund_or_cancel(staff, store, variant):
    order = make_paid_order(store, [(variant, 2)])
    line = OrderLine.objects.get(store=store, order=order)
    page = html(staff.get(detail_url(order)))
    assert "Ship items" in page and "Cancel order" not in page and 'id="refund-title"' not in page
    assert "only the store's owner and admins" in page

    assert staff.post(detail_url(order) + "refund/", {"amount": "1.00"}).status_code == 403
    assert staff.post(detail_url(order) + "cancel/", {"confirm": "on"}).status_code == 403
    assert fresh(order).status == OrderStatus.PAID
    assert not Refund.objects.filter(store=store, order=order).exists()

    assert staff.post(detail_url(order) + "reveal/").status_code == 200
    response = staff.post(detail_url(order) + "fulfil/", {"carrier": "DHL", f"line_{line.pk}": "2"})
    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.FULFILLED


# --- cancel ---------------------------------------------------------------------------------------


def test_cancel_a_pending_order_restocks_it(owner, store):
    variant = make_variant(store, stock=5)
    order = place_order(store, [(variant, 2)]).order
    assert stock_of(variant) == 3

    response = owner.post(detail_url(order) + "cancel/", {"reason": "Buyer called", "confirm": "on"})

    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.CANCELLED
    assert stock_of(variant) == 5
    page = html(owner.get(detail_url(order)))
    assert timeline_kinds(owner.get(detail_url(order)))[:2] == ["restocked", "cancelled"]
    assert "reason Buyer called" in page and "— You" in page


def test_cancel_needs_the_confirmation(owner, store, variant):
    order = place_order(store, [(variant, 1)]).order
    response = owner.post(detail_url(order) + "cancel/", {"reason": "oops"})
    assert response.status_code == 400
    assert errors_at(response, "cancel_confirm") == ["Tick the box to confirm the cancellation."]
    assert fresh(order).status == OrderStatus.PENDING_PAYMENT


def test_a_shipped_order_cannot_be_cancelled(owner, store, variant):
    order = make_paid_order(store, [(variant, 2)])
    line = OrderLine.objects.get(store=store, order=order)
    owner.post(detail_url(order) + "fulfil/", {"carrier": "DHL", f"line_{line.pk}": "1"})
    assert "Cancel order" not in html(owner.get(detail_url(order)))
    response = owner.post(detail_url(order) + "cancel/", {"confirm": "on"})
    assert response.status_code == 400
    assert fresh(order).status == OrderStatus.PARTIALLY_FULFILLED


# --- refunds, and cancelling a paid order (through the built-in test provider) ---------------------------


@pytest.fixture
def gateway_paid(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Orders paid the way a buyer pays: a payment at the test provider, the card form, the provider's webhook."""

    def make(store: Store, lines: list[tuple[Variant, int]], **buyer: object) -> Order:
        placed = place_order(store, lines, **buyer)  # type: ignore[arg-type]
        payment = payment_start(store=store, order=placed.order, return_url=store_url(store, "/"))
        card = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123", "name": "Erika Mustermann"}
        with django_capture_on_commit_callbacks(execute=True):  # the webhook, delivered in-process
            response = Client().post(f"/testpay/{payment.reference}/", card, HTTP_HOST="localhost")
        assert response.status_code == 303, response.content
        order = fresh(placed.order)
        assert order.status == OrderStatus.PAID
        return order

    return make


def test_partial_then_full_refund(owner, store, variant, gateway_paid):
    order = gateway_paid(store, [(variant, 2)])

    response = owner.post(detail_url(order) + "refund/", {"amount": "10.00", "reason": "Scratched"})

    assert response.status_code == 302
    assert (fresh(order).status, fresh(order).refunded_total) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("10.00"))
    page = owner.get(detail_url(order))
    assert "is refunded" in html(page)  # the flash message
    assert "refunded" in timeline_kinds(page) and "Partially refunded" in html(page)
    assert f'name="amount" value="{order.total - 10}"' in html(page)  # what is left

    owner.post(detail_url(order) + "refund/", {"amount": str(order.total - 10), "reason": ""})
    assert (fresh(order).status, fresh(order).refunded_total) == (OrderStatus.REFUNDED, order.total)
    assert list(Refund.objects.filter(store=store, order=order).values_list("status", flat=True)) == [
        RefundStatus.SUCCEEDED,
        RefundStatus.SUCCEEDED,
    ]
    assert 'id="refund-title"' not in html(owner.get(detail_url(order)))  # nothing left to refund


def test_a_refund_above_what_is_left_changes_nothing(owner, store, variant, gateway_paid):
    order = gateway_paid(store, [(variant, 1)])
    response = owner.post(detail_url(order) + "refund/", {"amount": str(order.total + 1), "reason": ""})
    assert response.status_code == 400
    assert errors_at(response, "refund_amount") == [f"At most {order.total} {order.currency} can still be refunded."]
    assert not Refund.objects.filter(store=store, order=order).exists()


def test_an_unreachable_provider_keeps_the_refund_pending_and_says_so(owner, store, variant, gateway_paid, monkeypatch):
    order = gateway_paid(store, [(variant, 1)])

    def unreachable(**kwargs: object) -> None:
        raise gateway.GatewayUnavailable("timed out")

    monkeypatch.setattr(gateway, "refund", unreachable)

    response = owner.post(detail_url(order) + "refund/", {"amount": "5.00", "reason": ""}, follow=True)

    assert response.status_code == 200
    assert "cannot be reached" in html(response) and "retried" in html(response)
    assert fresh(order).status == OrderStatus.PAID and fresh(order).refunded_total == 0
    assert Refund.objects.get(store=store, order=order).status == RefundStatus.PENDING


def test_cancel_a_paid_order_refunds_it_then_restocks(owner, store, gateway_paid):
    variant = make_variant(store, stock=5)
    order = gateway_paid(store, [(variant, 2)])
    assert stock_of(variant) == 3
    page = html(owner.get(detail_url(order)))
    assert "is refunded to the buyer first" in page

    response = owner.post(detail_url(order) + "cancel/", {"reason": "Out of season", "confirm": "on"})

    assert response.status_code == 302
    after = fresh(order)
    assert (after.status, after.refunded_total) == (OrderStatus.CANCELLED, order.total)
    assert stock_of(variant) == 5
    assert Refund.objects.get(store=store, order=order).status == RefundStatus.SUCCEEDED
    kinds = timeline_kinds(owner.get(detail_url(order)))
    assert kinds.index("cancelled") < kinds.index("refunded")  # newest first: refunded, then cancelled


def test_cancel_a_paid_order_when_the_provider_is_down_refunds_nothing_yet(owner, store, gateway_paid, monkeypatch):
    variant = make_variant(store, stock=5)
    order = gateway_paid(store, [(variant, 2)])

    def unreachable(**kwargs: object) -> None:
        raise gateway.GatewayUnavailable("timed out")

    monkeypatch.setattr(gateway, "refund", unreachable)
    response = owner.post(detail_url(order) + "cancel/", {"confirm": "on"}, follow=True)

    assert "not cancelled yet" in html(response)
    assert fresh(order).status == OrderStatus.PAID
    assert stock_of(variant) == 3


def test_cancel_a_paid_order_whose_refund_is_refused_says_so_and_keeps_it(owner, store, gateway_paid, monkeypatch):
    variant = make_variant(store, stock=5)
    order = gateway_paid(store, [(variant, 2)])

    def refused(**kwargs: object) -> None:
        raise gateway.GatewayError("payment_not_succeeded", "only a succeeded payment can be refunded")

    monkeypatch.setattr(gateway, "refund", refused)
    response = owner.post(detail_url(order) + "cancel/", {"confirm": "on"}, follow=True)

    assert "The provider refused the refund of" in html(response) and "the order is not cancelled" in html(response)
    assert fresh(order).status == OrderStatus.PAID
    assert stock_of(variant) == 3
    assert Refund.objects.get(store=store, order=order).status == RefundStatus.FAILED


def test_cancelling_twice_cancels_and_restocks_once(owner, store):
    variant = make_variant(store, stock=5)
    order = place_order(store, [(variant, 2)]).order
    owner.post(detail_url(order) + "cancel/", {"confirm": "on"})

    again = owner.post(detail_url(order) + "cancel/", {"confirm": "on"}, follow=True)

    assert f"Order #{order.number} is cancelled." in html(again)
    assert stock_of(variant) == 5
    assert timeline_kinds(owner.get(detail_url(order))).count("cancelled") == 1


def test_refund_form_defaults_to_what_is_refundable(owner, store, variant):
    order = make_paid_order(store, [(variant, 1)])
    page = html(owner.get(detail_url(order)))
    assert f'name="amount" value="{order_refundable(order)}"' in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 0.01."),
        ("-3", "Ensure this value is greater than or equal to 0.01."),
        ("abc", "Enter a number."),
        ("1.001", "Ensure that there are no more than 2 decimal places."),
        ("100000", "can still be refunded"),
    ],
)
def test_bad_refund_amounts_change_nothing(owner, store, variant, amount, message):
    order = make_paid_order(store, [(variant, 1)])
    response = owner.post(detail_url(order) + "refund/", {"amount": amount, "reason": ""})
    assert response.status_code == 400
    assert any(message in e for e in errors_at(response, "refund_amount")), errors_at(response, "refund_amount")
    assert fresh(order).refunded_total == 0
    assert not Refund.objects.filter(store=store, order=order).exists()


def test_a_member_of_another_store_sees_only_their_own(store, variant):
    order = make_paid_order(store, [(variant, 1)])
    stranger = platform_client(make_merchant().user)
    assert list_numbers(stranger.get("/office/orders/")) == []
    assert stranger.get(detail_url(order)).status_code == 404


def test_an_order_whose_late_payment_was_returned_offers_no_refund(owner, store):
    """Its payment arrived after the hold ran out and the stock was sold: the money goes back on its own.

    The page used to offer a refund (a payment had succeeded) that then failed with "no payment to refund".
    """
    from datetime import timedelta

    from shopwright.orders.services import (
        RESERVATION_MINUTES,
        PaymentOutcome,
        order_payment_succeeded,
        order_reservations_expire,
    )
    from tests.order_factories import make_payment

    item = make_variant(store, stock=1)
    order = place_order(store, [(item, 1)]).order
    order_reservations_expire(now=timezone.now() + timedelta(minutes=RESERVATION_MINUTES + 1))
    Variant.objects.filter(store=store, pk=item.pk).update(stock_quantity=0)
    outcome = order_payment_succeeded(store=store, order=order, payment=make_payment(order))
    assert outcome is PaymentOutcome.REFUND_NEEDED

    page = html(owner.get(detail_url(order)))

    assert 'id="refund"' not in page and 'id="cancel"' not in page
    assert 'id="fulfil"' not in page


def test_the_payments_table_names_the_card_brand_and_provider_as_people_read_them(owner, store, variant):
    order = make_paid_order(store, [(variant, 1)])

    page = html(owner.get(detail_url(order)))

    assert "Visa •••• 4242" in page and "visa •••• 4242" not in page
    assert "Test provider (no real money)" in page
