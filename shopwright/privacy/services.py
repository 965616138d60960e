"""Public services of the privacy engine that other apps call.

Apps never import privacy internals; they call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from shopwright.privacy.datamap import Category
from shopwright.privacy.models import SharingRecord

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.orders.models import Order
    from shopwright.stores.models import Store


def sharing_record(
    *,
    store: Store,
    recipient: str,
    purpose: str,
    categories: Iterable[Category],
    order: Order | None = None,
    customer: Customer | None = None,
) -> SharingRecord:
    """Record that personal data of `categories` goes to `recipient` for `purpose` (F14).

    Call it in the transaction that decides the hand-over, before the data
    leaves: a hand-over that rolls back leaves no record, and no data leaves
    unrecorded. `customer` defaults to the order's customer; a guest's
    record is found through its order.
    """
    names = sorted({Category(category).value for category in categories})
    if not names:
        raise ValueError("a hand-over shares at least one category of data")
    if customer is None and order is not None:
        customer_id = order.customer_id
    else:
        customer_id = getattr(customer, "pk", None)
    return SharingRecord.objects.create(
        store=store,
        recipient=recipient,
        purpose=purpose,
        categories=names,
        order=order,
        customer_id=customer_id,
    )
