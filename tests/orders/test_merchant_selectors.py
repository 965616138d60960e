"""Back-office order reads: each list filter, the search (number or exact email), pages, and timeline actors."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.orders import merchant_selectors as ms
from shopwright.orders import selectors
from shopwright.orders.events import order_event
from shopwright.orders.models import Order, OrderStatus
from shopwright.stores.models import Store
from tests.factories import make_merchant
from tests.order_factories import make_paid_order, make_variant, place_order

pytestmark = pytest.mark.django_db


def numbers(store: Store, **filters: object) -> list[int]:
    return [o.number for o in ms.orders_for_office(store=store, filters=ms.OrderFilters(**filters))]  # type: ignore[arg-type]


@pytest.fixture
def three(store):
    """#1001 pending (1 unit at 10.00), #1002 paid (2 units), #1003 paid (5 units), each by another buyer."""
    variant = make_variant(store, price="10.00", stock=50)
    a = place_order(store, [(variant, 1)], email="ann@example.com").order
    b = make_paid_order(store, [(variant, 2)], email="Ben.Buyer@Example.com")
    c = make_paid_order(store, [(variant, 5)], email="cara@example.com")
    return a, b, c


def test_no_filters_lists_every_order_newest_first_with_item_counts(store, other_store, three):
    make_paid_order(other_store, [(make_variant(other_store), 1)])
    a, b, c = three
    orders = list(ms.orders_for_office(store=store, filters=ms.OrderFilters()))
    assert [o.number for o in orders] == [c.number, b.number, a.number] == [1003, 1002, 1001]
    assert [o.item_count for o in orders] == [5, 2, 1]  # type: ignore[attr-defined]


def test_status_filter(store, three):
    a, b, c = three
    assert numbers(store, status=OrderStatus.PAID) == [c.number, b.number]
    assert numbers(store, status=OrderStatus.PENDING_PAYMENT) == [a.number]
    assert numbers(store, status=OrderStatus.REFUNDED) == []


def test_date_filters_take_whole_days(store, three):
    a, b, c = three
    for order, day in ((a, datetime.date(2025, 3, 1)), (b, datetime.date(2025, 3, 2)), (c, datetime.date(2025, 3, 3))):
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))
        Order.objects.filter(store=store, pk=order.pk).update(created_at=at)
    assert numbers(store, created_from=datetime.date(2025, 3, 2)) == [c.number, b.number]
    assert numbers(store, created_to=datetime.date(2025, 3, 2)) == [b.number, a.number]
    assert numbers(store, created_from=datetime.date(2025, 3, 2), created_to=datetime.date(2025, 3, 2)) == [b.number]
    # The ends of the calendar neither crash nor hide anything.
    assert numbers(store, created_from=datetime.date.min, created_to=datetime.date.max) == [
        c.number,
        b.number,
        a.number,
    ]


def test_amount_filters_are_inclusive(store, three):
    a, b, c = three  # totals: 10 + 5 shipping + tax, per the store's settings
    totals = sorted(o.total for o in (a, b, c))
    assert numbers(store, total_min=totals[1]) == [c.number, b.number]
    assert numbers(store, total_max=totals[1]) == [b.number, a.number]
    assert numbers(store, total_min=totals[1], total_max=totals[1]) == [b.number]
    assert numbers(store, total_min=totals[2] + Decimal("0.01")) == []


@pytest.mark.parametrize("typed", ["1002", "#1002", " # 1002 "])
def test_search_by_order_number(store, three, typed):
    _, b, _ = three
    assert numbers(store, search=ms.order_search_parse(typed)) == [b.number]


def test_search_by_a_number_no_order_has(store, three):
    assert numbers(store, search=ms.order_search_parse("999999999999")) == []


def test_search_by_email_is_exact_but_ignores_case(store, three):
    _, b, _ = three
    assert numbers(store, search=ms.order_search_parse("ben.buyer@example.com")) == [b.number]
    assert numbers(store, search=ms.order_search_parse("BEN.BUYER@EXAMPLE.COM")) == [b.number]
    # Only whole addresses: the email is encrypted, its blind index matches exact values only.
    assert numbers(store, search=ms.order_search_parse("ben.buyer@example")) == []
    assert numbers(store, search=ms.order_search_parse("ben@example.com")) == []


def test_search_by_email_does_not_cross_stores(store, other_store, three):
    make_paid_order(other_store, [(make_variant(other_store), 1)], email="dora@example.com")
    assert numbers(store, search=ms.order_search_parse("dora@example.com")) == []


@pytest.mark.parametrize("typed", ["Erika Mustermann", "Hauptstraße", "10x", "#", "12 34"])
def test_search_for_anything_else_says_what_can_be_searched(typed):
    with pytest.raises(ApplicationError) as caught:
        ms.order_search_parse(typed)
    assert caught.value.fields == {"q": [ms.SEARCH_HELP]}


def test_filters_combine(store, three):
    _, _, c = three
    assert numbers(store, status=OrderStatus.PAID, search=ms.order_search_parse("cara@example.com")) == [c.number]
    assert numbers(store, status=OrderStatus.PENDING_PAYMENT, search=ms.order_search_parse("#1002")) == []


def test_pages_of_fifty(store, monkeypatch):
    monkeypatch.setattr(ms, "OFFICE_PAGE_SIZE", 2)
    variant = make_variant(store, stock=50)
    for _ in range(5):
        place_order(store, [(variant, 1)])
    page = ms.order_page_for_office(store=store, filters=ms.OrderFilters(), page=3)
    assert [o.number for o in page.orders] == [1001]
    assert (page.total, page.num_pages, page.has_next, page.has_previous) == (5, 3, False, True)
    with pytest.raises(NotFound):
        ms.order_page_for_office(store=store, filters=ms.OrderFilters(), page=4)
    empty = ms.order_page_for_office(store=make_merchant().store, filters=ms.OrderFilters(), page=1)
    assert (empty.orders, empty.num_pages) == ([], 1)


def test_page_links_keep_first_last_and_neighbours():
    assert ms.page_links(ms.PageNumbers(number=1, num_pages=1)) == [1]
    assert ms.page_links(ms.PageNumbers(number=5, num_pages=10)) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert ms.page_links(ms.PageNumbers(number=2, num_pages=4)) == [1, 2, 3, 4]


def test_timeline_actor_names_say_you_or_the_masked_colleague(store):
    merchant = make_merchant()
    order = place_order(store, [(make_variant(store), 1)]).order
    owner = store.owner
    order_event(order=order, kind="note", actor=Actor.user(owner), data={})
    order_event(order=order, kind="note", actor=Actor.user(merchant.user), data={})
    detail = selectors.order_detail(store=store, order_id=order.pk)

    names = ms.timeline_actor_names(order=detail, viewer=owner)

    assert names[owner.pk] == "You"
    assert names[merchant.user.pk].startswith("Staff ")
    assert merchant.user.full_name not in names[merchant.user.pk]
