"""Finding a shopper's cart and checkout in one statement (checkout.selectors.shopper_checkout and its locked
twin), and making a checkout in one (checkout.services): what they read and write is the whole row."""

from __future__ import annotations

import pytest
from django.db import transaction

from shopwright.cart.models import Cart
from shopwright.cart.services import Shopper, cart_line_add
from shopwright.checkout import selectors, services
from shopwright.checkout.models import Checkout
from shopwright.core.audit import Actor
from tests.checkout.helpers import variant
from tests.checkout_factories import address, make_checkout, make_shipping
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

# Written by the insert, or by the database (the primary key).
_ALL_FIELDS = {field.name for field in Checkout._meta.concrete_fields}


def test_making_a_checkout_writes_every_field_but_its_id() -> None:
    """A field added to the model must be added to the insert, or checkouts would be made without it."""
    assert set(services._NEW_CHECKOUT_FIELDS) == _ALL_FIELDS - {"id"}


def test_the_lookup_reads_the_whole_checkout_decrypted(store) -> None:
    customer = make_customer(store)
    method = make_shipping(store, name="Express", price="9.00")
    made = make_checkout(store, [(variant(store), 1)], customer=customer, method=method, delivery_time="morning")
    Checkout.objects.filter(store=store, pk=made.pk).update(billing_address=address(name="Bill"))
    stored = Checkout.objects.get(store=store, pk=made.pk)
    found = selectors.shopper_checkout(store=store, customer=customer, secret=None)
    assert found is not None and found.checkout is not None
    with transaction.atomic():
        locked = selectors.shopper_checkout_locked(store=store, customer=customer, secret=None)
    assert locked is not None
    for checkout in (found.checkout, locked):
        assert checkout.get_deferred_fields() == set()  # nothing left to load later, one query at a time
        values = {name: getattr(checkout, Checkout._meta.get_field(name).attname) for name in _ALL_FIELDS}
        assert values == {name: getattr(stored, Checkout._meta.get_field(name).attname) for name in _ALL_FIELDS}
        assert checkout.shipping_address == address() and checkout.billing_address == address(name="Bill")
    assert found.cart_id == made.cart_id


def test_a_cart_without_a_checkout_yet_is_found_with_none(store, other_store) -> None:
    change = cart_line_add(
        store=store, actor=Actor.anonymous(), shopper=Shopper(), variant_id=variant(store).pk, quantity=1
    )
    found = selectors.shopper_checkout(store=store, customer=None, secret=change.secret)
    assert found == selectors.ShopperCheckout(cart_id=change.cart.pk, checkout=None)
    with transaction.atomic():
        assert selectors.shopper_checkout_locked(store=store, customer=None, secret=change.secret) is None
    # Another store's token, or a customer's cart asked for by a visitor's hash: not found.
    assert selectors.shopper_checkout(store=other_store, customer=None, secret=change.secret) is None
    Cart.objects.filter(store=store, pk=change.cart.pk).update(customer=make_customer(store))
    assert selectors.shopper_checkout(store=store, customer=None, secret=change.secret) is None


def test_a_made_checkout_is_stored_as_it_was_given(store) -> None:
    customer = make_customer(store, email="jo@example.com")
    cart = make_checkout(store, [(variant(store), 1)], customer=customer).cart
    Checkout.objects.filter(store=store, cart=cart).delete()
    made = services.checkout_for_cart(store=store, cart=cart, customer=customer)
    assert made.pk is not None and not made._state.adding
    stored = Checkout.objects.get(store=store, pk=made.pk)
    assert (stored.email, stored.customer_id, stored.cart_id) == ("jo@example.com", customer.pk, cart.pk)
    assert stored.created_at == made.created_at and stored.updated_at == made.updated_at
    made.email = "changed@example.com"
    made.save(update_fields=["email"])  # an ordinary row from here on
    assert Checkout.objects.get(store=store, pk=made.pk).email == "changed@example.com"
