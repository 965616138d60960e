"""bench/privacy.py: the generated subject and others are real rows (ciphertext, blind indexes); generation resumes."""

from __future__ import annotations

import make_data
import privacy
import pytest
from django.db import connection

from shopwright.core import crypto
from shopwright.core.models import Email
from shopwright.customers.models import Address, Customer
from shopwright.orders.models import Order, OrderNumberSequence


def test_defaults_are_the_issue_s_benchmark():
    args = privacy.parse_args([])
    assert (args.others, args.scale, args.orders, args.records, args.repeat) == (100_000, 1, 1000, 10_000, 3)
    assert args.database_url == "postgres://postgres@127.0.0.1:5432/sw_bench"
    assert sum(privacy.record_counts(10_000).values()) + 1 == 10_000  # + the cart itself


@pytest.mark.parametrize(
    "argv",
    [
        ["--database-url", "sqlite:///x.sqlite3"],
        ["--others", "0"],
        ["--records", "10"],
        ["--fresh", "--reuse"],
        ["--scale", "x"],
    ],
)
def test_bad_options_are_refused_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        privacy.parse_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_the_printed_command_spells_out_the_run_without_the_password():
    args = privacy.parse_args(["--database-url", "postgres://b:s3cret@db:5432/x", "--scale", "10", "--reuse"])
    assert privacy.reproduce_command(args) == (
        ".venv/bin/python bench/privacy.py --database-url postgres://b:PASSWORD@db:5432/x --others 100000"
        " --scale 10 --stores 5 --orders 1000 --records 10000 --repeat 3 --residue once --reuse"
    )


@pytest.fixture
def stores(db):
    make_data.generate(stores=2, products=40, prefix=privacy.PREFIX, picture_size=64, bulk=False)
    return privacy._bench_store_ids()


def _raw(table: str, column: str, store_id: int, row_id: int) -> str:
    with connection.cursor() as cursor:
        sql = f"SELECT {column} FROM {table} WHERE store_id = %s AND id = %s"  # names from the test itself
        cursor.execute(sql, [store_id, row_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_others_are_made_in_resumable_batches_with_real_ciphertext(stores, monkeypatch):
    monkeypatch.setattr(privacy, "BATCH", 4)
    assert privacy.generate_others(total=10, store_ids=stores, skip_fk_checks=False, log=lambda _m: None) == 10
    assert privacy.others_present(stores) == 10
    # A second run with a larger total makes only the missing ones.
    assert privacy.generate_others(total=13, store_ids=stores, skip_fk_checks=False, log=lambda _m: None) == 3
    assert privacy.others_present(stores) == 13
    assert privacy.generate_others(total=13, store_ids=stores, skip_fk_checks=False, log=lambda _m: None) == 0

    customer = Customer.objects.get(store_id=stores[1], email_index=crypto.blind_index(privacy.other_email(7)))
    assert customer.email == "other-7@privacy.bench.example"
    raw = _raw("customers_customer", "email", stores[1], customer.pk)
    assert "other-7" not in raw and crypto.decrypt(raw) == customer.email
    order = Order.objects.get(store_id=stores[1], customer=customer)
    assert order.email_index == customer.email_index and order.shipping_address["country"] == "DE"
    assert Address.objects.get(store_id=stores[1], customer=customer).data["phone"].startswith("+49")
    assert Email.objects.get(to_index=customer.email_index).to == customer.email
    # Order numbers continue where the bench left them, as order_place would number the next order.
    numbers = sorted(Order.objects.filter(store_id=stores[0]).values_list("number", flat=True))
    assert numbers == list(range(1001, 1001 + 7))
    assert OrderNumberSequence.objects.get(store_id=stores[0]).last_number == 1007


@pytest.mark.django_db
def test_the_subject_has_its_orders_and_records(stores):
    subject = privacy.build_subject(store_ids=stores, orders=20, records=200, skip_fk_checks=False)

    counts = privacy.subject_counts(subject)
    mix = privacy.record_counts(200)
    assert counts == {
        "customer": 1,
        "orders": 20,
        "orders found by the email index": 20,
        "orders kept, buyer erased": 0,
        "addresses": mix["addresses"],
        "favourites": mix["favourites"],
        "consents": mix["consents"],
        "audit entries (actor or object)": mix["audit_entries"],
        "emails (by to_index)": mix["emails"],
        "cart lines": mix["cart_lines"] + 1,
        "sharing records": mix["sharing_records"],
    }
    assert (
        sum(subject.rows[k] for k in ("address", "favourite", "consent", "audit", "email", "cart", "cart_line"))
        + (subject.rows["sharing"])
        == 200
    )
    customer = Customer.objects.get(store_id=subject.store_id, pk=subject.customer_id)
    assert customer.nickname == "henri" and str(customer.date_of_birth) == "1985-04-12"
    guests = Order.objects.filter(store_id=subject.store_id, email_index=customer.email_index, customer=None)
    assert guests.count() == 2  # one order in ten placed as a guest, found only by the email's blind index


@pytest.mark.django_db(transaction=True)
def test_a_small_run_exports_and_erases_through_the_engine(stores):
    """The whole timed part on a tiny platform: the figures are there and the subject is really gone."""
    privacy.generate_others(total=6, store_ids=stores, skip_fk_checks=False, log=lambda _m: None)
    args = privacy.parse_args(["--others", "6", "--stores", "2", "--orders", "5", "--records", "100"])
    args.repeat = 2  # --residue once (the default): the whole scan after the first deletion only

    results = privacy.run(args, stores, log=lambda _m: None)

    for label in (privacy.ACCESS, privacy.EXPORT, privacy.START, privacy.ERASE, privacy.DELETION):
        assert len(results.wall[label]) == 2 and len(results.cpu[label]) == 2, label
        assert all(seconds > 0 for seconds in results.wall[label]), label
    assert len(results.wall[privacy.RESIDUE]) == len(results.wall[privacy.TOTAL]) == 1
    assert results.export_bytes > 0
    assert results.subject_rows["orders"] == 5 and results.subject_rows["favourites"] == 10
    # The last subject: its account and records are gone, its orders kept (law) with the buyer erased.
    assert results.after_deletion["customer"] == 0
    assert results.after_deletion["orders"] == 5 and results.after_deletion["orders kept, buyer erased"] == 5
    assert results.after_deletion["orders found by the email index"] == 0
    assert results.after_deletion["addresses"] == results.after_deletion["favourites"] == 0
    assert results.residue_report["clean"] is True, results.residue_report
