"""Writes on a checkout: making it for a cart, and what the buyer tells us on the way to the order.

Every write checks all of its input first and raises one ApplicationError
with a message per field (keys as the API names them: "email",
"shipping_address.postal_code"); nothing is written then. Prices are never
written here: checkout.selectors.checkout_priced works them out from the
cart at every step, and orders.services.order_place again when placing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from shopwright.cart.models import Cart, CartLine
from shopwright.checkout.models import Checkout
from shopwright.checkout.selectors import checkout_priced
from shopwright.core.addresses import ADDRESS_FIELDS, address_clean, delivery_time_clean, phone_clean
from shopwright.core.exceptions import ApplicationError
from shopwright.core.validation import FieldErrors, clean_email
from shopwright.customers import addresses as saved_addresses
from shopwright.customers.models import Customer
from shopwright.stores.models import Store

CHECK_FIELDS = "Check the details below."


def checkout_for_cart(*, store: Store, cart: Cart, customer: Customer | None = None) -> Checkout:
    """The cart's checkout, made on first use (one per cart).

    A signed-in customer's new checkout starts with the account's email and
    the default saved address (and its phone). When the cart's last checkout
    was placed as an order and the buyer has since filled the cart again,
    the checkout starts over for the new order, keeping contact and address.
    """
    found = Checkout.objects.filter(store=store, cart=cart).first()
    if found is not None:
        if found.order_id is not None and CartLine.objects.filter(store=store, cart_id=cart.pk).exists():
            found.order = None
            found.reviewed_signature = ""
            found.save(update_fields=["order", "reviewed_signature", "updated_at"])
        return found
    checkout = Checkout(store=store, cart=cart, customer=customer)
    if customer is not None:
        checkout.email = customer.email
        default = saved_addresses.address_default(store=store, customer=customer)
        if default is not None:
            checkout.shipping_address = {name: str(default.data.get(name, "")) for name in ADDRESS_FIELDS}
            checkout.phone = str(default.data.get("phone", ""))
    try:
        with transaction.atomic():
            checkout.save()
    except IntegrityError:
        # Two first requests at once (two tabs): the other one made it.
        return Checkout.objects.get(store=store, cart=cart)
    return checkout


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


def _apply_addresses(
    checkout: Checkout,
    *,
    stored: Checkout,
    shipping: dict[str, str],
    billing: dict[str, str] | None,
    changed: list[str],
) -> None:
    old = stored.shipping_address or {}
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
        _apply_addresses(checkout, stored=stored, shipping=shipping, billing=billing, changed=changed)
        checkout.save(update_fields=[*changed, "updated_at"])
        if save_address and checkout.customer_id is not None:
            _save_to_account(store=store, checkout=checkout, shipping=shipping, phone=checkout.phone)
    return checkout


def checkout_update_information(
    *,
    store: Store,
    checkout: Checkout,
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
    """
    errors = FieldErrors()
    shipping = _address_clean(shipping_address, prefix="shipping_address", errors=errors)
    country = shipping["country"] if shipping else _raw_country(shipping_address)
    contact = _contact_clean(
        email=email, phone=phone, extra_phone=extra_phone, delivery_time=delivery_time, country=country, errors=errors
    )
    billing = None if billing_same else _address_clean(billing_address, prefix="billing_address", errors=errors)
    errors.raise_if_any(CHECK_FIELDS)
    assert shipping is not None
    with transaction.atomic():
        stored = _lock(store=store, checkout=checkout)
        for field, value in contact.items():
            setattr(checkout, field, value)
        changed = list(contact)
        _apply_addresses(checkout, stored=stored, shipping=shipping, billing=billing, changed=changed)
        checkout.save(update_fields=[*changed, "updated_at"])
        if save_address and checkout.customer_id is not None:
            _save_to_account(store=store, checkout=checkout, shipping=shipping, phone=contact["phone"])
    return checkout


def checkout_set_shipping_method(*, store: Store, checkout: Checkout, method_id: Any) -> Checkout:
    """Choose one of the methods offered for the delivery address, at today's prices.

    Raises ApplicationError on "method_id" for a method of another zone,
    store or none at all, and when there is no address yet, the store
    does not ship there, or no method can carry the order there.
    """
    if not checkout.shipping_address:
        raise ApplicationError.for_field("method_id", "Enter your delivery address first.")
    priced = checkout_priced(store=store, checkout=checkout)
    if not priced.ships_to_address:
        raise ApplicationError.for_field("method_id", priced.ships_message or "We don't ship to this address.")
    if priced.shipping_message:
        # Nothing to choose from (no method there, or the order is too heavy for all of them): say why.
        raise ApplicationError.for_field("method_id", priced.shipping_message, code="no_shipping_method")
    offered = {option.method_id for option in priced.shipping_options}
    if isinstance(method_id, bool) or not isinstance(method_id, int) or method_id not in offered:
        if isinstance(method_id, str) and method_id.isdigit() and int(method_id) in offered:
            method_id = int(method_id)
        else:
            raise ApplicationError.for_field(
                "method_id", "Choose one of the shipping methods offered for your address."
            )
    with transaction.atomic():
        _lock(store=store, checkout=checkout)
        checkout.shipping_method_id = method_id
        checkout.save(update_fields=["shipping_method", "updated_at"])
    return checkout
