"""core.compiled_writes: a queryset's update() or delete() sent with the SQL Django builds, built once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.sql.compiler import SQLDeleteCompiler, SQLUpdateCompiler
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.compiled import CompileError
from shopwright.core.compiled_writes import CompiledDelete, CompiledUpdate
from shopwright.orders.events import order_event
from shopwright.orders.models import Order, OrderEvent, OrderStatus
from tests.factories import make_customer, make_merchant
from tests.order_factories import make_paid_order, make_variant
from tests.sql_capture import compiler_runs, statements_sent

pytestmark = pytest.mark.django_db


def _order() -> Order:
    store = make_merchant().store
    return make_paid_order(store, [(make_variant(store), 1)])


def _order_update() -> CompiledUpdate:
    return CompiledUpdate(
        lambda store_id, pk: Order.objects.filter(store_id=store_id, pk=pk, status=OrderStatus.PAID), name="test"
    )


def test_an_update_sends_the_statement_the_orm_sends_and_writes_the_values() -> None:
    order = _order()
    customer = make_customer(order.store)
    now = timezone.now()
    values = {"customer": customer, "fulfilled_at": now, "shipping_method_name": "Parcel"}

    with statements_sent() as by_orm:
        Order.objects.filter(store_id=order.store_id, pk=order.pk, status=OrderStatus.PAID).update(**values)
    with statements_sent() as compiled:
        updated = _order_update().run(values, store_id=order.store_id, pk=order.pk)

    assert updated == 1
    assert compiled == by_orm  # same text, same parameters
    row = Order.objects.get(store=order.store, pk=order.pk)
    assert (row.customer_id, row.fulfilled_at, row.shipping_method_name) == (customer.pk, now, "Parcel")


def test_the_sql_is_built_once_per_pattern_of_nulls(monkeypatch: pytest.MonkeyPatch) -> None:
    order = _order()
    update = _order_update()
    later = timezone.now()

    with compiler_runs(monkeypatch, SQLUpdateCompiler) as built:
        update.run({"fulfilled_at": later, "shipping_method_name": "1"}, store_id=order.store_id, pk=order.pk)
        update.run({"fulfilled_at": later, "shipping_method_name": "2"}, store_id=order.store_id, pk=order.pk)
        assert len(built) == 1
        update.run({"fulfilled_at": None, "shipping_method_name": "3"}, store_id=order.store_id, pk=order.pk)
        assert len(built) == 2  # `= NULL` is another text

    assert Order.objects.filter(store=order.store, pk=order.pk, fulfilled_at=None).exists()


def test_another_stores_row_and_a_row_the_condition_excludes_are_not_updated() -> None:
    order, other = _order(), _order()
    update = _order_update()
    values = {"shipping_method_name": "Changed"}

    assert update.run(values, store_id=other.store_id, pk=order.pk) == 0
    Order.objects.filter(store=order.store, pk=order.pk).update(status=OrderStatus.CANCELLED)
    assert update.run(values, store_id=order.store_id, pk=order.pk) == 0  # status is no longer "paid"

    for store in (order.store, other.store):
        assert not Order.objects.filter(store=store, shipping_method_name="Changed").exists()


def test_an_expression_or_a_parent_tables_column_is_refused() -> None:
    order = _order()
    with pytest.raises(CompileError):
        _order_update().run({"total": F("total") + 1}, store_id=order.store_id, pk=order.pk)
    with pytest.raises(CompileError):
        _order_update().run({"lines": 1}, store_id=order.store_id, pk=order.pk)


def test_a_failed_update_marks_the_transaction_for_rollback() -> None:
    order = _order()
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            _order_update().run({"store": None}, store_id=order.store_id, pk=order.pk)
        assert connection.needs_rollback


def _events(order: Order) -> int:
    return OrderEvent.objects.filter(store=order.store, order=order).count()


def test_a_delete_sends_the_orms_statement_and_deletes_only_that_stores_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    order, other = _order(), _order()
    delete = CompiledDelete(
        lambda store_id, order_id: OrderEvent.objects.filter(store_id=store_id, order_id=order_id), name="test"
    )
    assert _events(order) > 0 and _events(other) > 0

    with compiler_runs(monkeypatch, SQLDeleteCompiler) as built:
        assert delete.run(store_id=order.store_id, order_id=other.pk) == 0  # another store's order
        with statements_sent() as compiled:
            deleted = delete.run(store_id=order.store_id, order_id=order.pk)
        assert len(built) == 1

    assert deleted > 0 and _events(order) == 0 and _events(other) > 0
    order_event(order=order, kind="note", actor=Actor.system())
    with statements_sent() as by_orm:
        OrderEvent.objects.filter(store_id=order.store_id, order_id=order.pk).delete()
    assert [sql for sql, _ in compiled] == [sql for sql, _ in by_orm if sql.startswith("DELETE")]


def test_a_delete_the_orm_does_in_more_than_one_statement_is_refused() -> None:
    order = _order()
    delete = CompiledDelete(lambda store_id, pk: Order.objects.filter(store_id=store_id, pk=pk), name="test")
    with pytest.raises(CompileError, match="one statement"):
        delete.run(store_id=order.store_id, pk=order.pk)  # its lines, events and payments go with it
    assert Order.objects.filter(store=order.store, pk=order.pk).exists()
