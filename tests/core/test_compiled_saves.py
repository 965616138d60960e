"""core.compiled_saves: a store's row saved with the SQL Django sends, built once per shape instead of each time."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.sql.compiler import SQLInsertCompiler, SQLUpdateCompiler
from django.utils import timezone

from shopwright.catalog.models import Product
from shopwright.core import compiled_saves
from shopwright.core.models import Email
from shopwright.orders.models import Order, OrderEvent, OrderStatus
from tests.factories import make_merchant
from tests.order_factories import make_paid_order, make_variant
from tests.sql_capture import compiler_runs, statements_sent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_compiled_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with empty caches, so that what it counts is its own compiling."""
    monkeypatch.setattr(compiled_saves, "_updates", {})
    monkeypatch.setattr(compiled_saves, "_inserts", {})
    monkeypatch.setattr(compiled_saves, "_bulk_inserts", {})


@contextmanager
def _compilings(monkeypatch: pytest.MonkeyPatch, compiler: type) -> Iterator[list[int]]:
    """How many times Django's compiler built the SQL of an UPDATE or an INSERT."""
    compiled_saves._updates.clear()  # what the test's factories compiled is compiled again, and counted
    compiled_saves._inserts.clear()
    compiled_saves._bulk_inserts.clear()
    with compiler_runs(monkeypatch, compiler) as built:
        yield built


def _order() -> Order:
    store = make_merchant().store
    return make_paid_order(store, [(make_variant(store), 1)])


def test_an_update_sends_the_statement_djangos_own_path_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    order = _order()
    fields = ["email", "phone", "billing_address", "status", "updated_at"]

    def save(email: str) -> tuple[str, tuple[Any, ...]]:
        order.email, order.phone, order.status = email, "+49 30 901820", OrderStatus.FULFILLED
        order.billing_address = {"name": "Erika Mustermann", "country": "DE"}
        with statements_sent() as sent:
            order.save(update_fields=fields)
        assert len(sent) == 1
        return sent[0]

    compiled_sql, compiled_params = save("first@example.com")
    monkeypatch.setattr(compiled_saves, "update_one", lambda *args, **kwargs: None)
    monkeypatch.setattr("shopwright.core.models.update_one", lambda *args, **kwargs: None)
    django_sql, django_params = save("second@example.com")

    assert compiled_sql == django_sql
    assert compiled_sql.startswith(f'UPDATE "{Order._meta.db_table}" SET ')
    assert len(compiled_params) == len(django_params) == len(fields) + 2
    # The personal fields are encrypted, each time with a new nonce; the rest, and the WHERE, are the same values.
    assert OrderStatus.FULFILLED in compiled_params and OrderStatus.FULFILLED in django_params
    assert compiled_params[-2:] == django_params[-2:] == (order.store_id, order.pk)
    assert "first@example.com" not in str(compiled_params)


def test_the_sql_is_built_once_per_shape_and_each_save_writes_its_own_values(monkeypatch: pytest.MonkeyPatch) -> None:
    order = _order()
    with _compilings(monkeypatch, SQLUpdateCompiler) as built:
        for n in range(3):
            order.email = f"buyer{n}@example.com"
            order.billing_address = {"name": f"Buyer {n}", "country": "DE"}
            order.save(update_fields=["email", "billing_address", "updated_at"])
            stored = Order.objects.get(store_id=order.store_id, pk=order.pk)
            assert (stored.email, stored.billing_address) == (
                f"buyer{n}@example.com",
                {"name": f"Buyer {n}", "country": "DE"},
            )
        assert len(built) == 1

        # NULL is written into the statement by Django: another shape, compiled once more.
        order.billing_address = None
        order.save(update_fields=["email", "billing_address", "updated_at"])
        assert Order.objects.get(store_id=order.store_id, pk=order.pk).billing_address is None
        assert len(built) == 2


def test_an_update_stays_within_the_rows_store() -> None:
    order = _order()
    own_store = order.store_id
    order.save(update_fields=["status"])  # the shape is compiled, with the row's own store
    order.store_id, order.status = make_merchant().store.pk, OrderStatus.CANCELLED

    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        order.save(update_fields=["status"])

    assert Order.objects.get(store_id=own_store, pk=order.pk).status == OrderStatus.PAID


def test_an_expression_goes_through_djangos_path_and_is_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_merchant().store
    product = Product.objects.get(store=store, pk=make_variant(store).product_id)
    product.save(update_fields=["sales_count"])
    with _compilings(monkeypatch, SQLUpdateCompiler) as built:
        for _ in range(2):
            product.sales_count = F("sales_count") + 2
            product.save(update_fields=["sales_count"])
    product.refresh_from_db()
    assert product.sales_count == 4
    assert len(built) == 2  # compiled by Django each time: the SQL holds the expression


