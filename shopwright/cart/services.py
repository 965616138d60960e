"""Every write to a cart: add, change a quantity, remove, merge a visitor's cart at sign-in.

A shopper is a signed-in customer (one cart per customer and store) or a
visitor holding a cart secret (cookie or API token). Quantities are checked
here, for the pages and the API alike: a whole number from 1 to 999, capped
by the variant's stock when stock is tracked and overselling is off (what
the cart already holds counts). Bad input raises `ApplicationError` before
anything is written; a refused write rolls back whole.

Every write locks the cart row first (an UPDATE of `updated_at`), so two
adds of the same variant at once queue up instead of both inserting a line,
and the stock cap sees the quantity the other one wrote. (On SQLite the
immediate transactions of settings.py serialise writers anyway.)

Cart changes are not audited: shopping is not a sensitive action, and an
entry per click would drown the log. `actor` is taken for the convention and
for the day an action needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shopwright.cart import selectors
from shopwright.cart.cookies import CART_COOKIE_MAX_AGE, cart_secret_plausible, cart_token_hash, new_cart_secret
from shopwright.cart.counts import count_changed
from shopwright.cart.limits import MAX_LINE_QUANTITY, MAX_LINES, quantity_limit, stock_bound
from shopwright.cart.models import Cart, CartLine
from shopwright.catalog.models import ProductStatus, Variant
from shopwright.core.audit import Actor
from shopwright.core.compiled import RawRead
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.tenancy import cross_store_access
from shopwright.core.validation import FieldErrors
from shopwright.customers.models import Customer
from shopwright.stores.models import Store

QUANTITY_MESSAGE = f"Enter a quantity from 1 to {MAX_LINE_QUANTITY}."
_WHOLE_NUMBER = re.compile(r"\s*[0-9]{1,12}\s*")
# An id of any length is an id; one no row can have is then simply not found (404).
_ID = re.compile(r"\s*[0-9]{1,40}\s*")


@dataclass(frozen=True)
class Shopper:
    """Whose cart: a signed-in customer, or a visitor by the secret of their cart (None: no cart yet)."""

    customer: Customer | None = None
    secret: str | None = None


@dataclass(frozen=True)
class CartChange:
    cart: Cart
    # The line's quantity after the change (0 when removed).
    quantity: int
    # Units in the cart now (what the header shows).
    count: int
    # What to tell the shopper ("Added …", "Only 3 available …").
    message: str
    # The stock cap lowered the quantity asked for.
    capped: bool = False
    # This call made the cart; for a visitor `secret` is then the new cart's secret.
    created: bool = False
    secret: str | None = None
    # The product of the line, for a "back to the product" link.
    product_handle: str = ""


@dataclass(frozen=True)
class MergeResult:
    cart: Cart
    count: int
    moved_lines: int
    # Products whose quantity the stock or the line limit lowered (or left out).
    capped_titles: list[str] = field(default_factory=list)


def clean_quantity(value: Any, errors: FieldErrors, field: str = "quantity") -> int:
    if isinstance(value, bool) or value is None or value == "":
        errors.add(field, QUANTITY_MESSAGE)
        return 0
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        number = int(value)
    else:
        errors.add(field, QUANTITY_MESSAGE)
        return 0
    if not 1 <= number <= MAX_LINE_QUANTITY:
        errors.add(field, QUANTITY_MESSAGE)
        return 0
    return number


def clean_variant_id(value: Any, errors: FieldErrors, field: str = "variant_id") -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and _ID.fullmatch(value) and int(value) > 0:
        return int(value)
    errors.add(field, "Choose a product option to add.")
    return 0


def _title(product_title: str, option_values: list[str]) -> str:
    options = " / ".join(option_values)
    return f"{product_title} ({options})" if options else product_title


def _line_title(variant: Variant) -> str:
    return _title(variant.product.title, variant.option_values)


def _full_message(title: str, *, limit: int, bounded: bool) -> str:
    if bounded:
        return f"Your cart already holds all {limit} available of {title}."
    return f"A cart holds at most {MAX_LINE_QUANTITY} of one item."


def _capped_message(title: str, *, limit: int, bounded: bool, new: int) -> str:
    if bounded:
        return f"Only {limit} of {title} available: your cart now holds {new}."
    return f"A cart holds at most {MAX_LINE_QUANTITY} of one item: your cart now holds {new}."


def _lock(*, store: Store, cart: Cart) -> None:
    """Take the cart's row lock for the rest of the transaction (and mark it as changed)."""
    if not Cart.objects.filter(store=store, pk=cart.pk).update(updated_at=timezone.now()):
        raise ApplicationError("Your cart has just changed. Please try again.", code="cart_changed")


