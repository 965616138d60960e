"""The buyer's link to their order page, `/orders/<token>/`, as the order emails carry it.

An order stores only the SHA-256 of the secret it gave the buyer's browser
at placement (`Order.token_hash`), so that secret cannot be put in a later
email. The emails carry a signed link instead, which can be made again at
any time from the order: `core.tokens` signs the order's id bound to its
`token_hash` (purpose "order-link"). It opens the same page as the secret,
for guests and customers alike, for as long as the order is kept
(`ORDER_LINK_MAX_AGE`, the transaction retention of orders/privacy.py).
`orders.selectors.order_for_token` reads both forms.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shopwright.core.links import store_url
from shopwright.core.tokens import make_token, read_token, state_matches

if TYPE_CHECKING:
    from shopwright.orders.models import Order
    from shopwright.stores.models import Store

PURPOSE = "order-link"
# Orders are kept 3 years after the transaction (privacy.datamap Retention.TRANSACTION); a leap day to spare.
ORDER_LINK_MAX_AGE = timedelta(days=3 * 365 + 1)


def order_link_token(order: Order) -> str:
    """A signed token naming the order; the same order always gives a working one (the time inside varies)."""
    return make_token(purpose=PURPOSE, subject_id=order.pk, state=order.token_hash)


def order_page_url(*, store: Store, order: Order) -> str:
    """The absolute address of the buyer's order page for emails."""
    return store_url(store, f"/orders/{order_link_token(order)}/")


def order_link_read(token: str) -> tuple[int, str] | None:
    """(order id, state digest) from a signed order link, or None when it is not one, is forged or too old.

    The caller finds the order by id within its store and checks the digest
    against the order's `token_hash` with `order_link_matches`.
    """
    return read_token(token=token, purpose=PURPOSE, max_age_seconds=int(ORDER_LINK_MAX_AGE.total_seconds()))


def order_link_matches(digest: str, order: Order) -> bool:
    return state_matches(digest, order.token_hash)
