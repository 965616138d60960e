"""A customer's saved delivery addresses: reads and writes.

An address is checked for its country by core.addresses (the one place
that knows postal rules) before it is kept, with an optional phone number
for the courier. One of a customer's addresses is the default: checkout
fills it in. The first address saved becomes the default; deleting the
default hands the role to the most recently changed one left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from shopwright.core.addresses import address_clean, phone_clean
from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.customers.models import Address, Customer
from shopwright.stores.models import Store

# Enough for home, work and family; a list that grows past it is not someone's address book.
MAX_ADDRESSES = 20
_MISSING = "This address does not exist (it may have been deleted)."


def addresses_for_customer(*, store: Store, customer: Customer) -> list[Address]:
    """The customer's addresses, the default first, then the most recently changed. One query."""
    return list(Address.objects.filter(store=store, customer=customer).order_by("-is_default", "-updated_at", "-id"))


def address_get(*, store: Store, customer: Customer, address_id: int) -> Address:
    """One of the customer's addresses; NotFound for another customer's, as for one that does not exist."""
    if not isinstance(address_id, int) or not 0 < address_id < 2**63:
        raise NotFound(_MISSING)
    found = Address.objects.filter(store=store, customer=customer, pk=address_id).first()
    if found is None:
        raise NotFound(_MISSING)
    return found


def address_default(*, store: Store, customer: Customer) -> Address | None:
    return Address.objects.filter(store=store, customer=customer, is_default=True).order_by("-updated_at").first()


def address_data_clean(data: Mapping[str, Any]) -> dict[str, str]:
    """The address fields checked for the country, plus "phone" (optional, E.164).

    Raises ApplicationError with every field's message at once.
    """
    fields: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    try:
        cleaned = address_clean(data)
    except ApplicationError as exc:
        fields.update(exc.fields)
    phone = ""
    try:
        phone = phone_clean(data.get("phone"), str(data.get("country") or ""), required=False)
    except ApplicationError as exc:
        fields.update(exc.fields)
    if fields:
        raise ApplicationError("Check the address.", fields=fields)
    return {**cleaned, "phone": phone}


def _same_place(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    keys = set(a) | set(b)
    return all(str(a.get(key, "")) == str(b.get(key, "")) for key in keys if key != "phone")


def address_create(
    *, store: Store, customer: Customer, data: Mapping[str, Any], make_default: bool = False, ip: str = ""
) -> Address:
    """Save a new address for the customer (checked first; nothing is written on error).

    Saving one that equals an address already kept returns that one instead
    of a copy (checkout's "save this address" ticked twice). The first
    address becomes the default.
    """
    cleaned = address_data_clean(data)
    with transaction.atomic():
        # Lock the customer's row: two saves at once must not both become the first (default) one.
        Customer.objects.select_for_update().filter(store=store, pk=customer.pk).first()
        existing = addresses_for_customer(store=store, customer=customer)
        for address in existing:
            if _same_place(address.data, cleaned):
                if cleaned["phone"] and address.data.get("phone") != cleaned["phone"]:
                    address.data = cleaned
                    address.save(update_fields=["data", "updated_at"])
                if make_default and not address.is_default:
                    _make_default(store=store, customer=customer, address=address)
                return address
        if len(existing) >= MAX_ADDRESSES:
            raise ApplicationError(
                f"You can keep up to {MAX_ADDRESSES} addresses. Delete one you no longer use first.",
                code="too_many",
            )
        is_default = make_default or not existing
        if is_default:
            Address.objects.filter(store=store, customer=customer, is_default=True).update(is_default=False)
        address = Address.objects.create(store=store, customer=customer, data=cleaned, is_default=is_default)
        audit_record(action="customer.address_create", actor=Actor.customer(customer), store=store, obj=address, ip=ip)
    return address


def address_update(
    *, store: Store, customer: Customer, address_id: int, data: Mapping[str, Any], ip: str = ""
) -> Address:
    """Replace one of the customer's addresses (checked first). NotFound for another customer's."""
    cleaned = address_data_clean(data)
    with transaction.atomic():
        address = address_get(store=store, customer=customer, address_id=address_id)
        address.data = cleaned
        address.save(update_fields=["data", "updated_at"])
        audit_record(action="customer.address_update", actor=Actor.customer(customer), store=store, obj=address, ip=ip)
    return address


def address_delete(*, store: Store, customer: Customer, address_id: int, ip: str = "") -> None:
    """Delete one of the customer's addresses; the default role moves on. NotFound for another customer's."""
    with transaction.atomic():
        address = address_get(store=store, customer=customer, address_id=address_id)
        was_default = address.is_default
        audit_record(action="customer.address_delete", actor=Actor.customer(customer), store=store, obj=address, ip=ip)
        Address.objects.filter(store=store, customer=customer, pk=address.pk).delete()
        if was_default:
            successor = Address.objects.filter(store=store, customer=customer).order_by("-updated_at", "-id").first()
            if successor is not None:
                Address.objects.filter(store=store, pk=successor.pk).update(is_default=True)


def address_set_default(*, store: Store, customer: Customer, address_id: int, ip: str = "") -> Address:
    """Make one of the customer's addresses the one checkout fills in. NotFound for another customer's."""
    with transaction.atomic():
        address = address_get(store=store, customer=customer, address_id=address_id)
        if not address.is_default:
            _make_default(store=store, customer=customer, address=address)
            audit_record(
                action="customer.address_default", actor=Actor.customer(customer), store=store, obj=address, ip=ip
            )
    return address


def _make_default(*, store: Store, customer: Customer, address: Address) -> None:
    Address.objects.filter(store=store, customer=customer, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    Address.objects.filter(store=store, pk=address.pk).update(is_default=True)
    address.is_default = True
