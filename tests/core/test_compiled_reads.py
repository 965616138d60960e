"""core.compiled.CompiledRead: the same SQL and the same objects as the ORM, without building the SQL each time."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import Count, Model
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from shopwright.core.compiled import CompiledRead, CompileError, RawRead
from shopwright.customers.models import Customer
from shopwright.orders.models import Order, OrderStatus
from tests.factories import make_customer, make_merchant
from tests.order_factories import make_paid_order, make_variant

pytestmark = pytest.mark.django_db

CUSTOMER_BY_ID = CompiledRead(
    lambda store_id, customer_id: Customer.objects.filter(store_id=store_id, pk=customer_id)[:1], name="customer"
)
ORDERS_OF_STORE_WITH_STATUS = CompiledRead(
    lambda store_id, status: Order.objects.filter(store_id=store_id, status=status).order_by("number"),
    name="orders",
)


def _fields(instance: Model) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def _captured(run):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return result, [query["sql"] for query in captured.captured_queries]


def test_it_gives_the_orms_objects_with_decrypted_fields_dates_and_the_same_sql():
    store = make_merchant().store
    customer = make_customer(store, name="Ada Lovelace")
    Customer.objects.filter(store=store, pk=customer.pk).update(date_of_birth=datetime.date(1990, 12, 10))
    customer.refresh_from_db()
    customer.real_name = "Augusta Ada King"
    customer.save(update_fields=["real_name"])

    orm, orm_sql = _captured(lambda: Customer.objects.filter(store_id=store.pk, pk=customer.pk)[:1].get())
    compiled, compiled_sql = _captured(lambda: CUSTOMER_BY_ID.first(store_id=store.pk, customer_id=customer.pk))

    assert isinstance(compiled, Customer) and compiled.pk == customer.pk
    assert _fields(compiled) == _fields(orm)
    assert compiled.real_name == "Augusta Ada King" and compiled.date_of_birth == datetime.date(1990, 12, 10)
    assert compiled.created_at.tzinfo is not None
    assert not compiled._state.adding and compiled._state.db == "default"  # saves as an UPDATE, like the ORM's
    assert len(compiled_sql) == 1
    assert compiled_sql == orm_sql


def test_each_call_uses_its_own_values_and_keeps_constants_of_the_queryset():
    first, second = make_merchant().store, make_merchant().store
    ada, grace = make_customer(first), make_customer(second)

    assert CUSTOMER_BY_ID.first(store_id=first.pk, customer_id=ada.pk).pk == ada.pk
    assert CUSTOMER_BY_ID.first(store_id=second.pk, customer_id=grace.pk).pk == grace.pk
    # Another store's row is not found through this store: the store filter is part of the compiled SQL.
    assert CUSTOMER_BY_ID.first(store_id=first.pk, customer_id=grace.pk) is None

    variant = make_variant(first, stock=10)
    paid = [make_paid_order(first, [(variant, 1)]) for _ in range(2)]
    make_paid_order(second, [(make_variant(second), 1)])
    found = ORDERS_OF_STORE_WITH_STATUS.all(store_id=first.pk, status=OrderStatus.PAID)
    assert [order.pk for order in found] == [order.pk for order in sorted(paid, key=lambda o: o.number)]
    assert found[0].total == paid[0].total and found[0].email == paid[0].email
    assert ORDERS_OF_STORE_WITH_STATUS.all(store_id=first.pk, status=OrderStatus.CANCELLED) == []


def test_select_related_models_come_filled_in_as_the_orms_do():
    store = make_merchant().store
    customer = make_customer(store, name="Ada Lovelace")
    variant = make_variant(store, stock=5)
    order = make_paid_order(store, [(variant, 1)], customer=customer)
    with_customer = CompiledRead(
        lambda store_id, pk: Order.objects.filter(store_id=store_id, pk=pk).select_related("customer", "store")[:1]
    )
    orm = Order.objects.filter(store_id=store.pk, pk=order.pk).select_related("customer", "store").get()
    found, sql = _captured(lambda: with_customer.first(store_id=store.pk, pk=order.pk))
    assert _fields(found) == _fields(orm)
    with CaptureQueriesContext(connection) as later:
        assert _fields(found.customer) == _fields(orm.customer) and found.customer.name == "Ada Lovelace"
        assert found.store.handle == store.handle
    assert len(sql) == 1 and later.captured_queries == []  # loaded with the order, as select_related does
    guest = make_paid_order(store, [(variant, 1)])
    found_guest = with_customer.first(store_id=store.pk, pk=guest.pk)
    assert found_guest.customer is None and found_guest.store.pk == store.pk


def test_a_deferred_read_loads_the_rest_on_access_like_the_orm():
    store = make_merchant().store
    customer = make_customer(store, name="Ada Lovelace")
    names_only = CompiledRead(
        lambda store_id, pk: Customer.objects.filter(store_id=store_id, pk=pk).only("id", "store_id", "name")[:1]
    )
    found = names_only.first(store_id=store.pk, pk=customer.pk)
    assert found is not None and found.name == "Ada Lovelace"
    assert "email" in found.get_deferred_fields()
    assert found.email == customer.email  # loaded on access


@pytest.mark.parametrize(
    ("build", "arguments", "message"),
    [
        (lambda store_id: Order.objects.filter(store_id=store_id).values("id"), {"store_id": 1}, "instances"),
        (
            lambda store_id: Order.objects.filter(store_id=store_id).annotate(n=Count("lines")),
            {"store_id": 1},
            "instances",
        ),
        (lambda q: Customer.objects.filter(store_id=1, nickname__icontains=q), {"q": "ada"}, "changed by its lookup"),
        (lambda store_id, other: Customer.objects.filter(store_id=store_id), {"store_id": 1, "other": 2}, "reach"),
    ],
)
def test_what_cannot_be_compiled_once_is_refused_at_the_first_call(build, arguments, message):
    with pytest.raises(CompileError, match=message):
        CompiledRead(build).all(**arguments)


@pytest.mark.parametrize("value", [[1, 2], True, 1.5, None])
def test_arguments_other_than_ints_and_strings_are_refused(value):
    read = CompiledRead(lambda pk: Customer.objects.filter(store_id=1, pk=pk))
    with pytest.raises(CompileError, match="must be an int or a str"):
        read.all(pk=value)


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_needs_a_transaction_where_the_orms_does():
    store = make_merchant().store
    customer = make_customer(store)
    locking = CompiledRead(
        lambda store_id, pk: Customer.objects.select_for_update().filter(store_id=store_id, pk=pk)[:1]
    )
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            Customer.objects.select_for_update().filter(store_id=store.pk, pk=customer.pk).first()
        with pytest.raises(TransactionManagementError):
            locking.first(store_id=store.pk, pk=customer.pk)
    with transaction.atomic():
        found, sql = _captured(lambda: locking.first(store_id=store.pk, pk=customer.pk))
    assert found is not None and found.pk == customer.pk
    if connection.features.has_select_for_update:
        assert sql[0].endswith("FOR UPDATE")


# --- RawRead ---------------------------------------------------------------------------------------------

_ORDER_WITH_LINE_COUNT_SQL = """
    SELECT o.id, o.store_id, o.number, o.email, o.shipping_address, o.created_at,
        (SELECT COUNT(*) FROM orders_orderline AS l WHERE l.store_id = o.store_id AND l.order_id = o.id) AS n_lines
    FROM orders_order AS o
    WHERE o.store_id = %s
    ORDER BY o.number
