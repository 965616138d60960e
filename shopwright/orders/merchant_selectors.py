"""Back-office reads of orders: the filtered list, and who acted on an order's timeline.

Every read is scoped by the store passed in. The list computes each row's
item count in a subquery of the same statement, so a page of 50 orders
costs the same two queries (count, rows) as a page of 5.

Names are encrypted, so the list cannot search them: a search is an order
number ("1001", "#1001") or a customer's whole email address, found
through the email's blind index (`Order.email_index`), under every
configured key so orders indexed before a key rotation are still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from shopwright.catalog.selectors import PageNumbers, page_count
from shopwright.core.crypto import blind_index_candidates
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.masking import mask_name
from shopwright.orders.models import Order, OrderLine, OrderStatus
from shopwright.orders.selectors import MAX_ORDER_NUMBER, item_count_annotation
from shopwright.stores.models import Store, User

OFFICE_PAGE_SIZE = 50
# The longest email address there is (RFC 5321); a longer search cannot match one.
MAX_EMAIL_LENGTH = 254
SEARCH_HELP = (
    "Search by order number (1001 or #1001) or by the customer's full email address. "
    "Names and addresses are encrypted, so they cannot be searched."
)
_NUMBER_RE = re.compile(r"^#?\s*(\d{1,12})$")


@dataclass(frozen=True)
class OrderSearch:
    """What a search box entry means: an order number, an email address, or nothing."""

    number: int | None = None
    email: str = ""


def order_search_parse(text: str) -> OrderSearch:
    """Read the list's search: "#1001" or "1001" is a number, anything with an "@" an email.

    Raises ApplicationError (field "q") for anything else, such as a name,
    so the merchant learns why it cannot match instead of seeing no orders.
    """
    text = text.replace("\x00", "").strip()
    if not text:
        return OrderSearch()
    match = _NUMBER_RE.match(text)
    if match:
        return OrderSearch(number=int(match.group(1)))
    if "@" in text and len(text) <= MAX_EMAIL_LENGTH and not any(c.isspace() for c in text):
        return OrderSearch(email=text)
    raise ApplicationError.for_field("q", SEARCH_HELP, code="search_not_supported")


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    created_from: date | None = None
    created_to: date | None = None  # inclusive: the whole day
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    search: OrderSearch = OrderSearch()


def _day_start(day: date, *, days_after: int = 0) -> datetime | None:
    """Midnight at the start of `day` (plus `days_after`) in the back office's time zone, where dates are shown.

    None at the ends of the calendar (year 1, the day after 9999-12-31): no order lies beyond them.
    """
    try:
        return timezone.make_aware(
            datetime.combine(day + timedelta(days=days_after), time.min), timezone.get_current_timezone()
        )
    except OverflowError:
        return None


def orders_for_office(*, store: Store, filters: OrderFilters) -> QuerySet[Order]:
    """The store's orders matching `filters`, newest (highest number) first, with `item_count`.

    Only the columns the list shows are read; of the encrypted ones, the
    email and the delivery address (for the masked customer cell).
    """
    orders = Order.objects.filter(store=store)
    if filters.status:
        orders = orders.filter(status=filters.status)
    start = _day_start(filters.created_from) if filters.created_from is not None else None
    if start is not None:
        orders = orders.filter(created_at__gte=start)
    end = _day_start(filters.created_to, days_after=1) if filters.created_to is not None else None
    if end is not None:
        orders = orders.filter(created_at__lt=end)
    if filters.total_min is not None:
        orders = orders.filter(total__gte=filters.total_min)
    if filters.total_max is not None:
        orders = orders.filter(total__lte=filters.total_max)
    search = filters.search
    if search.number is not None:
        # Larger than any order number: nothing matches (and PostgreSQL would refuse the parameter).
        orders = orders.filter(number=search.number) if search.number <= MAX_ORDER_NUMBER else orders.none()
    if search.email:
        orders = orders.filter(email_index__in=blind_index_candidates(search.email))
    return (
        orders.order_by("-number")
        .only(
            "id",
            "store_id",
            "number",
            "created_at",
            "status",
            "currency",
            "total",
            "email",
            "shipping_address",
            "subject_erased_at",
        )
        .annotate(item_count=item_count_annotation(store))
    )


@dataclass(frozen=True)
class OfficeOrderPage(PageNumbers):
    orders: list[Order]
    total: int


def order_page_for_office(*, store: Store, filters: OrderFilters, page: int = 1) -> OfficeOrderPage:
    """One page (OFFICE_PAGE_SIZE) of `orders_for_office`; NotFound past the last page. Two queries."""
    orders = orders_for_office(store=store, filters=filters)
    total = orders.count()
    num_pages = page_count(total, OFFICE_PAGE_SIZE)
    if page > num_pages:
        raise NotFound("There is no such page.")
    start = (page - 1) * OFFICE_PAGE_SIZE
    rows = list(orders[start : start + OFFICE_PAGE_SIZE]) if total else []
    return OfficeOrderPage(number=page, num_pages=num_pages, orders=rows, total=total)


def page_links(numbers: PageNumbers, *, around: int = 2) -> list[int | None]:
    """The page numbers to link: the first, the last and `around` either side of the current; None is a gap."""
    wanted = {1, numbers.num_pages, *range(numbers.number - around, numbers.number + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= numbers.num_pages)
    links: list[int | None] = []
    previous = 0
    for n in shown:
        if previous and n - previous > 1:
            links.append(None)
        links.append(n)
        previous = n
    return links


def timeline_actor_names(*, order: Order, viewer: User) -> dict[int, str]:
    """Labels for the platform users on an order's timeline: "You", else the member's masked name.

    Staff names are personal data shown masked elsewhere in the back office
    (the staff page), so they are masked here too. One query, or none.
    Reads the events `order_detail` prefetched.
    """
    ids = {e.actor_id for e in order.events.all() if e.actor_type == "user" and e.actor_id is not None}
    names: dict[int, str] = {}
    others = ids - {viewer.pk}
    if others:
        for user in User.objects.filter(pk__in=others).only("id", "full_name"):
            names[user.pk] = f"Staff {mask_name(user.full_name)}".strip()
    if viewer.pk in ids:
        names[viewer.pk] = "You"
    return names


def units_held_for_product(*, store: Store, product_id: int) -> dict[int, int]:
    """Variant id -> units that orders awaiting payment hold of the product's variants (one query).

    Those units are already off `Variant.stock_quantity` (catalog.stock takes
    them when the order is placed; `OrderLine.stock_taken` says how many); the
    product editor shows them beside the stock, as they come back if the
    orders expire or are cancelled unpaid.
    """
    rows = (
        OrderLine.objects.filter(
            store=store,
            order__store=store,
            order__status=OrderStatus.PENDING_PAYMENT,
            variant__product_id=product_id,
            restocked=False,
            stock_taken__gt=0,
        )
        .order_by()
        .values("variant_id")
        .annotate(units=Sum("stock_taken"))
        .values_list("variant_id", "units")
    )
    return {variant_id: units for variant_id, units in rows if units}
