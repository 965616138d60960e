"""`shopwright import-products` and `export-products`: preview report, progress bar, exit status."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shopwright.catalog import imports
from shopwright.catalog.models import ImportJob, Product
from shopwright.stores.models import Store
from tests.catalog.csv_helpers import csv_bytes, export_bytes, shirt_rows, snapshot
from tests.catalog.helpers import catalog_counts
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.SHOPWRIGHT_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


def _write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "catalog.csv"
    path.write_bytes(data)
    return str(path)


def _call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_products", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_previews_applies_and_draws_a_progress_bar(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)
    make_product(store, title="Linen Shirt", handle="linen-shirt")
    rows = [*shirt_rows(), *shirt_rows(handle="second", sku_prefix="B"), {"handle": "mug", "title": "M", "price": "1"}]
    out, err = _call("--store", store.handle, _write(tmp_path, csv_bytes(rows)))

    assert "catalog.csv: 9 rows, 3 products: 2 to create, 1 to update." in out
    assert "Done: 2 created, 1 updated." in out
    assert err.splitlines() == [
        "[..............................] 0/9 rows",
        "[#############.................] 4/9 rows",
        "[##########################....] 8/9 rows",
        "[##############################] 9/9 rows",
    ]
    assert sorted(Product.objects.filter(store=store).values_list("handle", flat=True)) == [
        "linen-shirt",
        "mug",
        "second",
    ]
    job = ImportJob.objects.get(store=store)
    assert (job.status, job.created_by_id, job.stored_file) == (ImportJob.Status.DONE, None, "")


def test_an_invalid_file_prints_every_error_and_exits_non_zero(store: Store, tmp_path: Path) -> None:
    rows = shirt_rows()
    rows[1]["price"] = "-2"
    rows[2]["price"] = "1.999"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 problems; nothing was imported") as raised:
        call_command(
            "import_products", "--store", store.handle, _write(tmp_path, csv_bytes(rows)), stdout=out, stderr=err
        )
    assert raised.value.returncode == 1
    assert "  row 3, price: The price cannot be below zero." in out.getvalue()
    assert "  row 4, price: The price has at most 2 decimal places." in out.getvalue()
    assert err.getvalue() == ""  # no progress: nothing ran
    assert catalog_counts(store)["products"] == 0
    assert ImportJob.objects.filter(store=store).count() == 0


def test_a_wrong_encoding_is_named_by_the_command(store: Store, tmp_path: Path) -> None:
    data = csv_bytes(shirt_rows()).decode().encode("utf-16")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_products", "--store", store.handle, _write(tmp_path, data), stdout=out, stderr=io.StringIO()
        )
    assert "  file: The file is UTF-16 text." in out.getvalue()


def test_a_dry_run_writes_nothing(store: Store, tmp_path: Path, import_dir: Path) -> None:
    out, err = _call("--store", store.handle, _write(tmp_path, csv_bytes(shirt_rows())), "--dry-run")
    assert "1 to create, 0 to update" in out and "Dry run: nothing was written." in out
    assert err == ""
    assert catalog_counts(store)["products"] == 0
    assert ImportJob.objects.filter(store=store).count() == 0
    assert not import_dir.exists() or not any(import_dir.rglob("*.csv"))


def test_unknown_store_and_missing_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No store has the handle"):
        _call("--store", "nope", _write(tmp_path, b""))
    with pytest.raises(CommandError, match="Cannot read"):
        _call("--store", store.handle, str(tmp_path / "missing.csv"))


def test_export_command_round_trips_through_the_import_command(store: Store, tmp_path: Path) -> None:
    make_product(store, title="Tee", sizes=["S", "M"], colours=["Red"])
    make_product(store, title="=cmd|' /C calc'!A0")
    before = snapshot(store)
    target = tmp_path / "export.csv"
    call_command("export_products", "--store", store.handle, "--output", str(target), stderr=io.StringIO())
    assert target.read_bytes() == export_bytes(store)
    out, _ = _call("--store", store.handle, str(target))
    assert "0 to create, 2 to update" in out
    assert snapshot(store) == before
