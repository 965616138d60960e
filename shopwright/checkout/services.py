"""Writes on a checkout: making it for a cart, and what the buyer tells us on the way to the order.

Every write checks all of its input first and raises one ApplicationError
with a message per field (keys as the API names them: "email",
"shipping_address.postal_code"); nothing is written then. Prices are never
written here: checkout.selectors.checkout_priced works them out from the
cart at every step, and orders.services.order_place again when placing.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Field

from shopwright.cart.models import Cart, CartLine
from shopwright.cart.selectors import one_or_none
from shopwright.cart.services import Shopper
from shopwright.checkout import selectors
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import CheckoutPriced, checkout_priced
from shopwright.core.addresses import ADDRESS_FIELDS, address_clean, delivery_time_clean, phone_clean
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.validation import FieldErrors, clean_email
from shopwright.customers import addresses as saved_addresses
from shopwright.customers.models import Customer
from shopwright.stores.models import Store

CHECK_FIELDS = "Check the details below."


NO_CART = "There is no cart to check out: add something first (visitors send its X-Cart-Token)."

# Made on first use in one statement, without a transaction of its own: when two first requests meet
# (two tabs), the unique (store, cart) lets one insert and the other finds no row returned, then reads
# the one that was made. RETURNING and ON CONFLICT need SQLite 3.35 or PostgreSQL 9.5.
_NEW_CHECKOUT_SQL = """
    INSERT INTO checkout_checkout (store_id, cart_id, customer_id, email, phone, extra_phone, delivery_time,
        shipping_address, billing_address, shipping_method_id, reviewed_signature, order_id, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (store_id, cart_id) DO NOTHING
    RETURNING id
"""
# The model field of each column above, in order (a test checks that none is missing).
_NEW_CHECKOUT_FIELDS = (
    "store",
    "cart",
    "customer",
    "email",
    "phone",
    "extra_phone",
    "delivery_time",
    "shipping_address",
    "billing_address",
    "shipping_method",
    "reviewed_signature",
    "order",
    "created_at",
    "updated_at",
)


def _checkout_insert(checkout: Checkout) -> bool:
    """Insert the new `checkout` (its pk is set) unless its cart has one already (False then)."""
    values = []
    for name in _NEW_CHECKOUT_FIELDS:
        model_field = Checkout._meta.get_field(name)
        assert isinstance(model_field, Field)
        values.append(model_field.get_db_prep_save(model_field.pre_save(checkout, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(_NEW_CHECKOUT_SQL, values)
        row = cursor.fetchone()
    if row is None:
        return False
    checkout.pk = row[0]
    checkout._state.adding = False
    checkout._state.db = connection.alias
    return True


def _checkout_made(*, store: Store, checkout: Checkout, customer: Customer | None) -> Checkout:
    """The new `checkout` (unsaved, its cart set) stored, or the one its cart got meanwhile from another request."""
    checkout.customer = customer
    if customer is not None:
        checkout.email = customer.email
        default = saved_addresses.address_default(store=store, customer=customer)
        if default is not None:
            checkout.shipping_address = {name: str(default.data.get(name, "")) for name in ADDRESS_FIELDS}
            checkout.phone = str(default.data.get("phone", ""))
    if _checkout_insert(checkout):
        return checkout
    # Two first requests at once (two tabs): the other one made it.
    return Checkout.objects.get(store=store, cart_id=checkout.cart_id)


def _started_over_if_refilled(*, store: Store, checkout: Checkout) -> Checkout:
    """A checkout whose order was placed starts over once its cart holds lines again (contact and address kept)."""
    if checkout.order_id is not None and CartLine.objects.filter(store=store, cart_id=checkout.cart_id).exists():
        checkout.order = None
        checkout.reviewed_signature = ""
        checkout.save(update_fields=["order", "reviewed_signature", "updated_at"])
    return checkout


def checkout_for_cart(*, store: Store, cart: Cart, customer: Customer | None = None) -> Checkout:
    """The cart's checkout, made on first use (one per cart).

    A signed-in customer's new checkout starts with the account's email and
    the default saved address (and its phone). When the cart's last checkout
    was placed as an order and the buyer has since filled the cart again,
    the checkout starts over for the new order, keeping contact and address.
    """
    found = one_or_none(Checkout.objects.filter(store=store, cart=cart))
    if found is not None:
        return _started_over_if_refilled(store=store, checkout=found)
    return _checkout_made(store=store, checkout=Checkout(store=store, cart=cart), customer=customer)


def checkout_for_shopper(*, store: Store, shopper: Shopper) -> Checkout:
    """The checkout of the shopper's cart (a customer's, else the visitor's by its secret), as
    `checkout_for_cart` makes and restarts it, found together with the cart in one query.

    Raises NotFound when the shopper has no cart in this store (no secret, an
    unknown one, another store's cart token: the same answer).
    """
    found = selectors.shopper_checkout(store=store, customer=shopper.customer, secret=shopper.secret)
    if found is None:
        raise NotFound(NO_CART)
    if found.checkout is None:
        return _checkout_made(
            store=store, checkout=Checkout(store=store, cart_id=found.cart_id), customer=shopper.customer
        )
    return _started_over_if_refilled(store=store, checkout=found.checkout)


def _contact_clean(
    *, email: Any, phone: Any, extra_phone: Any, delivery_time: Any, country: str, errors: FieldErrors
) -> dict[str, str]:
    """Contact fields checked; problems go into `errors`. Phones are read as numbers of `country`."""
    cleaned = {"email": clean_email(email, errors)}
    for field, value, required in (("phone", phone, True), ("extra_phone", extra_phone, False)):
        try:
            cleaned[field] = phone_clean(value, country, field=field, required=required)
        except ApplicationError as exc:
            for message in exc.fields.get(field, [exc.message]):
                errors.add(field, message)
    try:
        cleaned["delivery_time"] = delivery_time_clean(delivery_time)
    except ApplicationError as exc:
        for message in exc.fields.get("delivery_time", [exc.message]):
            errors.add("delivery_time", message)
    return cleaned


def _address_clean(data: Mapping[str, Any] | None, *, prefix: str, errors: FieldErrors) -> dict[str, str] | None:
    if not isinstance(data, Mapping):
        errors.add(prefix, "Enter the address.")
        return None
    try:
        return address_clean(data)
    except ApplicationError as exc:
        for field, messages in exc.fields.items():
            for message in messages:
                errors.add(f"{prefix}.{field}", message)
        return None


def _raw_country(data: Mapping[str, Any] | None) -> str:
    return str(data.get("country") or "").strip().upper() if isinstance(data, Mapping) else ""


def _lock(*, store: Store, checkout: Checkout) -> Checkout:
    """The checkout's row as stored, locked until the caller's transaction ends (order placement locks it too).

    Writes go on the caller's instance (so it shows them); the locked copy says what was there before.
    """
    return Checkout.objects.select_for_update().get(store=store, pk=checkout.pk)


def _locked(*, store: Store, checkout: Checkout | Shopper) -> tuple[Checkout, Checkout]:
    """(the instance to write on, the row as stored), the row locked until the caller's transaction ends.

    A shopper's checkout is found and locked in one query (the same instance
    twice then, read before any write); on its first use it is made here.
    Raises NotFound when the shopper has no cart.
    """
    if isinstance(checkout, Checkout):
        return checkout, _lock(store=store, checkout=checkout)
    found = selectors.shopper_checkout_locked(store=store, customer=checkout.customer, secret=checkout.secret)
    if found is not None:
        found = _started_over_if_refilled(store=store, checkout=found)
        return found, found
    # No cart (NotFound), or its checkout's first use: make it, then lock it.
    made = checkout_for_shopper(store=store, shopper=checkout)
    return made, _lock(store=store, checkout=made)


def _apply_addresses(
    checkout: Checkout,
    *,
    stored_address: Mapping[str, Any] | None,
    shipping: dict[str, str],
    billing: dict[str, str] | None,
    changed: list[str],
) -> None:
    old = stored_address or {}
    if (old.get("country"), old.get("country_area")) != (shipping["country"], shipping["country_area"]):
        # Another destination has other methods and prices: the buyer chooses again.
        checkout.shipping_method = None
        changed.append("shipping_method")
    checkout.shipping_address = shipping
    checkout.billing_address = billing
    changed += ["shipping_address", "billing_address"]


def _save_to_account(*, store: Store, checkout: Checkout, shipping: dict[str, str], phone: str) -> None:
    """Keep the delivery address in the customer's address book (inside the caller's transaction)."""
    assert checkout.customer_id is not None
    customer = Customer.objects.get(store=store, pk=checkout.customer_id)
    try:
        saved_addresses.address_create(store=store, customer=customer, data={**shipping, "phone": phone})
    except ApplicationError as exc:
        raise ApplicationError(exc.message, code=exc.code, fields={"save_address": [exc.message]}) from exc


def checkout_set_contact(
    *, store: Store, checkout: Checkout, email: str, phone: str, extra_phone: str = "", delivery_time: str = ""
) -> Checkout:
    """The buyer's email, phone (E.164), optional second number and preferred delivery time.

    Phones without a country code are read as numbers of the delivery
    country. `delivery_time` is a key of core.addresses.DELIVERY_TIMES.
    """
    errors = FieldErrors()
    country = (checkout.shipping_address or {}).get("country", "")
    contact = _contact_clean(
        email=email, phone=phone, extra_phone=extra_phone, delivery_time=delivery_time, country=country, errors=errors
    )
    errors.raise_if_any(CHECK_FIELDS)
    with transaction.atomic():
        _lock(store=store, checkout=checkout)
        for field, value in contact.items():
            setattr(checkout, field, value)
        checkout.save(update_fields=[*contact, "updated_at"])
    return checkout


def checkout_set_addresses(
    *,
    store: Store,
    checkout: Checkout,
    shipping_address: Mapping[str, Any],
    billing_same: bool,
    billing_address: Mapping[str, Any] | None = None,
    save_address: bool = False,
) -> Checkout:
    """The delivery address, and the billing one (None when it is the delivery address).

    Changing the destination's country or region drops the chosen shipping
    method. `save_address` keeps the delivery address in a signed-in
    customer's address book, in the same transaction; ignored for guests.
    """
    errors = FieldErrors()
    shipping = _address_clean(shipping_address, prefix="shipping_address", errors=errors)
    billing = None if billing_same else _address_clean(billing_address, prefix="billing_address", errors=errors)
    errors.raise_if_any(CHECK_FIELDS)
    assert shipping is not None
    with transaction.atomic():
        stored = _lock(store=store, checkout=checkout)
        changed: list[str] = []
        _apply_addresses(
            checkout, stored_address=stored.shipping_address, shipping=shipping, billing=billing, changed=changed
        )
        checkout.save(update_fields=[*changed, "updated_at"])
        if save_address and checkout.customer_id is not None:
            _save_to_account(store=store, checkout=checkout, shipping=shipping, phone=checkout.phone)
    return checkout


def _information_clean(
    *,
    email: Any,
    phone: Any,
    extra_phone: Any,
    delivery_time: Any,
    shipping_address: Mapping[str, Any] | None,
    billing_same: bool,
    billing_address: Mapping[str, Any] | None,
) -> tuple[dict[str, str], dict[str, str], dict[str, str] | None]:
    """(contact, shipping, billing) checked together; one ApplicationError with every problem otherwise."""
    errors = FieldErrors()
    shipping = _address_clean(shipping_address, prefix="shipping_address", errors=errors)
    country = shipping["country"] if shipping else _raw_country(shipping_address)
    contact = _contact_clean(
        email=email, phone=phone, extra_phone=extra_phone, delivery_time=delivery_time, country=country, errors=errors
    )
    billing = None if billing_same else _address_clean(billing_address, prefix="billing_address", errors=errors)
    errors.raise_if_any(CHECK_FIELDS)
    assert shipping is not None
    return contact, shipping, billing


def checkout_update_information(
    *,
    store: Store,
    checkout: Checkout | Shopper,
    email: str,
    phone: str,
    shipping_address: Mapping[str, Any],
    extra_phone: str = "",
    delivery_time: str = "",
    billing_same: bool = True,
    billing_address: Mapping[str, Any] | None = None,
    save_address: bool = False,
) -> Checkout:
    """Contact and addresses at once (the information page's one form): all checked, then one transaction.

    Every problem is reported together, so the buyer fixes the form in one go.
    `checkout` is the checkout, or the shopper whose cart's checkout it is:
    that one is found, locked and read in one query inside the write's
    transaction (made on first use); NotFound when the shopper has no cart,
    before any problem of the input is reported. Returns the checkout written.
    """
    fields: dict[str, Any] = {
        "email": email,
        "phone": phone,
        "extra_phone": extra_phone,
        "delivery_time": delivery_time,
        "shipping_address": shipping_address,
        "billing_same": billing_same,
        "billing_address": billing_address,
    }
    # A given checkout: the input is checked before anything is read. A shopper's: after their cart is found.
    cleaned = _information_clean(**fields) if isinstance(checkout, Checkout) else None
    with transaction.atomic():
        target, stored = _locked(store=store, checkout=checkout)
        stored_address = stored.shipping_address
        contact, shipping, billing = cleaned or _information_clean(**fields)
        for field, value in contact.items():
            setattr(target, field, value)
        changed = list(contact)
        _apply_addresses(target, stored_address=stored_address, shipping=shipping, billing=billing, changed=changed)
        target.save(update_fields=[*changed, "updated_at"])
        if save_address and target.customer_id is not None:
            _save_to_account(store=store, checkout=target, shipping=shipping, phone=contact["phone"])
    return target


def _method_choice(method_id: Any) -> int | None:
    """The id a client sent as a whole number (an int, or ASCII digits in a form's string); None for anything else
    ("²" is a digit to str.isdigit, but no number to int())."""
    if isinstance(method_id, bool):
        return None
    if isinstance(method_id, int):
        return method_id
    if isinstance(method_id, str) and method_id.isascii() and method_id.isdigit():
        return int(method_id)
    return None


def checkout_set_shipping_method(*, store: Store, checkout: Checkout, method_id: Any) -> CheckoutPriced:
    """Choose one of the methods offered for the delivery address, at today's prices.

    Returns the checkout priced with the method chosen: it is priced once, as
    it will be with that method, to check the choice, and the same pricing
    is the answer (nothing is read again). Raises ApplicationError on
    "method_id" for a method of another zone, store or none at all, and when
    there is no address yet, the store does not ship there, or no method can
    carry the order there; `checkout` is unchanged then.

    One UPDATE, without a transaction or lock of its own: the row lock the
    UPDATE takes waits for an order placement holding the checkout, as a
    separate lock would, and nothing read here is read again under it.
    """
    if not checkout.shipping_address:
        raise ApplicationError.for_field("method_id", "Enter your delivery address first.")
    chosen = _method_choice(method_id)
    candidate = copy.copy(checkout)
    candidate.shipping_method_id = chosen
    priced = checkout_priced(store=store, checkout=candidate)
    if not priced.ships_to_address:
        raise ApplicationError.for_field("method_id", priced.ships_message or "We don't ship to this address.")
    if priced.shipping_message:
        # Nothing to choose from (no method there, or the order is too heavy for all of them): say why.
        raise ApplicationError.for_field("method_id", priced.shipping_message, code="no_shipping_method")
    if priced.shipping_method is None:
        raise ApplicationError.for_field("method_id", "Choose one of the shipping methods offered for your address.")
    checkout.shipping_method_id = priced.shipping_method.method_id
    checkout.save(update_fields=["shipping_method", "updated_at"])
    return dataclasses.replace(priced, checkout=checkout)