def _keep_count(*, store: Store, cart: Cart, count: int) -> None:
    """A customer's header count follows every write (see cart.counts); a visitor's travels in their cookie."""
    if cart.customer_id is not None:
        count_changed(store_id=store.pk, customer_id=cart.customer_id, count=count)


def _existing_cart(*, store: Store, shopper: Shopper) -> Cart | None:
    if shopper.customer is not None:
        return selectors.cart_for_customer(store=store, customer=shopper.customer)
    return selectors.cart_for_secret(store=store, secret=shopper.secret)


# --- adding: the storefront's busiest write -----------------------------------------------------
#
# Three statements inside the transaction: find, lock and touch the cart in
# one (UPDATE of `updated_at` ... RETURNING), read the variant with the cart's
# line of it and its totals (`selectors.add_target`), write the line (one
# upsert). A first add makes the cart (INSERT) instead of locking one; a
# customer's first add has looked for it first. The SQL is written out
# because UPDATE ... RETURNING has no ORM form and the ORM's Python was most
# of an add's time (docs/BENCHMARKS.md). RETURNING and ON CONFLICT need
# SQLite 3.35 or PostgreSQL 9.5.

_TOUCH_VISITOR_CART_SQL = """
    UPDATE cart_cart SET updated_at = %s
    WHERE store_id = %s AND customer_id IS NULL AND token_hash = %s
    RETURNING id, store_id, customer_id, token_hash, created_at, updated_at
"""
_TOUCH_CUSTOMER_CART_SQL = """
    UPDATE cart_cart SET updated_at = %s
    WHERE store_id = %s AND customer_id = %s
    RETURNING id, store_id, customer_id, token_hash, created_at, updated_at
"""
# DO NOTHING: a customer's other tab made their cart first (cart_store_customer); this one then locks that.
_NEW_CART_SQL = """
    INSERT INTO cart_cart (store_id, customer_id, token_hash, created_at, updated_at) VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT DO NOTHING
    RETURNING id, store_id, customer_id, token_hash, created_at, updated_at
"""
# Under the cart's lock the line's quantity is known: this inserts it or sets it. Should a writer
# ever skip the lock, the unique (store, cart, variant) still allows one line, and no error.
_PUT_LINE_SQL = """
    INSERT INTO cart_cartline (store_id, cart_id, variant_id, quantity, created_at) VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (store_id, cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity
"""


# The returned row becomes a Cart with the ORM's conversions (SQLite's datetimes), worked out once (RawRead).
_TOUCH_VISITOR_CART = RawRead(Cart, _TOUCH_VISITOR_CART_SQL, name="a visitor's cart, locked and touched")
_TOUCH_CUSTOMER_CART = RawRead(Cart, _TOUCH_CUSTOMER_CART_SQL, name="a customer's cart, locked and touched")
_NEW_CART = RawRead(Cart, _NEW_CART_SQL, name="a new cart")


def _touched_cart(*, store: Store, shopper: Shopper, now: datetime) -> Cart | None:
    """The shopper's cart, locked until the transaction ends and marked as changed; None when there is none."""
    if shopper.customer is not None:
        return _TOUCH_CUSTOMER_CART.first([now, store.pk, shopper.customer.pk])
    if not shopper.secret or not cart_secret_plausible(shopper.secret):
        return None  # no cookie, or not one of ours: no cart to look for
    return _TOUCH_VISITOR_CART.first([now, store.pk, cart_token_hash(shopper.secret)])


def _new_cart(*, store: Store, shopper: Shopper, now: datetime) -> tuple[Cart | None, str | None]:
    """A new cart for the shopper, and a visitor's new secret. (None, None): the customer's cart exists now."""
    if shopper.customer is not None:
        return _NEW_CART.first([store.pk, shopper.customer.pk, "", now, now]), None
    # No cart, or a secret we do not know (tampered, expired, merged away): a fresh cart, a fresh secret.
    secret = new_cart_secret()
    cart = _NEW_CART.first([store.pk, None, cart_token_hash(secret), now, now])
    if cart is None:  # a 256-bit secret that is already taken: never seen, but never someone else's cart
        raise ApplicationError("Your cart has just changed. Please try again.", code="cart_changed")
    return cart, secret


