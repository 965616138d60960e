"""Cart writes: adding, capping by stock, changing, removing, merging; bad input writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwright.cart import selectors, services
from shopwright.cart.cookies import cart_token_hash
from shopwright.cart.limits import MAX_LINES
from shopwright.cart.models import Cart, CartLine
from shopwright.cart.services import Shopper
from shopwright.catalog.models import Product
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from tests.cart.helpers import carts, lines, only_variant, product, set_price, set_stock, variants_of
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
ANON = Actor.anonymous()


def _add(store, shopper, variant, quantity=1):  # type: ignore[no-untyped-def]
    return services.cart_line_add(store=store, actor=ANON, shopper=shopper, variant_id=variant.pk, quantity=quantity)


def test_the_first_add_makes_a_visitor_cart_that_stores_only_a_hash_of_its_secret(store) -> None:
    variant = only_variant(product(store, title="Atlas"))
    change = _add(store, Shopper(), variant, 2)
    assert change.created and change.secret and change.count == 2
    cart = carts(store)[0]
    assert cart.token_hash == cart_token_hash(change.secret)
    assert change.secret not in cart.token_hash
    assert cart.customer_id is None
    # The secret finds the cart again; the same add goes to the same line.
    again = _add(store, Shopper(secret=change.secret), variant, 3)
    assert not again.created and again.secret is None
    assert lines(store) == {variant.pk: 5}
    assert len(carts(store)) == 1


def test_an_unknown_secret_gets_a_fresh_cart_not_someone_elses(store) -> None:
    variant = only_variant(product(store))
    first = _add(store, Shopper(), variant)
    other = _add(store, Shopper(secret="x" * 43), variant)
    assert other.created and other.secret != first.secret
    assert len(carts(store)) == 2


def test_the_quantity_is_capped_by_stock_counting_what_the_cart_holds(store) -> None:
    variant = only_variant(product(store, title="Lamp", stock=5))
    customer = make_customer(store)
    shopper = Shopper(customer=customer)
    assert _add(store, shopper, variant, 3).capped is False
    change = _add(store, shopper, variant, 4)
    assert change.capped is True
    assert change.quantity == 5
    assert "Only 5 of Lamp available" in change.message
    assert lines(store) == {variant.pk: 5}
    with pytest.raises(ApplicationError) as refused:
        _add(store, shopper, variant, 1)
    assert refused.value.fields["quantity"] == ["Your cart already holds all 5 available of Lamp."]
    assert lines(store) == {variant.pk: 5}


def test_a_sold_out_variant_is_refused_and_no_cart_is_made(store) -> None:
    variant = only_variant(product(store, title="Kettle", stock=0))
    with pytest.raises(ApplicationError) as refused:
        _add(store, Shopper(), variant)
    assert refused.value.code == "out_of_stock"
    assert "Kettle is sold out." in refused.value.fields["quantity"]
    assert carts(store) == []


def test_untracked_stock_or_overselling_allows_up_to_the_platform_bound(store) -> None:
    untracked, oversold = variants_of(product(store, sizes=["S", "M"], stock=0))
    set_stock(untracked, 0, track=False)
    set_stock(oversold, 0, continue_selling=True)
    customer = Shopper(customer=make_customer(store))
    assert _add(store, customer, untracked, 999).quantity == 999
    assert _add(store, customer, oversold, 998).quantity == 998
    change = _add(store, customer, oversold, 5)
    assert (change.quantity, change.capped) == (999, True)
    assert change.message == "A cart holds at most 999 of one item: your cart now holds 999."
    with pytest.raises(ApplicationError) as refused:
        _add(store, customer, oversold, 1)
    assert refused.value.fields["quantity"] == ["A cart holds at most 999 of one item."]


@pytest.mark.parametrize("bad", [0, -1, "abc", 10**9, "", None, True, "1.5", "1e3", 1000, "٣"])
def test_bad_quantities_are_refused_with_a_message_and_write_nothing(store, bad) -> None:
    variant = only_variant(product(store))
    with pytest.raises(ApplicationError) as refused:
        _add(store, Shopper(), variant, bad)
    assert refused.value.status_code == 400
    assert refused.value.fields["quantity"] == ["Enter a quantity from 1 to 999."]
    assert carts(store) == []


@pytest.mark.parametrize("bad", [None, "", "abc", -3, 0, True])
def test_a_missing_or_malformed_variant_is_a_400_on_variant_id(store, bad) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.cart_line_add(store=store, actor=ANON, shopper=Shopper(), variant_id=bad, quantity=1)
    assert refused.value.status_code == 400
    assert refused.value.fields["variant_id"]
    assert carts(store) == []


def test_another_stores_variant_or_a_draft_is_not_found_and_never_added(store, other_store) -> None:
    foreign = only_variant(product(other_store, title="Their Teapot"))
    draft = only_variant(product(store, title="Secret", status="draft"))
    archived = only_variant(product(store, title="Old", status="archived"))
    for variant_id in (foreign.pk, draft.pk, archived.pk, 2**63, 10**30):
        with pytest.raises(NotFound):
            services.cart_line_add(store=store, actor=ANON, shopper=Shopper(), variant_id=variant_id, quantity=1)
    assert carts(store) == [] and carts(other_store) == []


def test_a_customer_has_one_cart_per_store(store, other_store) -> None:
    customer = make_customer(store)
    first, second = variants_of(product(store, sizes=["S", "M"]))
    _add(store, Shopper(customer=customer), first)
    _add(store, Shopper(customer=customer), second)
    assert len(carts(store)) == 1
    assert carts(store)[0].customer_id == customer.pk
    assert lines(store) == {first.pk: 1, second.pk: 1}


def test_a_cart_holds_at_most_100_different_lines(store) -> None:
    sizes = [f"S{i}" for i in range(10)]
    colours = [f"C{i}" for i in range(10)]
    variants = [*variants_of(product(store, sizes=sizes, colours=colours)), only_variant(product(store))]
    shopper = Shopper(customer=make_customer(store))
    for variant in variants[:MAX_LINES]:
        _add(store, shopper, variant)
    with pytest.raises(ApplicationError) as refused:
        _add(store, shopper, variants[MAX_LINES])
    assert refused.value.code == "cart_full"
    assert len(lines(store)) == MAX_LINES


def test_changing_a_quantity_is_capped_and_checked(store) -> None:
    variant = only_variant(product(store, title="Rug", stock=4))
    shopper = Shopper(customer=make_customer(store))
    _add(store, shopper, variant)
    line_id = CartLine.objects.get(store=store).pk

    change = services.cart_line_set_quantity(store=store, actor=ANON, shopper=shopper, line_id=line_id, quantity="3")
    assert (change.quantity, change.capped) == (3, False)
    change = services.cart_line_set_quantity(store=store, actor=ANON, shopper=shopper, line_id=line_id, quantity=9)
    assert (change.quantity, change.capped) == (4, True)
    for bad in (0, -1, "abc", 10**9):
        with pytest.raises(ApplicationError):
            services.cart_line_set_quantity(store=store, actor=ANON, shopper=shopper, line_id=line_id, quantity=bad)
    assert lines(store) == {variant.pk: 4}

    set_stock(variant, 0)
    with pytest.raises(ApplicationError) as refused:
        services.cart_line_set_quantity(store=store, actor=ANON, shopper=shopper, line_id=line_id, quantity=1)
    assert refused.value.code == "out_of_stock"


def test_nobody_changes_or_removes_a_line_of_another_cart(store) -> None:
    variant = only_variant(product(store))
    owner = Shopper(customer=make_customer(store))
    _add(store, owner, variant, 2)
    line_id = CartLine.objects.get(store=store).pk
    stranger = Shopper(customer=make_customer(store))
    visitor = Shopper(secret=_add(store, Shopper(), variant).secret)
    for shopper in (stranger, visitor, Shopper()):
        with pytest.raises(NotFound):
            services.cart_line_set_quantity(store=store, actor=ANON, shopper=shopper, line_id=line_id, quantity=1)
        with pytest.raises(NotFound):
            services.cart_line_remove(store=store, actor=ANON, shopper=shopper, line_id=line_id)
    assert CartLine.objects.get(store=store, pk=line_id).quantity == 2


def test_removing_a_line(store) -> None:
    keep, drop = variants_of(product(store, sizes=["S", "M"]))
    shopper = Shopper(customer=make_customer(store))
    _add(store, shopper, keep, 2)
    _add(store, shopper, drop, 1)
    line_id = CartLine.objects.get(store=store, variant=drop).pk
    change = services.cart_line_remove(store=store, actor=ANON, shopper=shopper, line_id=line_id)
    assert change.count == 2 and change.quantity == 0
    assert lines(store) == {keep.pk: 2}


def test_the_priced_cart_uses_todays_prices_and_skips_withdrawn_products(store) -> None:
    shirt = product(store, title="Shirt", sizes=["S", "M"], price="10.00")
    small, medium = variants_of(shirt)
    mug = product(store, title="Mug", price="4.50")
    shopper = Shopper(customer=make_customer(store))
    _add(store, shopper, small, 2)
    _add(store, shopper, medium, 1)
    _add(store, shopper, only_variant(mug), 3)
    set_price(small, "12.00", compare_at="15.00")
    Product.objects.filter(store=store, pk=mug.pk).update(status="archived")

    priced = selectors.cart_priced(store=store, cart=carts(store)[0])
    assert priced.subtotal == Decimal("34.00")  # 2 x 12.00 + 1 x 10.00; the mug is withdrawn
    assert priced.savings == Decimal("6.00")
    assert priced.count == 3
    by_title = {(line.product_title, line.variant_title): line for line in priced.lines}
    assert by_title[("Shirt", "S")].total == Decimal("24.00")
    assert by_title[("Mug", "")].available is False
    assert priced.currency == store.currency


def test_merge_sums_quantities_capped_by_stock_and_deletes_the_visitor_cart(store) -> None:
    both, only_visitor, withdrawn = variants_of(product(store, title="Sock", sizes=["S", "M", "L"], stock=5))
    customer = make_customer(store)
    _add(store, Shopper(customer=customer), both, 3)
    secret = _add(store, Shopper(), both, 4).secret
    _add(store, Shopper(secret=secret), only_visitor, 2)
    _add(store, Shopper(secret=secret), withdrawn, 1)
    set_stock(withdrawn, 0)

    result = services.cart_merge(store=store, actor=ANON, customer=customer, secret=secret)
    assert result is not None
    assert result.capped_titles == ["Sock (S)", "Sock (L)"]
    cart = Cart.objects.get(store=store)
    assert cart.customer_id == customer.pk
    assert lines(store) == {both.pk: 5, only_visitor.pk: 2}
    assert result.count == 7
    # Spent: the secret names no cart any more.
    assert services.cart_merge(store=store, actor=ANON, customer=customer, secret=secret) is None


def test_merge_never_takes_another_stores_cart(store, other_store) -> None:
    variant = only_variant(product(other_store))
    secret = _add(other_store, Shopper(), variant).secret
    customer = make_customer(store)
    assert services.cart_merge(store=store, actor=ANON, customer=customer, secret=secret) is None
    assert lines(other_store) == {variant.pk: 1}


def test_visitor_carts_past_their_cookies_life_are_purged_customers_carts_stay(store, other_store) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from shopwright.cart.tasks import carts_purge_abandoned_task

    variant = only_variant(product(store))
    theirs = only_variant(product(other_store))
    customer = make_customer(store)
    _add(store, Shopper(customer=customer), variant)
    old_visitor = _add(store, Shopper(), variant).cart
    _add(other_store, Shopper(), theirs)
    fresh_visitor = _add(store, Shopper(), variant).cart
    long_ago = timezone.now() - timedelta(days=31)
    for shop in (store, other_store):
        Cart.objects.filter(store=shop).exclude(pk=fresh_visitor.pk).update(updated_at=long_ago)

    carts_purge_abandoned_task.call_local()
    customer_cart = Cart.objects.get(store=store, customer=customer)
    assert {cart.pk for cart in carts(store)} == {customer_cart.pk, fresh_visitor.pk}
    assert old_visitor.pk not in {cart.pk for cart in carts(store)}
    assert carts(other_store) == []
    assert CartLine.objects.filter(store=store).count() == 2
