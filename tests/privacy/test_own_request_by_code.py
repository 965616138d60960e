"""A merchant confirms their own privacy request with a code emailed to the account's address, as customers can."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shopwright.core.models import Email
from shopwright.privacy.models import DataRequest, RequestStatus
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


def _office(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_merchant_confirms_a_deletion_with_the_emailed_code():
    merchant = make_merchant()
    browser = _office(merchant.user)
    opened = browser.post("/office/account/privacy/requests/new/", {"kind": "deletion"})
    page = opened["Location"]
    request = DataRequest.objects.get(user_id=merchant.user.pk)
    assert "Email me a code" in browser.get(page).content.decode()

    assert browser.post(page, {"send_code": "1"}).status_code == 302
    mail = Email.objects.filter(kind="privacy_request_code").latest("id")
    assert mail.to == merchant.user.email  # the address on file, nothing typed in
    code = re.search(r"\b(\d{6})\b", mail.body_text).group(1)  # type: ignore[union-attr]

    wrong = browser.post(page, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFYING

    assert browser.post(page, {"code": code}).status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and request.due_at is not None


def test_the_api_confirms_a_merchants_own_request_with_the_emailed_code():
    from shopwright.stores.services import user_api_token_create

    merchant = make_merchant()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {user_api_token_create(user=merchant.user)}")
    base = "/api/v1/merchant/privacy/requests/mine"
    opened = api.post(base, {"kind": "export"}, content_type="application/json").json()
    assert api.post(f"{base}/{opened['id']}/code").status_code == 202
    mail = Email.objects.filter(kind="privacy_request_code").latest("id")
    assert mail.to == merchant.user.email
    code = re.search(r"\b(\d{6})\b", mail.body_text).group(1)  # type: ignore[union-attr]
    done = api.post(f"{base}/{opened['id']}/verify", {"code": code}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] in {"open", "in_progress", "completed"}