def _add_target(*, store: Store, variant_id: int, cart: Cart | None) -> selectors.AddTarget:
    target = selectors.add_target(store=store, variant_id=variant_id, cart_id=cart.pk if cart is not None else None)
    if target is None:
        raise NotFound("This product is not available at this store.")
    if target.limit == 0:
        title = _title(target.product_title, target.option_values)
        raise ApplicationError.for_field("quantity", f"{title} is sold out.", code="out_of_stock")
    return target


def cart_line_add(*, store: Store, actor: Actor, shopper: Shopper, variant_id: Any, quantity: Any) -> CartChange:
    """Add `quantity` of a variant, capped by stock; makes the cart on the first add.

    Raises ApplicationError (400) for a bad quantity or variant id, a sold-out
    variant, a line already at its cap or a full cart; NotFound for a variant
    that is not this store's, or whose product is not published. A refused
    add writes nothing (a cart it made is rolled back with it).
    """
    errors = FieldErrors()
    wanted_id = clean_variant_id(variant_id, errors)
    asked = clean_quantity(quantity, errors)
    errors.raise_if_any()
    now = timezone.now()

    with transaction.atomic():
        # The lock comes first: the read below then sees every add that committed before this one.
        cart = _touched_cart(store=store, shopper=shopper, now=now)
        target = _add_target(store=store, variant_id=wanted_id, cart=cart)
        created, secret = False, None
        if cart is None:
            cart, secret = _new_cart(store=store, shopper=shopper, now=now)
            created = cart is not None
            if cart is None:
                # The customer's cart was made meanwhile (another tab): lock it and read it as it is now.
                cart = _touched_cart(store=store, shopper=shopper, now=now)
                if cart is None:
                    raise ApplicationError("Your cart has just changed. Please try again.", code="cart_changed")
                target = _add_target(store=store, variant_id=wanted_id, cart=cart)
        title = _title(target.product_title, target.option_values)
        have, limit = target.have, target.limit
        new = min(have + asked, limit)
        if new <= have:
            raise ApplicationError.for_field(
                "quantity", _full_message(title, limit=limit, bounded=target.stock_bound), code="stock_limit"
            )
        if have == 0 and target.lines >= MAX_LINES:
            raise ApplicationError(
                f"A cart holds at most {MAX_LINES} different items. Remove one to add another.", code="cart_full"
            )
        with connection.cursor() as cursor:
            created_at = connection.ops.adapt_datetimefield_value(now)
            cursor.execute(_PUT_LINE_SQL, [store.pk, cart.pk, target.variant_id, new, created_at])
        # The units read under the lock held this line at `have`; the variant is on sale (it was found).
        count = target.units - have + new
        _keep_count(store=store, cart=cart, count=count)

    capped = new < have + asked
    if capped:
        message = _capped_message(title, limit=limit, bounded=target.stock_bound, new=new)
    else:
        message = f"Added {asked} × {title} to your cart."
    return CartChange(
        cart=cart,
        quantity=new,
        count=count,
        message=message,
        capped=capped,
        created=created,
        secret=secret,
        product_handle=target.product_handle,
    )


def cart_line_set_quantity(*, store: Store, actor: Actor, shopper: Shopper, line_id: int, quantity: Any) -> CartChange:
    """Set a line's quantity, capped by stock. Raises ApplicationError (bad quantity, sold out, product
    withdrawn) or NotFound (not a line of the shopper's cart)."""
    errors = FieldErrors()
    asked = clean_quantity(quantity, errors)
    errors.raise_if_any()
    cart = _existing_cart(store=store, shopper=shopper)
    line = selectors.cart_line_get(store=store, cart=cart, line_id=line_id)
    if cart is None or line is None:
        raise NotFound("This item is not in your cart.")
    variant = line.variant
    title = _line_title(variant)
    if variant.product.status != ProductStatus.PUBLISHED:
        raise ApplicationError.for_field(
            "quantity", f"{title} is no longer available. Remove it from your cart.", code="unavailable"
        )
    limit = quantity_limit(variant)
    if limit == 0:
        raise ApplicationError.for_field(
            "quantity", f"{title} is sold out. Remove it from your cart.", code="out_of_stock"
        )
    new = min(asked, limit)
    with transaction.atomic():
        _lock(store=store, cart=cart)
        if not CartLine.objects.filter(store=store, cart=cart, pk=line.pk).update(quantity=new):
            raise NotFound("This item is not in your cart.")
        count = selectors.cart_count(store=store, cart_id=cart.pk)
        _keep_count(store=store, cart=cart, count=count)
    capped = new < asked
    if capped:
        message = _capped_message(title, limit=limit, bounded=stock_bound(variant), new=new)
    else:
        message = f"Your cart now holds {new} × {title}."
    return CartChange(
        cart=cart, quantity=new, count=count, message=message, capped=capped, product_handle=variant.product.handle
    )