"""
ORDERS_WITH_LINE_COUNTS = RawRead(Order, _ORDER_WITH_LINE_COUNT_SQL, name="orders with line counts")


def test_a_raw_read_gives_what_raw_gives_with_the_conversions_worked_out_once(monkeypatch):
    store = make_merchant().store
    variant = make_variant(store, stock=10)
    orders = [make_paid_order(store, [(variant, 1 + n)]) for n in range(2)]
    other = make_merchant().store
    make_paid_order(other, [(make_variant(other), 1)])  # another store's order is not read

    from_raw = list(Order.objects.raw(_ORDER_WITH_LINE_COUNT_SQL, [store.pk]))
    read = RawRead(Order, _ORDER_WITH_LINE_COUNT_SQL)
    found = read.all([store.pk])

    assert [order.pk for order in found] == [order.pk for order in from_raw] == [o.pk for o in orders]
    for mine, theirs in zip(found, from_raw, strict=True):
        assert (mine.number, mine.email, mine.shipping_address, mine.created_at) == (
            theirs.number,
            theirs.email,
            theirs.shipping_address,
            theirs.created_at,
        )
        assert mine.email.endswith("@example.com")  # decrypted, like the ORM's
        assert mine.created_at.tzinfo is not None
        assert mine.n_lines == 1  # a column that is no field becomes an attribute
        assert mine.get_deferred_fields() == theirs.get_deferred_fields() and "phone" in mine.get_deferred_fields()
        assert not mine._state.adding

    planned: list[object] = []
    plan = RawRead._plan
    monkeypatch.setattr(RawRead, "_plan", lambda self, *args: planned.append(args) or plan(self, *args))
    again = read.all([store.pk])
    assert [order.email for order in again] == [order.email for order in found]
    assert planned == []  # the columns were matched to fields at the first call only


def test_a_raw_read_without_the_primary_key_is_refused():
    store = make_merchant().store
    make_paid_order(store, [(make_variant(store), 1)])
    without_key = RawRead(Order, "SELECT o.number FROM orders_order AS o WHERE o.store_id = %s")
    with pytest.raises(CompileError, match="primary key"):
        without_key.all([store.pk])


def test_a_raw_read_matches_the_columns_again_when_the_statement_returns_more():
    store = make_merchant().store
    order = make_paid_order(store, [(make_variant(store), 1)])
    read = RawRead(Order, "SELECT o.id, o.store_id, o.number FROM orders_order AS o WHERE o.store_id = %s")
    assert read.first([store.pk]).get_deferred_fields() >= {"email"}
    # As after a migration that adds a column to a table read with `t.*`: the same reader, a wider row.
    read._sql = "SELECT o.id, o.store_id, o.number, o.email FROM orders_order AS o WHERE o.store_id = %s"
    again = read.first([store.pk])
    assert again.email == order.email and "email" not in again.get_deferred_fields()
