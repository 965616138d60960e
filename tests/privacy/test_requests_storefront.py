"""The storefront's privacy pages: the personal center's Privacy page and the public contact form and links."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from shopwright.core.models import AuditEntry, Email
from shopwright.privacy import consents, exports, requests
from shopwright.privacy.models import ConsentPurpose, DataRequest, ExportArchive, RequestKind, RequestStatus
from shopwright.stores.models import Store
from tests.factories import PASSWORD, host, make_customer, make_merchant

pytestmark = pytest.mark.django_db


def _store() -> Store:
    store = make_merchant().store
    Store.objects.filter(pk=store.pk).update(ask_date_of_birth=False)
    store.refresh_from_db()
    return store


@pytest.fixture
def store() -> Store:
    return _store()


@pytest.fixture
def customer(store):  # type: ignore[no-untyped-def]
    customer = make_customer(store, email="jane@example.com", name="Jane Example")
    return customer


def visitor(store: Store) -> Client:
    return Client(HTTP_HOST=host(store))


def signed_in(store, customer) -> Client:  # type: ignore[no-untyped-def]
    browser = visitor(store)
    assert browser.post("/account/login/", {"email": customer.email, "password": PASSWORD}).status_code == 302
    return browser


def html(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.content.decode())


def _last(kind: str, to: str) -> str:
    rows = [e for e in Email.objects.filter(kind=kind).order_by("id") if e.to == to]
    assert rows, f"no {kind} email to {to}"
    return rows[-1].body_text


# --- the personal center ------------------------------------------------------------------------------


def test_privacy_page_needs_sign_in_and_is_linked_from_the_account_nav(store, customer):
    assert visitor(store).get("/account/privacy/")["Location"].startswith("/account/login/")
    browser = signed_in(store, customer)
    assert 'href="/account/privacy/"' in html(browser.get("/account/"))
    page = browser.get("/account/privacy/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "See my data" in html(page)


def test_see_my_data_after_the_password_shows_the_data_unmasked(store, customer):
    browser = signed_in(store, customer)
    opened = browser.post("/account/privacy/requests/new/", {"kind": "access"})
    assert opened.status_code == 302
    request = DataRequest.objects.get(customer_id=customer.pk)
    assert opened["Location"] == f"/account/privacy/requests/{request.pk}/"
    # Nothing shown before verification.
    assert "jane@example.com" not in html(browser.get("/account/privacy/"))
    wrong = browser.post(f"/account/privacy/requests/{request.pk}/password/", {"password": "nope-nope"})
    assert wrong.status_code == 400
    assert "This password is not correct." in html(wrong)
    done = browser.post(f"/account/privacy/requests/{request.pk}/password/", {"password": PASSWORD})
    assert done["Location"] == "/account/privacy/#your-data"
    page = html(browser.get("/account/privacy/"))
    assert "jane@example.com" in page and "Jane Example" in page


def test_download_my_data_by_code_emails_a_link_that_works_once(store, customer, django_capture_on_commit_callbacks):
    browser = signed_in(store, customer)
    browser.post("/account/privacy/requests/new/", {"kind": "export"})
    request = DataRequest.objects.get(customer_id=customer.pk)
    assert browser.post(f"/account/privacy/requests/{request.pk}/code/send/").status_code == 302
    code = re.search(r"\b(\d{6})\b", _last("privacy_request_code", customer.email)).group(1)  # type: ignore[union-attr]
    bad = browser.post(f"/account/privacy/requests/{request.pk}/code/", {"code": "12"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        ok = browser.post(f"/account/privacy/requests/{request.pk}/code/", {"code": code})
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED  # the job ran (immediate in tests)
    link = re.search(r"(/privacy/requests/download/[^/\s]+/)", _last("privacy_request_export", customer.email))
    assert link
    anyone = visitor(store)
    assert anyone.get(link.group(1)).status_code == 200
    first = anyone.post(link.group(1))
    assert first.status_code == 200
    assert first["Content-Type"] == "application/zip"
    b"".join(first.streaming_content)  # type: ignore[attr-defined]
    again = anyone.post(link.group(1))
    assert again.status_code == 410
    assert anyone.get(link.group(1)).status_code == 410


def test_download_link_of_another_store_is_not_found(store, customer, django_capture_on_commit_callbacks):
    browser = signed_in(store, customer)
    browser.post("/account/privacy/requests/new/", {"kind": "export"})
    request = DataRequest.objects.get(customer_id=customer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/account/privacy/requests/{request.pk}/password/", {"password": PASSWORD})
    link = re.search(r"/privacy/requests/download/([^/\s]+)/", _last("privacy_request_export", customer.email))
    assert link
    other = _store()
    assert visitor(other).post(f"/privacy/requests/download/{link.group(1)}/").status_code == 404
    assert ExportArchive.objects.get(request=request).downloaded_at is None
    assert visitor(store).post("/privacy/requests/download/swx_forged/").status_code == 410


def test_another_customers_request_answers_404(store, customer):
    browser = signed_in(store, customer)
    browser.post("/account/privacy/requests/new/", {"kind": "access"})
    request = DataRequest.objects.get(customer_id=customer.pk)
    intruder = signed_in(store, make_customer(store))
    assert intruder.get(f"/account/privacy/requests/{request.pk}/").status_code == 404
    assert intruder.post(f"/account/privacy/requests/{request.pk}/password/", {"password": PASSWORD}).status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFYING


def test_consent_and_restriction_switches_count_at_once(store, customer):
    browser = signed_in(store, customer)
    browser.post("/account/privacy/consents/", {"purpose": "marketing_email", "granted": "1"})
    assert consents.consent_state(customer=customer)[ConsentPurpose.MARKETING_EMAIL]
    browser.post("/account/privacy/consents/", {"purpose": "marketing_email", "granted": "0"})
    assert not consents.consent_state(customer=customer)[ConsentPurpose.MARKETING_EMAIL]
    assert browser.post("/account/privacy/consents/", {"purpose": "guardian", "granted": "1"}).status_code == 302
    assert not consents.consent_state(customer=customer).get(ConsentPurpose.GUARDIAN)
    browser.post("/account/privacy/restriction/", {"restrict": "1"})
    assert consents.is_restricted(customer=customer)
    browser.post("/account/privacy/restriction/", {"restrict": "0"})
    assert not consents.is_restricted(customer=customer)


def test_correction_page_links_to_profile_and_addresses_and_needs_no_details_to_open(store, customer):
    browser = signed_in(store, customer)
    page = html(browser.get("/account/privacy/requests/new/?kind=correction"))
    assert 'href="/account/profile/"' in page and 'href="/account/addresses/"' in page
    assert browser.get("/account/privacy/requests/new/?kind=everything").status_code == 404
    bad = browser.post("/account/privacy/requests/new/", {"kind": "everything"})
    assert bad.status_code == 400
    assert not DataRequest.objects.exists()


def test_second_deletion_is_refused_with_a_message(store, customer):
    browser = signed_in(store, customer)
    browser.post("/account/privacy/requests/new/", {"kind": "deletion"})
    request = DataRequest.objects.get(customer_id=customer.pk)
    browser.post(f"/account/privacy/requests/{request.pk}/password/", {"password": PASSWORD})
    again = browser.post("/account/privacy/requests/new/", {"kind": "deletion"}, follow=True)
    assert "already open" in html(again)
    assert DataRequest.objects.filter(kind=RequestKind.DELETION).count() == 1


# --- the public contact form and links ----------------------------------------------------------------


def test_contact_form_says_the_same_whether_or_not_data_is_on_file(store, customer):
    anyone = visitor(store)
    known = anyone.post("/privacy/requests/", {"kind": "access", "email": customer.email, "who": "contact_form"})
    unknown = anyone.post("/privacy/requests/", {"kind": "access", "email": "who@example.com", "who": "contact_form"})
    assert known.status_code == unknown.status_code == 200
    assert requests.SAME_ANSWER in html(known) and requests.SAME_ANSWER in html(unknown)
    assert [e.to for e in Email.objects.filter(kind="privacy_request_link")] == [customer.email]


def test_contact_form_bad_input_is_a_400_and_changes_nothing(store):
    anyone = visitor(store)
    response = anyone.post("/privacy/requests/", {"kind": "access", "email": "not an email", "who": "contact_form"})
    assert response.status_code == 400
    response = anyone.post("/privacy/requests/", {"kind": "x", "email": "a@example.com", "who": "nobody"})
    assert response.status_code == 400
    assert not DataRequest.objects.exists()


def test_verification_link_confirms_on_post_only_once(store, customer):
    anyone = visitor(store)
    anyone.post(
        "/privacy/requests/",
        {"kind": "correction", "email": customer.email, "who": "contact_form", "details": "Street misspelt"},
    )
    path = re.search(r"(/privacy/requests/verify/[^/\s]+/)", _last("privacy_request_link", customer.email)).group(1)  # type: ignore[union-attr]
    assert anyone.get(path).status_code == 200  # a scanner's GET spends nothing
    assert DataRequest.objects.get().status == RequestStatus.VERIFYING
    assert anyone.post(path).status_code == 200
    assert DataRequest.objects.get().status == RequestStatus.OPEN
    assert anyone.post(path).status_code == 410
    assert anyone.get("/privacy/requests/verify/forged/").status_code == 410
    assert visitor(_store()).get(path).status_code == 410  # another store's host


def test_agent_request_is_confirmed_by_the_subject_and_releases_only_to_the_subject(
    store, customer, django_capture_on_commit_callbacks
):
    anyone = visitor(store)
    anyone.post(
        "/privacy/requests/",
        {
            "kind": "export",
            "email": customer.email,
            "who": "agent",
            "agent_name": "Agent Smith",
            "agent_email": "agent@example.net",
        },
    )
    request = DataRequest.objects.get()
    assert request.status == RequestStatus.AWAITING_SUBJECT
    assert not ExportArchive.objects.exists()
    path = re.search(r"(/privacy/requests/agent/[^/\s]+/)", _last("privacy_request_link", customer.email)).group(1)  # type: ignore[union-attr]
    page = html(anyone.get(path))
    assert "Agent Smith" in page
    # The agent link is not a plain verification link.
    assert anyone.post(path.replace("/agent/", "/verify/")).status_code == 410
    with django_capture_on_commit_callbacks(execute=True):
        assert anyone.post(path, {"answer": "confirm"}).status_code == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert _last("privacy_request_export", customer.email)
    assert not [e for e in Email.objects.all() if e.to == "agent@example.net"]


def test_export_of_a_guest_found_by_email(store, django_capture_on_commit_callbacks):
    from tests.order_factories import make_variant, place_order

    place_order(store, [(make_variant(store), 1)], email="guest@example.com")
    anyone = visitor(store)
    anyone.post("/privacy/requests/", {"kind": "export", "email": "guest@example.com", "who": "contact_form"})
    path = re.search(r"(/privacy/requests/verify/[^/\s]+/)", _last("privacy_request_link", "guest@example.com")).group(
        1
    )  # type: ignore[union-attr]
    with django_capture_on_commit_callbacks(execute=True):
        anyone.post(path)
    assert DataRequest.objects.get().status == RequestStatus.COMPLETED
    assert _last("privacy_request_export", "guest@example.com")
    assert AuditEntry.objects.filter(action="privacy.request_completed").exists()
    assert exports is not None