def test_a_new_row_gets_its_key_and_one_timestamp_and_later_inserts_reuse_the_sql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = _order()
    with _compilings(monkeypatch, SQLInsertCompiler) as built:
        events = []
        for n in range(3):
            event = OrderEvent(store_id=order.store_id, order=order, kind="note", actor_type="system", data={"n": n})
            event.save()
            events.append(event)
        assert len(built) == 1

    assert all(isinstance(event.pk, int) for event in events) and len({event.pk for event in events}) == 3
    for n, event in enumerate(events):
        stored = OrderEvent.objects.get(store_id=order.store_id, pk=event.pk)
        assert stored.data == {"n": n}
        # Stamped once: the instance holds the very time that was written (a second pre_save would differ).
        assert stored.created_at == event.created_at
        assert timezone.now() - event.created_at < datetime.timedelta(minutes=1)
        assert not event._state.adding


def test_a_failed_write_marks_the_transaction_for_rollback() -> None:
    store = make_merchant().store
    variant = make_variant(store, stock=5)
    first, second = (make_paid_order(store, [(variant, 1)]) for _ in range(2))
    first.save(update_fields=["number"])  # the shape is compiled

    with transaction.atomic():
        second.number = first.number
        with pytest.raises(IntegrityError):
            second.save(update_fields=["number"])
        assert connection.needs_rollback


def test_the_outgoing_email_queue_inserts_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_merchant().store
    with _compilings(monkeypatch, SQLInsertCompiler) as built:
        queued = [
            Email.objects.create(
                store_id=store.pk, kind="order_confirmation", to=f"buyer{n}@example.com", subject=f"#{n}"
            )
            for n in range(3)
        ]
        assert len(built) == 1
    for n, email in enumerate(queued):
        stored = Email.objects.get(pk=email.pk)
        assert (stored.to, stored.subject, stored.status) == (f"buyer{n}@example.com", f"#{n}", Email.Status.QUEUED)


def test_a_platform_rows_update_is_by_its_key_alone_and_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    queued = [Email.objects.create(kind="password_reset", to=f"user{n}@example.com", subject="Reset") for n in range(3)]
    with _compilings(monkeypatch, SQLUpdateCompiler) as built, statements_sent() as sent:
        for email in queued:
            email.status, email.attempts = Email.Status.SENT, 1
            email.save(update_fields=["attempts", "status"])
        assert len(built) == 1
    assert all(sql.startswith(f'UPDATE "{Email._meta.db_table}" SET ') for sql, _params in sent)
    assert [params[-1] for _sql, params in sent] == [email.pk for email in queued]
    assert set(Email.objects.filter(pk__in=[e.pk for e in queued]).values_list("status", flat=True)) == {"sent"}


# --- several new rows at once (bulk_insert) ---------------------------------------------------------------


def _events(order: Order, count: int, tag: str) -> list[OrderEvent]:
    return [
        OrderEvent(store_id=order.store_id, order=order, kind="note", actor_type="system", data={"tag": tag, "n": n})
        for n in range(count)
    ]


def test_several_rows_go_in_one_insert_that_is_the_one_bulk_create_sends() -> None:
    order = _order()
    with statements_sent() as by_orm:
        OrderEvent.objects.bulk_create(_events(order, 3, "orm"))
    with statements_sent() as compiled:
        compiled_saves.bulk_insert(_events(order, 3, "compiled"))

    assert [sql for sql, _ in compiled] == [sql for sql, _ in by_orm if sql.lstrip().startswith("INSERT")]
    assert len(compiled[0][1]) == len(by_orm[-1][1])


def test_bulk_rows_get_their_keys_and_stamps_and_the_sql_is_built_once_per_number_of_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = _order()
    with _compilings(monkeypatch, SQLInsertCompiler) as built:
        first = compiled_saves.bulk_insert(_events(order, 2, "a"))
        second = compiled_saves.bulk_insert(_events(order, 2, "b"))
        assert len(built) == 1
        third = compiled_saves.bulk_insert(_events(order, 3, "c"))
        assert len(built) == 2

    for event in [*first, *second, *third]:
        assert isinstance(event.pk, int) and not event._state.adding
        stored = OrderEvent.objects.get(store_id=order.store_id, pk=event.pk)
        assert stored.data == event.data and stored.created_at == event.created_at  # stamped once
    assert [event.data["n"] for event in third] == [0, 1, 2]  # each row got its own key, in order


def test_rows_bulk_insert_does_not_compile_go_to_bulk_create() -> None:
    order = _order()
    [existing] = compiled_saves.bulk_insert(_events(order, 1, "kept"))
    # A row with its key set takes bulk_create's own path, which inserts it as given: here, a duplicate key.
    with pytest.raises(IntegrityError), transaction.atomic():
        compiled_saves.bulk_insert([OrderEvent(pk=existing.pk, store_id=order.store_id, order=order, kind="x")])
    assert compiled_saves.bulk_insert([]) == []


def test_a_failed_bulk_insert_marks_the_transaction_for_rollback() -> None:
    order = _order()
    compiled_saves.bulk_insert(_events(order, 2, "shape"))  # compiled
    with transaction.atomic():
        rows = _events(order, 2, "broken")
        rows[1].kind = None  # type: ignore[assignment]  # NOT NULL
        with pytest.raises(IntegrityError):
            compiled_saves.bulk_insert(rows)
        assert connection.needs_rollback
