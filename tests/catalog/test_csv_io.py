"""The catalog CSV: export format and escaping, and every check an upload goes through before anything is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopwright.catalog import csv_io
from shopwright.catalog.csv_io import COLUMNS, escape_cell, parse_csv, unescape_cell
from shopwright.catalog.imports import import_check
from shopwright.stores.models import Store
from tests.catalog.csv_helpers import csv_bytes, export_bytes, export_table, shirt_rows
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


def _problems(plan) -> list[tuple[int | None, str, str]]:  # type: ignore[no-untyped-def]
    return [(i.row, i.column, i.message) for i in plan.errors]


# --- export -------------------------------------------------------------------------------------


def test_export_writes_a_bom_the_exact_columns_and_one_row_per_variant(store: Store) -> None:
    make_product(store, title="Tee", price="12.5", sizes=["S", "M"], colours=["Red"], vendor="Acme", tags=["Cotton"])
    data = export_bytes(store)
    assert data.startswith("\ufeff".encode())
    assert data.decode()[1:].splitlines()[0] == ",".join(COLUMNS)
    rows = export_table(store)
    assert [(r["option1_value"], r["option2_value"]) for r in rows] == [("S", "Red"), ("M", "Red")]
    first, second = rows
    assert (first["title"], first["vendor"], first["tags"], first["option1_name"], first["option2_name"]) == (
        "Tee",
        "Acme",
        "cotton",
        "Size",
        "Colour",
    )
    assert second["title"] == "" and second["option1_name"] == ""  # product fields only on the first row
    assert first["price"] == "12.50" and first["track_stock"] == "true" and first["continue_selling"] == "false"
    assert first["compare_at_price"] == ""


def test_export_quotes_cells_a_spreadsheet_would_run_as_formulas(store: Store) -> None:
    make_product(
        store,
        title='=HYPERLINK("http://evil.example","click")',
        vendor="@SUM(A1:A9)",
        product_type="+cmd",
        seo_title="-2+3",
        seo_description="\tleading tab",
    )
    (row,) = export_table(store)
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["vendor"] == "'@SUM(A1:A9)"
    assert row["product_type"] == "'+cmd"
    assert row["seo_title"] == "'-2+3"
    # Numbers we write ourselves stay numbers.
    assert row["price"] == "19.99" and row["stock_quantity"] == "10"


@pytest.mark.parametrize("value", ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "'=x", "''+x", "'plain", "-5", "12.50", ""])
def test_escaping_round_trips(value: str) -> None:
    assert unescape_cell(escape_cell(value)) == value
    assert not escape_cell(value).startswith(csv_io.FORMULA_PREFIXES) or value in ("-5",)


def test_export_leaves_out_other_stores(store: Store, other_store: Store) -> None:
    make_product(store, title="Mine")
    make_product(other_store, title="Theirs")
    assert [r["title"] for r in export_table(store)] == ["Mine"]


def test_export_runs_the_same_queries_for_5_and_50_products(store: Store) -> None:
    def count(n: int) -> int:
        for _ in range(n):
            make_product(store, sizes=["S", "M"], colours=["Red", "Blue"])
        with CaptureQueriesContext(connection) as queries:
            lines = list(csv_io.export_rows(store=store))
        assert len(lines) > n
        return len(queries)

    few = count(5)
    many = count(45)
    assert few == many == 3


def test_export_batches_use_three_queries_each(store: Store) -> None:
    for _ in range(7):
        make_product(store)
    with CaptureQueriesContext(connection) as queries:
        rows = list(csv_io.export_rows(store=store, batch_size=3))
    assert len(rows) == 8
    assert len(queries) == 3 * 3  # batches of 3, 3 and 1 product


def test_export_writes_amounts_with_the_currency_s_decimals(store: Store) -> None:
    store.currency = "JPY"
    store.save(update_fields=["currency"])
    make_product(store, price="1200")
    (row,) = export_table(store)
    assert row["price"] == "1200"


# --- encoding and shape -----------------------------------------------------------------------------


def test_utf8_with_or_without_bom_is_read(store: Store) -> None:
    for bom in (False, True):
        plan = import_check(store=store, data=csv_bytes(shirt_rows(), bom=bom))
        assert plan.valid, plan.issues
        assert plan.to_create == 1


def test_utf16_is_refused_with_its_name(store: Store) -> None:
    data = csv_bytes(shirt_rows()).decode().encode("utf-16")
    plan = import_check(store=store, data=data)
    assert not plan.valid
    assert "UTF-16" in plan.errors[0].message


def test_latin1_bytes_are_refused_naming_the_line(store: Store) -> None:
    rows = shirt_rows()
    rows[0]["title"] = "Café shirt"
    data = csv_bytes(rows).decode().encode("latin-1")
    plan = import_check(store=store, data=data)
    assert not plan.valid
    message = plan.errors[0].message
    assert "not UTF-8" in message and "line 2" in message and "Latin-1" in message


def test_binary_files_are_refused(store: Store) -> None:
    plan = import_check(store=store, data=b"handle,title,price\n\x00\x01\x02")
    assert "NUL" in plan.errors[0].message


def test_missing_required_columns_are_named(store: Store) -> None:
    plan = import_check(store=store, data=csv_bytes([{"handle": "a"}], columns=["handle", "vendor"]))
    assert not plan.valid
    assert plan.errors[0].row == 1
    assert "title, price" in plan.errors[0].message


def test_unknown_columns_are_ignored_with_a_warning(store: Store) -> None:
    rows = shirt_rows()
    rows[0]["colour_hex"] = "#ff0000"
    plan = import_check(store=store, data=csv_bytes(rows, columns=[*COLUMNS, "colour_hex"]))
    assert plan.valid
    assert [(w.row, w.column) for w in plan.warnings] == [(1, "colour_hex")]
    assert "ignored" in plan.warnings[0].message


def test_an_empty_file_and_a_header_only_file_are_refused(store: Store) -> None:
    assert "empty" in import_check(store=store, data=b"").errors[0].message
    assert "no product rows" in import_check(store=store, data=csv_bytes([])).errors[0].message


def test_too_large_and_too_many_rows(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_io, "MAX_FILE_BYTES", 100)
    assert "larger than" in import_check(store=store, data=csv_bytes(shirt_rows())).errors[0].message
    monkeypatch.setattr(csv_io, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(csv_io, "MAX_ROWS", 3)
    plan = import_check(store=store, data=csv_bytes(shirt_rows()))
    assert "more than 3 rows" in plan.errors[0].message


def test_a_row_without_a_handle_is_named(store: Store) -> None:
    rows = shirt_rows()
    rows[2]["handle"] = ""
    plan = import_check(store=store, data=csv_bytes(rows))
    assert (4, "handle") in [(i.row, i.column) for i in plan.errors]


# --- values, as the services check them, at their row and column ----------------------------------------


def test_negative_price_and_three_decimals_name_row_and_column(store: Store) -> None:
    rows = shirt_rows()
    rows[1]["price"] = "-1.00"
    rows[3]["price"] = "12.345"
    plan = import_check(store=store, data=csv_bytes(rows))
    assert _problems(plan) == [
        (3, "price", "The price cannot be below zero."),
        (5, "price", "The price has at most 2 decimal places."),
    ]


def test_bad_numbers_and_flags_name_row_and_column(store: Store) -> None:
    rows = shirt_rows()
    rows[0]["stock_quantity"] = "-3"
    rows[1]["weight_grams"] = "heavy"
    rows[2]["track_stock"] = "maybe"
    rows[3]["compare_at_price"] = "1e5"
    plan = import_check(store=store, data=csv_bytes(rows))
    assert [(r, c) for r, c, _ in _problems(plan)] == [
        (2, "stock_quantity"),
        (3, "weight_grams"),
        (4, "track_stock"),
        (5, "compare_at_price"),
    ]


def test_the_same_sku_twice_in_the_file(store: Store) -> None:
    rows = shirt_rows() + shirt_rows(handle="linen-shirt-2")
    plan = import_check(store=store, data=csv_bytes(rows))
    skus = [(r, c, m) for r, c, m in _problems(plan) if c == "sku"]
    assert skus[0] == (6, "sku", "The SKU “LS-S-RED” is also on row 2.")
    assert len(skus) == 4


def test_a_sku_another_product_of_the_store_has(store: Store, other_store: Store) -> None:
    make_product(store, title="Old", sizes=["S"])  # SKU-<n>-0
    taken = store_sku(store)
    make_product(other_store, title="Theirs")
    rows = shirt_rows()
    rows[2]["sku"] = taken
    rows[3]["sku"] = store_sku(other_store)  # another store's SKU is free here
    plan = import_check(store=store, data=csv_bytes(rows))
    assert _problems(plan) == [(4, "sku", "Another product already uses this SKU.")]


def store_sku(store: Store) -> str:
    from shopwright.catalog.models import Variant

    return Variant.objects.filter(store=store).values_list("sku", flat=True).first() or ""


def test_101_variants_for_a_handle(store: Store) -> None:
    rows = [
        {"handle": "big", "title": "Big", "option1_name": "N", "option1_value": f"v{i}", "price": "1"}
        if i == 0
        else {"handle": "big", "option1_value": f"v{i}", "price": "1"}
        for i in range(101)
    ]
    plan = import_check(store=store, data=csv_bytes(rows))
    assert any(row == 2 and "100 variants" in message for row, _, message in _problems(plan)), plan.issues


def test_option_names_that_change_within_a_handle(store: Store) -> None:
    rows = shirt_rows()
    rows[2]["option2_name"] = "Color"
    rows[3]["option2_name"] = "colour"  # the same name in other case is fine
    plan = import_check(store=store, data=csv_bytes(rows))
    assert [(r, c) for r, c, _ in _problems(plan)] == [(4, "option2_name")]
    assert "“Colour”" in plan.errors[0].message and "“Color”" in plan.errors[0].message


def test_a_missing_option_value_and_a_value_for_an_unnamed_option(store: Store) -> None:
    rows = shirt_rows()
    rows[1]["option2_value"] = ""
    rows[2]["option3_value"] = "Linen"
    plan = import_check(store=store, data=csv_bytes(rows))
    assert [(r, c) for r, c, _ in _problems(plan)][:2] == [(3, "option2_value"), (4, "option3_value")]


def test_product_field_errors_point_at_the_first_row(store: Store) -> None:
    rows = shirt_rows()
    rows[0]["title"] = ""
    rows[0]["status"] = "sold-out"
    rows[0]["handle"] = rows[1]["handle"] = rows[2]["handle"] = rows[3]["handle"] = "bad handle!"
    plan = import_check(store=store, data=csv_bytes(rows))
    assert sorted((r, c) for r, c, _ in _problems(plan)) == [(2, "handle"), (2, "status"), (2, "title")]


def test_a_different_product_value_on_a_later_row_is_a_warning(store: Store) -> None:
    rows = shirt_rows()
    rows[2]["vendor"] = "Someone else"
    plan = import_check(store=store, data=csv_bytes(rows))
    assert plan.valid
    assert [(w.row, w.column) for w in plan.warnings] == [(4, "vendor")]


def test_quoted_formula_cells_are_read_back_without_the_quote(store: Store) -> None:
    rows = shirt_rows()
    rows[0]["title"] = "'=SUM(1,2)"
    parsed = parse_csv(csv_bytes(rows))
    assert parsed.products[0].first.get("title") == "=SUM(1,2)"


def test_amounts_for_a_currency_without_decimals(store: Store) -> None:
    store.currency = "JPY"
    store.save(update_fields=["currency"])
    rows = shirt_rows(price="1200")
    rows[1]["price"] = "1200.50"
    plan = import_check(store=store, data=csv_bytes(rows))
    assert [(r, c) for r, c, _ in _problems(plan)] == [(3, "price")]


def test_counts_of_products_to_create_and_update(store: Store) -> None:
    make_product(store, title="Linen Shirt", handle="linen-shirt")
    rows = [*shirt_rows(), {"handle": "mug", "title": "Mug", "price": "9.50"}]
    plan = import_check(store=store, data=csv_bytes(rows))
    assert plan.valid, plan.issues
    assert (plan.to_create, plan.to_update, plan.row_count) == (1, 1, 5)


def test_amounts_stay_decimal(store: Store) -> None:
    parsed = parse_csv(csv_bytes(shirt_rows(price="30.10")))
    rows = csv_io.product_rows(parsed.products[0], columns=parsed.columns, existing=None)
    assert all(Decimal(v.price) == Decimal("30.10") for v in rows.data.variants)
