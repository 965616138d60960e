"""Back-office import and export pages: upload, preview, confirm, progress, error report, export download."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shopwright.backoffice import import_views
from shopwright.catalog.models import ImportJob, Product
from shopwright.stores.models import Role
from tests.catalog.csv_helpers import csv_bytes, shirt_rows, snapshot
from tests.catalog.helpers import catalog_counts
from tests.catalog_factories import make_product
from tests.factories import make_merchant
from tests.stores.helpers import add_member, platform_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.SHOPWRIGHT_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return make_merchant(store_name="First Shop")


@pytest.fixture
def browser(merchant):  # type: ignore[no-untyped-def]
    return platform_client(merchant.user)


def _upload(browser, data: bytes, name: str = "catalog.csv"):  # type: ignore[no-untyped-def]
    return browser.post("/office/catalog/import/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def _issues(html: str, section: str = "import-errors") -> list[tuple[str, str, str]]:
    match = re.search(rf'id="{section}"(.*?)</table>', html, re.S)
    assert match, html
    rows = re.findall(r'<tr class="import-issue[^"]*">(.*?)</tr>', match.group(1), re.S)
    found = []
    for row in rows:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found.append((cells[0], cells[1], unescape(cells[2])))
    return found


def test_the_import_page_needs_a_signed_in_merchant() -> None:
    response = platform_client().get("/office/catalog/import/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_offers_upload_and_export_and_describes_the_format(browser) -> None:  # type: ignore[no-untyped-def]
    html = browser.get("/office/catalog/import/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'href="/office/catalog/import/export/"' in html
    assert "<code>compare_at_price</code>" in html and "50,000" in html
    assert "<script>" not in html and "style=" not in html


def test_upload_preview_confirm_and_done(merchant, browser, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    store = merchant.store
    make_product(store, title="Old", handle="linen-shirt")
    rows = [*shirt_rows(), {"handle": "mug", "title": "Mug", "price": "9.50"}]
    response = _upload(browser, csv_bytes(rows))
    assert response.status_code == 302
    job = ImportJob.objects.get(store=store)
    assert response["Location"] == f"/office/catalog/import/{job.pk}/"

    preview = browser.get(response["Location"]).content.decode()
    assert re.search(r'class="to-create">1</strong> product to create, <strong class="to-update">1</strong>', preview)
    assert "Confirm import" in preview
    assert Product.objects.get(store=store, handle="linen-shirt").title == "Old"  # nothing written yet

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = browser.post(f"/office/catalog/import/{job.pk}/confirm/")
    assert confirmed.status_code == 302
    page = browser.get(confirmed["Location"]).content.decode()
    assert 'Status: <span data-import-field="status_label">Done</span>' in page
    assert '<progress class="import-progress" id="import-progress" value="5" max="5">' in page
    assert "Confirm import" not in page
    assert Product.objects.get(store=store, handle="linen-shirt").title == "Linen Shirt"
    assert Product.objects.filter(store=store, handle="mug").exists()


def test_an_invalid_file_shows_the_report_with_rows_and_columns_and_no_apply_button(merchant, browser) -> None:  # type: ignore[no-untyped-def]
    store = merchant.store
    make_product(store, title="Kept", handle="kept")
    before = catalog_counts(store)
    rows = shirt_rows()
    rows[1]["price"] = "-5"
    rows[2]["price"] = "1.234"
    rows[3]["sku"] = rows[0]["sku"]
    response = _upload(browser, csv_bytes(rows))
    assert response.status_code == 400
    html = response.content.decode()
    assert _issues(html) == [
        ("3", "price", "The price cannot be below zero."),
        ("4", "price", "The price has at most 2 decimal places."),
        ("5", "sku", "The SKU “LS-S-RED” is also on row 2."),
    ]
    assert "Confirm import" not in html and "Nothing was changed" in html
    assert catalog_counts(store) == before
    assert ImportJob.objects.filter(store=store).count() == 0


def test_a_wrong_encoding_and_missing_columns_are_explained(browser) -> None:  # type: ignore[no-untyped-def]
    latin1 = "handle,title,price\ncafe,Café,3\n".encode("latin-1")
    html = _upload(browser, latin1).content.decode()
    ((row, _column, message),) = _issues(html)
    assert row == "file" and "not UTF-8" in message and "Latin-1" in message

    response = _upload(browser, b"handle,vendor\nmug,Acme\n")
    assert response.status_code == 400
    assert _issues(response.content.decode()) == [("1", "title", "Required columns missing: title, price.")]


def test_an_oversized_upload_is_refused_by_its_length(merchant, browser, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(import_views, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(import_views, "_FORM_OVERHEAD_BYTES", 0)
    response = _upload(browser, csv_bytes(shirt_rows()))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert ImportJob.objects.filter(store=merchant.store).count() == 0


def test_uploading_without_a_file_is_a_form_error(browser) -> None:  # type: ignore[no-untyped-def]
    response = browser.post("/office/catalog/import/", {})
    assert response.status_code == 400
    assert 'id="id_file_errors"' in response.content.decode()


def test_a_running_job_shows_its_progress_and_the_endpoint_reports_it(merchant, browser) -> None:  # type: ignore[no-untyped-def]
    store = merchant.store
    response = _upload(browser, csv_bytes(shirt_rows()))
    job = ImportJob.objects.get(store=store)
    ImportJob.objects.filter(store=store, pk=job.pk).update(
        status=ImportJob.Status.RUNNING, total_rows=1000, processed_rows=512, created_count=40
    )
    html = browser.get(response["Location"]).content.decode()
    assert '<progress class="import-progress" id="import-progress" value="512" max="1000">' in html
    assert f'data-import-poll="/office/catalog/import/{job.pk}/progress/"' in html
    assert "/static/backoffice/import.js" in html and "<noscript>" in html

    progress = browser.get(f"/office/catalog/import/{job.pk}/progress/")
    assert progress["Content-Type"] == "application/json"
    assert progress.json() == {
        "status": "running",
        "status_label": "Running",
        "processed_rows": 512,
        "total_rows": 1000,
        "created": 40,
        "updated": 0,
        "finished": False,
    }


def test_problems_found_while_applying_are_listed_on_the_finished_job(merchant, browser) -> None:  # type: ignore[no-untyped-def]
    store = merchant.store
    response = _upload(browser, csv_bytes(shirt_rows()))
    job = ImportJob.objects.get(store=store)
    ImportJob.objects.filter(store=store, pk=job.pk).update(
        status=ImportJob.Status.DONE,
        errors=[{"row": 3, "column": "sku", "message": "Another product already uses this SKU.", "warning": False}],
    )
    html = browser.get(response["Location"]).content.decode()
    assert _issues(html) == [("3", "sku", "Another product already uses this SKU.")]
    assert "were left out" in html and "import.js" not in html


def test_discarding_a_preview(merchant, browser, import_dir: Path, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    _upload(browser, csv_bytes(shirt_rows()))
    job = ImportJob.objects.get(store=merchant.store)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/office/catalog/import/{job.pk}/discard/")
    assert response["Location"] == "/office/catalog/import/"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not any(import_dir.rglob("*.csv"))
    assert Product.objects.filter(store=merchant.store).count() == 0


def test_another_store_s_job_is_a_404_everywhere(merchant, browser) -> None:  # type: ignore[no-untyped-def]
    other = make_merchant()
    other_browser = platform_client(other.user)
    _upload(other_browser, csv_bytes(shirt_rows()))
    theirs = ImportJob.objects.get(store=other.store)
    for path in ("", "progress/"):
        assert browser.get(f"/office/catalog/import/{theirs.pk}/{path}").status_code == 404
    for path in ("confirm/", "discard/"):
        assert browser.post(f"/office/catalog/import/{theirs.pk}/{path}").status_code == 404
    assert ImportJob.objects.get(store=other.store, pk=theirs.pk).status == ImportJob.Status.PREVIEW
    assert "catalog.csv" not in browser.get("/office/catalog/import/").content.decode()


def test_the_export_downloads_this_store_s_catalog_only(merchant, browser) -> None:  # type: ignore[no-untyped-def]
    make_product(merchant.store, title='=HYPERLINK("http://x")', sizes=["S", "M"])
    make_product(make_merchant().store, title="Someone else's")
    response = browser.get("/office/catalog/import/export/")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="[a-z0-9-]+-products-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeffhandle,title,")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [r["title"] for r in rows] == ['\'=HYPERLINK("http://x")', ""]
    assert "Someone else" not in text


def test_a_staff_member_can_import_too(merchant, mailoutbox, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    staff = add_member(
        store=merchant.store,
        owner=merchant.user,
        role=Role.STAFF,
        email="staff@example.com",
        mailoutbox=mailoutbox,
        capture=django_capture_on_commit_callbacks,
    )
    browser = platform_client(staff.user)
    assert _upload(browser, csv_bytes(shirt_rows())).status_code == 302
    assert ImportJob.objects.get(store=merchant.store).created_by_id == staff.user_id


def test_export_then_import_through_the_pages_changes_nothing(  # type: ignore[no-untyped-def]
    merchant, browser, django_capture_on_commit_callbacks
) -> None:
    make_product(merchant.store, title="Tee", sizes=["S", "M"], colours=["Red", "Blue"], tags=["cotton"])
    before = snapshot(merchant.store)
    exported = b"".join(browser.get("/office/catalog/import/export/").streaming_content)
    response = _upload(browser, exported)
    job = ImportJob.objects.get(store=merchant.store)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/office/catalog/import/{job.pk}/confirm/")
    job.refresh_from_db()
    assert response.status_code == 302 and (job.status, job.updated_count) == (ImportJob.Status.DONE, 1)
    assert snapshot(merchant.store) == before
