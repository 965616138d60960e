"""Back-office privacy pages: the store inbox, a request and its actions, the operators' inbox, My privacy."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.models import AuditEntry, Email
from shopwright.customers.models import Customer
from shopwright.privacy import requests
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus
from shopwright.stores.models import Membership, Role, Store, User
from tests.factories import PASSWORD, make_customer, make_merchant

pytestmark = pytest.mark.django_db


def _merchant():  # type: ignore[no-untyped-def]
    result = make_merchant()
    Store.objects.filter(pk=result.store.pk).update(ask_date_of_birth=False)
    result.store.refresh_from_db()
    return result


@pytest.fixture
def merchant():  # type: ignore[no-untyped-def]
    return _merchant()


@pytest.fixture
def store(merchant):  # type: ignore[no-untyped-def]
    return merchant.store


@pytest.fixture
def customer(store):  # type: ignore[no-untyped-def]
    return make_customer(store, email="jane@example.com")


def office(user: User) -> Client:
    browser = Client()
    browser.force_login(user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
    return browser


def html(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.content.decode())


def verified(store, customer, kind=RequestKind.CORRECTION, details="Wrong street on order 1"):  # type: ignore[no-untyped-def]
    request = requests.request_open(
        store=store,
        kind=kind,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        details=details,
        actor=Actor.customer(customer),
    )
    assert request is not None
    requests.request_verify_password(request=request, password=PASSWORD)
    request.refresh_from_db()
    return request


_n = iter(range(1, 1000))


def member(store, role):  # type: ignore[no-untyped-def]
    user = User.objects.create_user(f"member{next(_n)}@example.com", PASSWORD, full_name="Member Person")
    Membership.objects.create(store=store, user=user, role=role)
    return user


def test_inbox_sorted_by_deadline_with_overdue_marked_and_masked_email(store, customer, merchant):
    late = verified(store, customer)
    soon = verified(store, make_customer(store))
    now = timezone.now()
    DataRequest.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(days=2))
    DataRequest.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(days=3, hours=1))
    page = html(office(merchant.user).get("/office/privacy/requests/"))
    assert page.index(f'data-request="{late.pk}"') < page.index(f'data-request="{soon.pk}"')
    assert "Overdue by 2 days" in page
    assert "3 days left" in page
    assert "jane@example.com" not in page
    assert 'href="/office/privacy/requests/"' in page  # in the navigation
    filtered = html(office(merchant.user).get("/office/privacy/requests/?kind=deletion"))
    assert f'data-request="{late.pk}"' not in filtered
    assert office(merchant.user).get("/office/privacy/requests/?status=bogus&kind=x").status_code == 200


def test_detail_masks_the_email_until_a_revealed_and_audited_look(store, customer, merchant):
    request = verified(store, customer)
    browser = office(merchant.user)
    page = html(browser.get(f"/office/privacy/requests/{request.pk}/"))
    assert "j***@example.com" in page and "jane@example.com" not in page
    assert "Identity verified" in page  # the timeline
    shown = browser.post(f"/office/privacy/requests/{request.pk}/reveal/")
    assert "jane@example.com" in html(shown)
    assert shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="privacy.subject_revealed")
    assert entry.actor_id == merchant.user.pk and "jane" not in str(entry.details)


def test_another_stores_request_is_404_in_the_inbox(store, customer):
    request = verified(store, customer)
    other = _merchant()
    browser = office(other.user)
    assert browser.get(f"/office/privacy/requests/{request.pk}/").status_code == 404
    assert browser.post(f"/office/privacy/requests/{request.pk}/refuse/", {"note": "no"}).status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_staff_view_only_owner_and_admin_act(store, customer):
    request = verified(store, customer)
    staff = office(member(store, Role.STAFF))
    assert staff.get(f"/office/privacy/requests/{request.pk}/").status_code == 200
    assert staff.post(f"/office/privacy/requests/{request.pk}/resolve/", {"note": "x"}).status_code == 403
    assert staff.post(f"/office/privacy/requests/{request.pk}/reveal/").status_code == 403
    admin = office(member(store, Role.ADMIN))
    response = admin.post(f"/office/privacy/requests/{request.pk}/resolve/", {"note": "Street corrected."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and request.resolution == "Street corrected."


def test_bad_actions_are_400_or_404_and_change_nothing(store, customer, merchant):
    request = verified(store, customer)
    browser = office(merchant.user)
    assert browser.post(f"/office/privacy/requests/{request.pk}/refuse/", {"note": ""}).status_code == 400
    assert browser.post(f"/office/privacy/requests/{request.pk}/erase/").status_code == 400
    assert browser.post(f"/office/privacy/requests/{request.pk}/explode/").status_code == 404
    assert browser.get(f"/office/privacy/requests/{request.pk}/start/").status_code == 405
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_erase_locks_the_account_and_a_second_click_is_refused(
    store, customer, merchant, django_capture_on_commit_callbacks
):
    request = verified(store, customer, kind=RequestKind.DELETION, details="")
    browser = office(merchant.user)
    with django_capture_on_commit_callbacks(execute=True):
        first = browser.post(f"/office/privacy/requests/{request.pk}/erase/")
    assert first.status_code == 302
    request.refresh_from_db()
    assert request.status in (RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED)
    locked = Customer.objects.filter(store=store, pk=customer.pk).first()
    assert locked is None or locked.erasure_locked_at is not None
    second = browser.post(f"/office/privacy/requests/{request.pk}/erase/")
    assert second.status_code == 400
    assert AuditEntry.objects.filter(action="privacy.request_refused_duplicate").exists() or (
        request.status == RequestStatus.COMPLETED
    )


def test_operators_inbox_is_for_operators_only(merchant):
    user = merchant.user
    request = requests.request_open(
        store=None, kind=RequestKind.EXPORT, channel=RequestChannel.ACCOUNT, user=user, actor=Actor.user(user)
    )
    assert request is not None
    assert office(user).get("/office/operators/privacy/").status_code == 404
    operator = make_merchant().user
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    operator.refresh_from_db()
    DataRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.OPEN, verified_at=timezone.now(), due_at=timezone.now() + datetime.timedelta(days=15)
    )
    page = html(office(operator).get("/office/operators/privacy/"))
    assert f'data-request="{request.pk}"' in page
    assert office(operator).get(f"/office/operators/privacy/{request.pk}/").status_code == 200
    assert office(user).get(f"/office/operators/privacy/{request.pk}/").status_code == 404


def test_merchant_asks_for_own_export_with_password_and_downloads_once(merchant, django_capture_on_commit_callbacks):
    browser = office(merchant.user)
    assert 'href="/office/account/privacy/"' in html(browser.get("/office/account/privacy/"))
    opened = browser.post("/office/account/privacy/requests/new/", {"kind": "export"})
    request = DataRequest.objects.get(user_id=merchant.user.pk)
    assert opened["Location"] == f"/office/account/privacy/requests/{request.pk}/"
    assert browser.post(opened["Location"], {"password": "wrong-one"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(opened["Location"], {"password": PASSWORD}).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    body = next(e for e in Email.objects.filter(kind="privacy_request_export") if e.to == merchant.user.email).body_text
    path = re.search(r"(/office/account/privacy/download/[^/\s]+/)", body).group(1)  # type: ignore[union-attr]
    assert office(_merchant().user).post(path).status_code == 404  # another merchant
    assert browser.get(path).status_code == 200
    assert browser.post(path)["Content-Type"] == "application/zip"
    assert browser.post(path).status_code == 410
    assert browser.post("/office/account/privacy/requests/new/", {"kind": "access"}).status_code == 302
    assert DataRequest.objects.filter(user_id=merchant.user.pk).count() == 1
