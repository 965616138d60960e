"""The platform's privacy contact form: a merchant's own data, verified by a link to the account's address."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shopwright.core.models import Email
from shopwright.privacy import request_selectors
from shopwright.privacy.models import DataRequest, RequestStatus
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


def _form(**fields: str) -> dict[str, str]:
    return {"kind": "export", "email": "", "details": "", "who": "contact_form", **fields}


def _link(kind: str = "privacy_request_link") -> str:
    body = Email.objects.filter(kind=kind).latest("id").body_text
    return re.search(r"https?://[^/\s]+(/privacy/requests/\w+/[^/\s]+/)", body).group(1)  # type: ignore[union-attr]


def test_a_merchant_confirms_a_request_from_the_email_and_it_reaches_the_operators(django_capture_on_commit_callbacks):
    merchant = make_merchant()
    page = Client()
    assert page.get("/privacy/requests/").status_code == 200
    sent = page.post("/privacy/requests/", _form(kind="deletion", email=merchant.user.email.upper()))
    assert sent.status_code == 200 and "If we hold data for this address" in sent.content.decode()
    mail = Email.objects.get(kind="privacy_request_link")
    assert mail.to == merchant.user.email and mail.store_id is None

    link = _link()
    assert "Confirm the request" in page.get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert page.post(link, {"answer": "confirm"}).status_code == 200
    request = DataRequest.objects.get()
    assert (request.store_id, request.user_id, request.status) == (None, merchant.user.pk, RequestStatus.OPEN)
    assert [row.request.pk for row in request_selectors.operator_inbox()] == [request.pk]
    assert page.get(link).status_code == 410  # the link works once


def test_an_unknown_address_gets_the_same_answer_and_no_mail():
    make_merchant()
    page = Client()
    known = page.post("/privacy/requests/", _form(email="nobody.here@example.com"))
    assert known.status_code == 200 and "If we hold data for this address" in known.content.decode()
    assert not Email.objects.filter(kind="privacy_request_link").exists()
    assert not DataRequest.objects.exists()


def test_an_agent_needs_the_merchants_confirmation_and_guardians_are_not_offered():
    merchant = make_merchant()
    page = Client()
    page.post(
        "/privacy/requests/",
        _form(email=merchant.user.email, who="agent", agent_name="Ava Agent", agent_email="ava@agents.example"),
    )
    mail = Email.objects.get(kind="privacy_request_link")
    assert mail.to == merchant.user.email  # the subject confirms; the agent gets nothing
    request = DataRequest.objects.get()
    assert request.status == RequestStatus.AWAITING_SUBJECT
    assert "Ava Agent" in page.get(_link()).content.decode()

    refused = page.post("/privacy/requests/", _form(email=merchant.user.email, who="guardian"))
    assert refused.status_code == 400
    assert DataRequest.objects.count() == 1


def test_the_api_contact_endpoint_on_the_platform_host_asks_about_a_merchant_account():
    merchant = make_merchant()
    answer = Client().post(
        "/api/v1/storefront/privacy/requests/contact",
        {"kind": "export", "email": merchant.user.email},
        content_type="application/json",
    )
    assert answer.status_code == 202
    assert Email.objects.get(kind="privacy_request_link").to == merchant.user.email
    assert DataRequest.objects.get().store_id is None