def cart_line_remove(*, store: Store, actor: Actor, shopper: Shopper, line_id: int) -> CartChange:
    """Remove a line. Raises NotFound when it is not a line of the shopper's cart."""
    cart = _existing_cart(store=store, shopper=shopper)
    line = selectors.cart_line_get(store=store, cart=cart, line_id=line_id)
    if cart is None or line is None:
        raise NotFound("This item is not in your cart.")
    with transaction.atomic():
        _lock(store=store, cart=cart)
        CartLine.objects.filter(store=store, cart=cart, pk=line.pk).delete()
        count = selectors.cart_count(store=store, cart_id=cart.pk)
        _keep_count(store=store, cart=cart, count=count)
    return CartChange(
        cart=cart,
        quantity=0,
        count=count,
        message=f"Removed {_line_title(line.variant)} from your cart.",
        product_handle=line.variant.product.handle,
    )


def cart_merge(*, store: Store, actor: Actor, customer: Customer, secret: str | None) -> MergeResult | None:
    """Move a visitor cart's lines into the customer's cart and delete the visitor cart.

    Quantities of the same variant add up, capped by stock (a line the
    customer already had above today's stock keeps its quantity); lines of
    products no longer published are dropped. Returns None when the secret
    names no cart of this store.
    """
    visitor_cart = selectors.cart_for_secret(store=store, secret=secret)
    if visitor_cart is None:
        return None
    with transaction.atomic():
        customer_cart, _ = Cart.objects.get_or_create(store=store, customer=customer)
        # Always in id order, so two merges touching the same carts cannot deadlock.
        for cart in sorted((visitor_cart, customer_cart), key=lambda c: c.pk):
            _lock(store=store, cart=cart)
        incoming = list(CartLine.objects.filter(store=store, cart=visitor_cart).select_related("variant__product"))
        existing = {
            line.variant_id: line
            for line in CartLine.objects.filter(
                store=store, cart=customer_cart, variant_id__in=[line.variant_id for line in incoming]
            )
        }
        line_count = CartLine.objects.filter(store=store, cart=customer_cart).count()
        to_create: list[CartLine] = []
        capped: list[str] = []
        moved = 0
        for line in incoming:
            variant = line.variant
            if variant.product.status != ProductStatus.PUBLISHED:
                continue
            mine = existing.get(variant.pk)
            have = mine.quantity if mine is not None else 0
            limit = quantity_limit(variant)
            new = max(have, min(have + line.quantity, limit))
            if mine is None and new > 0 and line_count + len(to_create) >= MAX_LINES:
                new = 0  # no room for another line
            if new < have + line.quantity:
                capped.append(_line_title(variant))
            if new == have:
                continue
            if mine is not None:
                CartLine.objects.filter(store=store, pk=mine.pk).update(quantity=new)
            else:
                to_create.append(CartLine(store=store, cart=customer_cart, variant=variant, quantity=new))
            moved += 1
        CartLine.objects.bulk_create(to_create)
        visitor_cart.delete()
        count = selectors.cart_count(store=store, cart_id=customer_cart.pk)
        _keep_count(store=store, cart=customer_cart, count=count)
    return MergeResult(cart=customer_cart, count=count, moved_lines=moved, capped_titles=capped)


def carts_purge_abandoned(*, now: datetime | None = None) -> int:
    """Delete visitor carts untouched for longer than their cookie lives (nobody can reach them any more).

    Runs daily across every store (the job of cart.tasks); customers' carts
    stay with their account. Returns how many carts went.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=CART_COOKIE_MAX_AGE)
    with cross_store_access("retention: visitor carts whose cookie has expired, in every store"), transaction.atomic():
        CartLine.objects.filter(cart__customer__isnull=True, cart__updated_at__lt=cutoff).delete()
        deleted, _ = Cart.objects.filter(customer__isnull=True, updated_at__lt=cutoff).delete()
    return deleted
