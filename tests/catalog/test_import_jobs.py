"""Import jobs: preview, confirm, apply in batches with progress, idempotent, store-scoped, file kept private."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from shopwright.catalog import imports
from shopwright.catalog.imports import (
    import_apply,
    import_confirm,
    import_discard,
    import_preview_create,
    import_purge_stale,
)
from shopwright.catalog.inputs import ProductInput, VariantInput
from shopwright.catalog.models import ImportJob, Product, Variant
from shopwright.catalog.services import product_update
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError
from shopwright.core.models import AuditEntry
from shopwright.core.tenancy import cross_store_access
from shopwright.stores.models import Store
from tests.catalog.csv_helpers import csv_bytes, export_bytes, shirt_rows, snapshot
from tests.catalog.helpers import catalog_counts
from tests.catalog_factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.SHOPWRIGHT_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


def _kept_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _preview(store: Store, actor: Actor, data: bytes) -> ImportJob:
    plan, job = import_preview_create(store=store, actor=actor, data=data, file_name="catalog.csv")
    assert plan.valid, plan.issues
    assert job is not None
    return job


def _run(store: Store, actor: Actor, data: bytes, capture) -> ImportJob:  # type: ignore[no-untyped-def]
    job = _preview(store, actor, data)
    with capture(execute=True):
        import_confirm(store=store, actor=actor, job=job)
    job.refresh_from_db()
    return job


def test_export_then_import_changes_nothing(store: Store, actor: Actor, django_capture_on_commit_callbacks) -> None:
    make_product(store, title="Tee", sizes=["S", "M", "L"], colours=["Red", "Blue"], vendor="Acme", tags=["a", "b"])
    make_product(store, title='=HYPERLINK("x")', description_html="<p>Line one,\nline two</p>", seo_title="-5 off")
    make_product(store, title="Mug", price="9.50", status="draft", stock=0)
    before = snapshot(store)

    job = _run(store, actor, export_bytes(store), django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.processed_rows, job.total_rows) == (0, 3, 8, 8)
    assert [e for e in job.errors if not e["warning"]] == []
    assert snapshot(store) == before


def test_create_and_update_by_handle_and_sku(store: Store, actor: Actor, django_capture_on_commit_callbacks) -> None:
    existing = make_product(store, title="Old title", handle="linen-shirt", sizes=["S", "M"], colours=["Red", "Blue"])
    ids_by_values = {(v.option1, v.option2): v.pk for v in Variant.objects.filter(store=store, product=existing)}
    rows = shirt_rows(price="31.00")
    # The variant S/Red is found by its SKU although the file gives it new option values.
    skus = {(v.option1, v.option2): v.sku for v in Variant.objects.filter(store=store, product=existing)}
    for row, key in zip(rows, [("S", "Red"), ("S", "Blue"), ("M", "Red"), ("M", "Blue")], strict=True):
        row["sku"] = skus[key]
    rows[0]["stock_quantity"] = "42"
    rows.append({"handle": "mug", "title": "Mug", "price": "9.50", "sku": "MUG-1", "status": "published"})

    job = _run(store, actor, csv_bytes(rows), django_capture_on_commit_callbacks)

    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 1, 1)
    existing.refresh_from_db()
    assert existing.title == "Linen Shirt" and existing.price_min == Decimal("31.00")
    kept = {(v.option1, v.option2): v for v in Variant.objects.filter(store=store, product=existing)}
    assert {k: v.pk for k, v in kept.items()} == ids_by_values  # same variants, updated in place
    assert kept[("S", "Red")].stock_quantity == 42
    mug = Product.objects.get(store=store, handle="mug")
    assert [v.sku for v in Variant.objects.filter(store=store, product=mug)] == ["MUG-1"]
    assert mug.status == "published"


def test_a_variant_left_out_of_the_file_is_removed_and_a_new_one_added(
    store: Store, actor: Actor, django_capture_on_commit_callbacks
) -> None:
    make_product(store, title="Linen Shirt", handle="linen-shirt", sizes=["S", "M"], colours=["Red", "Blue"])
    rows = [r for r in shirt_rows() if r["option1_value"] == "S"]
    rows.append({"handle": "linen-shirt", "option1_value": "L", "option2_value": "Red", "sku": "LS-L", "price": "30"})
    _run(store, actor, csv_bytes(rows), django_capture_on_commit_callbacks)
    product = Product.objects.get(store=store, handle="linen-shirt")
    variants = Variant.objects.filter(store=store, product=product)
    assert sorted((v.option1, v.option2) for v in variants) == [("L", "Red"), ("S", "Blue"), ("S", "Red")]


def test_columns_the_file_does_not_have_are_left_as_they_are(
    store: Store, actor: Actor, django_capture_on_commit_callbacks
) -> None:
    product = make_product(store, title="Mug", handle="mug", vendor="Acme", stock=7)
    variant = Variant.objects.get(store=store, product=product)
    data = csv_bytes([{"handle": "mug", "title": "Mug v2", "price": "5.00"}], columns=["handle", "title", "price"])
    _run(store, actor, data, django_capture_on_commit_callbacks)
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.title, product.vendor, product.status) == ("Mug v2", "Acme", "published")
    assert (variant.price, variant.stock_quantity, variant.sku) == (Decimal("5.00"), 7, variant.sku)


def test_an_invalid_file_writes_nothing(store: Store, actor: Actor, import_dir: Path) -> None:
    make_product(store, title="Linen Shirt", handle="linen-shirt")
    before = catalog_counts(store)
    rows = [*shirt_rows(), {"handle": "mug", "title": "Mug", "price": "-1"}]
    plan, job = import_preview_create(store=store, actor=actor, data=csv_bytes(rows), file_name="x.csv")
    assert job is None
    assert [(i.row, i.column) for i in plan.errors] == [(6, "price")]
    assert catalog_counts(store) == before
    assert ImportJob.objects.filter(store=store).count() == 0
    assert _kept_files(import_dir) == []


def test_the_upload_is_kept_outside_media_and_deleted_when_the_job_ends(
    store: Store, actor: Actor, import_dir: Path, django_capture_on_commit_callbacks
) -> None:
    job = _preview(store, actor, csv_bytes(shirt_rows()))
    (kept,) = _kept_files(import_dir)
    assert not str(kept).startswith(str(settings.MEDIA_ROOT))
    assert job.stored_file and kept.read_bytes() == csv_bytes(shirt_rows())
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(store=store, actor=actor, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.stored_file == ""
    assert _kept_files(import_dir) == []


def test_audit_entries_for_start_and_finish(store: Store, actor: Actor, django_capture_on_commit_callbacks) -> None:
    job = _run(store, actor, csv_bytes(shirt_rows()), django_capture_on_commit_callbacks)
    entries = AuditEntry.objects.filter(store_id=store.pk, object_type="catalog.importjob").order_by("id")
    assert [(e.action, e.actor_type, e.actor_id) for e in entries] == [
        ("catalog.import_started", "user", store.owner.pk),
        ("catalog.import_finished", "system", None),
    ]
    assert entries[1].details == {"status": "done", "rows": 4, "created": 1, "updated": 0, "problems": 0}
    # The products themselves are written in the uploader's name.
    created = AuditEntry.objects.get(store_id=store.pk, action="catalog.product_create")
    assert (created.actor_type, created.actor_id) == ("user", store.owner.pk)
    assert job.created_by_id == store.owner.pk


def test_importing_the_same_file_twice_never_doubles(
    store: Store, actor: Actor, django_capture_on_commit_callbacks
) -> None:
    data = csv_bytes([*shirt_rows(), {"handle": "mug", "title": "Mug", "price": "9.50"}])
    first = _run(store, actor, data, django_capture_on_commit_callbacks)
    after_first = snapshot(store)
    second = _run(store, actor, data, django_capture_on_commit_callbacks)
    assert (first.created_count, second.created_count, second.updated_count) == (2, 0, 2)
    assert snapshot(store) == after_first
    # Running a finished job again does nothing.
    assert import_apply(store_id=store.pk, job_id=second.pk) is not None
    assert snapshot(store) == after_first


def test_a_job_picked_up_again_skips_the_batches_it_committed(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)
    rows = shirt_rows() + shirt_rows(handle="second", sku_prefix="B") + [{"handle": "mug", "title": "M", "price": "1"}]
    job = _preview(store, actor, csv_bytes(rows))
    import_confirm(store=store, actor=actor, job=job, queue=False)
    # As a worker that died after committing the first batch (the linen shirt) leaves it.
    ImportJob.objects.filter(store=store, pk=job.pk).update(status=ImportJob.Status.RUNNING, processed_rows=4)
    done = import_apply(store_id=store.pk, job_id=job.pk)
    assert done is not None and done.status == ImportJob.Status.DONE
    assert sorted(Product.objects.filter(store=store).values_list("handle", flat=True)) == ["mug", "second"]
    assert (done.processed_rows, done.created_count) == (9, 2)


def test_progress_is_reported_after_each_committed_batch(
    store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)
    rows = shirt_rows() + shirt_rows(handle="second", sku_prefix="B") + [{"handle": "mug", "title": "M", "price": "1"}]
    job = _preview(store, actor, csv_bytes(rows))
    import_confirm(store=store, actor=actor, job=job, queue=False)
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        stored = ImportJob.objects.get(store=store, pk=job.pk)
        seen.append((done, total, stored.processed_rows))

    import_apply(store_id=store.pk, job_id=job.pk, progress=progress)
    assert seen == [(0, 9, 0), (4, 9, 4), (8, 9, 8), (9, 9, 9)]


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_while_the_job_runs(
    postgres: None, store: Store, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)
    rows = shirt_rows() + shirt_rows(handle="second", sku_prefix="B") + [{"handle": "mug", "title": "M", "price": "1"}]
    job = _preview(store, actor, csv_bytes(rows))
    import_confirm(store=store, actor=actor, job=job, queue=False)
    seen: list[int] = []

    def read_elsewhere() -> None:
        try:
            seen.append(ImportJob.objects.get(store=store, pk=job.pk).processed_rows)
        finally:
            connections.close_all()

    def progress(done: int, total: int) -> None:
        reader = threading.Thread(target=read_elsewhere)
        reader.start()
        reader.join()

    import_apply(store_id=store.pk, job_id=job.pk, progress=progress)
    assert seen == [0, 4, 8, 9]


def test_a_product_refused_at_apply_time_is_reported_and_the_rest_written(
    store: Store, actor: Actor, django_capture_on_commit_callbacks
) -> None:
    job = _preview(store, actor, csv_bytes([*shirt_rows(), {"handle": "mug", "title": "Mug", "price": "9.50"}]))
    # Between preview and confirmation someone gives another product the shirt's first SKU.
    other = make_product(store, title="Other")
    product_update(
        store=store,
        actor=actor,
        product=other,
        data=ProductInput(title="Other", variants=[VariantInput(sku="LS-S-RED", price="1")]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_confirm(store=store, actor=actor, job=job)
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 1)
    assert [(e["row"], e["column"]) for e in job.errors if not e["warning"]] == [(2, "sku")]
    assert not Product.objects.filter(store=store, handle="linen-shirt").exists()


def test_another_store_s_handles_and_skus_are_never_matched(
    store: Store, other_store: Store, actor: Actor, django_capture_on_commit_callbacks
) -> None:
    theirs = make_product(other_store, title="Theirs", handle="linen-shirt")
    their_before = snapshot(other_store)
    rows = shirt_rows()
    rows[0]["sku"] = Variant.objects.get(store=other_store, product=theirs).sku
    job = _run(store, actor, csv_bytes(rows), django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (1, 0)
    assert snapshot(other_store) == their_before
    assert Product.objects.filter(store=store, handle="linen-shirt").exists()


def test_a_job_of_another_store_cannot_be_confirmed_or_applied(store: Store, other_store: Store, actor: Actor) -> None:
    job = _preview(store, actor, csv_bytes(shirt_rows()))
    with pytest.raises(ApplicationError):
        import_confirm(store=other_store, actor=actor, job=job)
    import_confirm(store=store, actor=actor, job=job, queue=False)
    assert import_apply(store_id=other_store.pk, job_id=job.pk) is None
    assert Product.objects.filter(store=other_store).count() == 0
    assert ImportJob.objects.get(store=store, pk=job.pk).status == ImportJob.Status.QUEUED


def test_a_job_is_confirmed_once(store: Store, actor: Actor) -> None:
    job = _preview(store, actor, csv_bytes(shirt_rows()))
    import_confirm(store=store, actor=actor, job=job, queue=False)
    with pytest.raises(ApplicationError, match="already been started"):
        import_confirm(store=store, actor=actor, job=job, queue=False)


def test_discarding_a_preview_deletes_its_file(
    store: Store, actor: Actor, import_dir: Path, django_capture_on_commit_callbacks
) -> None:
    job = _preview(store, actor, csv_bytes(shirt_rows()))
    with django_capture_on_commit_callbacks(execute=True):
        import_discard(store=store, actor=actor, job=job)
    job.refresh_from_db()
    assert (job.status, job.stored_file) == (ImportJob.Status.FAILED, "")
    assert _kept_files(import_dir) == []
    assert Product.objects.filter(store=store).count() == 0


def test_unconfirmed_previews_are_purged_after_a_day(
    store: Store, other_store: Store, actor: Actor, import_dir: Path, django_capture_on_commit_callbacks
) -> None:
    old = _preview(store, actor, csv_bytes(shirt_rows()))
    old_elsewhere = _preview(other_store, actor, csv_bytes(shirt_rows()))
    fresh = _preview(store, actor, csv_bytes(shirt_rows(handle="fresh")))
    with cross_store_access("the test ages two previews of two stores"):
        ImportJob.objects.filter(pk__in=[old.pk, old_elsewhere.pk]).update(
            created_at=timezone.now() - imports.PREVIEW_LIFETIME - timezone.timedelta(minutes=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert import_purge_stale() == 2
    assert ImportJob.objects.get(store=store, pk=old.pk).status == ImportJob.Status.FAILED
    assert ImportJob.objects.get(store=other_store, pk=old_elsewhere.pk).status == ImportJob.Status.FAILED
    assert ImportJob.objects.get(store=store, pk=fresh.pk).status == ImportJob.Status.PREVIEW
    assert len(_kept_files(import_dir)) == 1


def test_a_job_whose_file_is_gone_fails_cleanly(store: Store, actor: Actor, import_dir: Path) -> None:
    job = _preview(store, actor, csv_bytes(shirt_rows()))
    import_confirm(store=store, actor=actor, job=job, queue=False)
    for path in _kept_files(import_dir):
        path.unlink()
    done = import_apply(store_id=store.pk, job_id=job.pk)
    assert done is not None and done.status == ImportJob.Status.FAILED
    assert "no longer there" in done.errors[-1]["message"]
    assert Product.objects.filter(store=store).count() == 0
