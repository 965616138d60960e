"""Data requests: opening, identity verification, routing, deadlines, answers and the bad-input cases."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound, PermissionDeniedError
from shopwright.core.models import AuditEntry, Email
from shopwright.core.tokens import make_token
from shopwright.privacy import consents, request_selectors, requests
from shopwright.privacy.models import (
    ConsentChannel,
    ConsentPurpose,
    DataRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from shopwright.stores.models import Membership, Role, Store
from tests.factories import PASSWORD, make_customer, make_merchant
from tests.order_factories import make_variant, place_order

pytestmark = pytest.mark.django_db


def _merchant():  # type: ignore[no-untyped-def]
    """A merchant whose store does not ask for a date of birth (the age gate is another area's test)."""
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


def _open(store, customer, kind=RequestKind.CORRECTION, **kw):  # type: ignore[no-untyped-def]
    request = requests.request_open(
        store=store,
        kind=kind,
        channel=RequestChannel.ACCOUNT,
        customer=customer,
        details=kw.pop("details", "My name is misspelt on order 1"),
        actor=Actor.customer(customer),
        **kw,
    )
    assert request is not None
    return request


def _actions(request: DataRequest) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="privacy.datarequest", object_id=str(request.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def _emails_to(address: str, kind: str | None = None) -> list[Email]:
    rows = [e for e in Email.objects.order_by("id") if e.to == address]
    return [e for e in rows if kind is None or e.kind == kind]


def _code_from_outbox(address: str) -> str:
    body = _emails_to(address, "privacy_request_code")[-1].body_text
    match = re.search(r"\b(\d{6})\b", body)
    assert match
    return match.group(1)


def _link_token(address: str) -> str:
    body = _emails_to(address, "privacy_request_link")[-1].body_text
    match = re.search(r"/privacy/requests/(?:verify|agent)/([^/\s]+)/", body)
    assert match
    return match.group(1)


# --- signed-in requests ---------------------------------------------------------------------------


def test_opened_request_waits_for_verification_and_the_inbox_does_not_list_it(store, customer):
    request = _open(store, customer)
    assert request.status == RequestStatus.VERIFYING
    assert request.due_at is None
    assert request_selectors.store_inbox(store=store) == []
    assert _actions(request) == ["privacy.request_opened"]


def test_password_verifies_starts_the_15_day_deadline_and_routes_to_the_store_inbox(store, customer, merchant):
    request = _open(store, customer)
    requests.request_verify_password(request=request, password=PASSWORD, ip="203.0.113.5")
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    assert request.due_at - request.verified_at == datetime.timedelta(days=15)
    rows = request_selectors.store_inbox(store=store)
    assert [r.request.pk for r in rows] == [request.pk]
    assert rows[0].days_left == 14
    # The subject is told, and so is the inbox (the owner).
    assert _emails_to(customer.email, "privacy_request_status")
    assert _emails_to(merchant.user.email, "privacy_request_inbox")
    assert _actions(request) == ["privacy.request_opened", "privacy.request_verified"]
    entry = AuditEntry.objects.get(object_id=str(request.pk), action="privacy.request_verified")
    assert "jane" not in str(entry.details)


def test_wrong_password_is_refused_and_audited(store, customer):
    request = _open(store, customer)
    with pytest.raises(ApplicationError) as exc:
        requests.request_verify_password(request=request, password="not-it", ip="203.0.113.5")
    assert exc.value.fields == {"password": ["This password is not correct."]}
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFYING
    assert "privacy.verification_failed" in _actions(request)


def test_code_verifies_once_and_is_stored_hashed(store, customer):
    request = _open(store, customer)
    requests.request_code_send(request=request)
    code = _code_from_outbox(customer.email)
    request.refresh_from_db()
    assert code not in request.code_hash and len(request.code_hash) == 64
    requests.request_verify_code(request=request, code=code)
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN
    with pytest.raises(ApplicationError) as exc:
        requests.request_verify_code(request=request, code=code)  # reused
    assert exc.value.code == "bad_state"


def test_expired_code_is_refused(store, customer):
    request = _open(store, customer)
    requests.request_code_send(request=request)
    code = _code_from_outbox(customer.email)
    DataRequest.objects.filter(pk=request.pk).update(code_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ApplicationError) as exc:
        requests.request_verify_code(request=request, code=code)
    assert exc.value.code == "code_expired"
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFYING


def test_five_wrong_codes_refuse_the_request_even_the_right_one_after(store, customer):
    request = _open(store, customer)
    requests.request_code_send(request=request)
    code = _code_from_outbox(customer.email)
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(4):
        with pytest.raises(ApplicationError) as exc:
            requests.request_verify_code(request=request, code=wrong)
        assert exc.value.code == "wrong_code"
        assert f"{4 - attempt} attempt" in exc.value.message
    with pytest.raises(PermissionDeniedError) as denied:
        requests.request_verify_code(request=request, code=wrong)
    assert denied.value.code == "too_many_attempts"
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    with pytest.raises(ApplicationError):
        requests.request_verify_code(request=request, code=code)
    assert "privacy.request_refused" in _actions(request)


def test_code_resend_is_throttled(store, customer):
    request = _open(store, customer)
    for _ in range(requests.CODE_SENDS_PER_WINDOW):
        requests.request_code_send(request=request)
    with pytest.raises(ApplicationError) as exc:
        requests.request_code_send(request=request)
    assert exc.value.status_code == 429
    assert len(_emails_to(customer.email, "privacy_request_code")) == requests.CODE_SENDS_PER_WINDOW


def test_a_customer_of_another_store_cannot_open_a_request_at_this_store(store, customer):
    other = _merchant().store
    with pytest.raises(NotFound):
        requests.request_open(
            store=other,
            kind=RequestKind.ACCESS,
            channel=RequestChannel.ACCOUNT,
            customer=customer,
            actor=Actor.customer(customer),
        )
    assert not DataRequest.objects.exists()


def test_another_customers_request_is_not_found(store, customer):
    request = _open(store, customer)
    someone = make_customer(store)
    with pytest.raises(NotFound):
        request_selectors.request_for_customer(store=store, customer=someone, request_id=request.pk)
    other_store = _merchant().store
    with pytest.raises(NotFound):
        request_selectors.store_inbox_request(store=other_store, request_id=request.pk)


def test_bad_kind_is_a_field_error(store, customer):
    with pytest.raises(ApplicationError) as exc:
        requests.request_open(
            store=store, kind="everything", channel=RequestChannel.ACCOUNT, customer=customer, actor=Actor.system()
        )
    assert "kind" in exc.value.fields
    assert not DataRequest.objects.exists()


# --- what verification does -----------------------------------------------------------------------------


def test_access_completes_at_once_and_opens_the_access_view(store, customer):
    request = _open(store, customer, kind=RequestKind.ACCESS, details="")
    assert not request_selectors.access_view_open(store=store, customer=customer)
    requests.request_verify_password(request=request, password=PASSWORD)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request_selectors.access_view_open(store=store, customer=customer)
    later = timezone.now() + requests.ACCESS_VIEW_LIFETIME + datetime.timedelta(minutes=1)
    assert not request_selectors.access_view_open(store=store, customer=customer, now=later)


def test_restriction_takes_effect_at_once(store, customer):
    request = _open(store, customer, kind=RequestKind.RESTRICTION, details="")
    requests.request_verify_password(request=request, password=PASSWORD)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert consents.is_restricted(customer=customer)


def test_withdrawal_withdraws_every_consent(store, customer):
    consents.consent_grant(purpose=ConsentPurpose.MARKETING_EMAIL, customer=customer, channel=ConsentChannel.ACCOUNT)
    consents.consent_grant(purpose=ConsentPurpose.PERSONALISATION, customer=customer, channel=ConsentChannel.ACCOUNT)
    request = _open(store, customer, kind=RequestKind.WITHDRAW_CONSENT, details="")
    requests.request_verify_password(request=request, password=PASSWORD)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    state = consents.consent_state(customer=customer)
    assert not state.get(ConsentPurpose.MARKETING_EMAIL)
    assert not state.get(ConsentPurpose.PERSONALISATION)


def test_correction_is_resolved_by_the_merchant_with_a_note(store, customer, merchant):
    request = _open(store, customer)
    requests.request_verify_password(request=request, password=PASSWORD)
    with pytest.raises(ApplicationError) as exc:
        requests.request_resolve(request=request, actor=Actor.user(merchant.user), note="  ")
    assert "note" in exc.value.fields
    requests.request_resolve(request=request, actor=Actor.user(merchant.user), note="Name fixed on order 1.")
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.resolution == "Name fixed on order 1."
    done = _emails_to(customer.email, "privacy_request_status")[-1]
    assert "Name fixed on order 1." in done.body_text
    # Closed: no second answer.
    with pytest.raises(ApplicationError):
        requests.request_refuse(request=request, actor=Actor.user(merchant.user), reason="no")


def test_refusal_needs_a_reason_and_tells_the_subject(store, customer, merchant):
    request = _open(store, customer)
    requests.request_verify_password(request=request, password=PASSWORD)
    with pytest.raises(ApplicationError):
        requests.request_refuse(request=request, actor=Actor.user(merchant.user), reason="")
    requests.request_refuse(request=request, actor=Actor.user(merchant.user), reason="The order is correct as sent.")
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    assert "The order is correct as sent." in _emails_to(customer.email, "privacy_request_status")[-1].body_text


def test_status_machine_refuses_skipping_verification(store, customer, merchant):
    request = _open(store, customer)
    with pytest.raises(ApplicationError) as exc:
        requests.request_start(request=request, actor=Actor.user(merchant.user))
    assert exc.value.code == "bad_state"
    for status, targets in requests.TRANSITIONS.items():
        assert status in RequestStatus.values
        assert targets <= set(RequestStatus.values)


def test_second_deletion_while_one_is_open_is_refused_with_an_audit_entry(store, customer):
    first = _open(store, customer, kind=RequestKind.DELETION, details="")
    requests.request_verify_password(request=first, password=PASSWORD)
    with pytest.raises(ApplicationError) as exc:
        _open(store, customer, kind=RequestKind.DELETION, details="")
    assert exc.value.code == "deletion_running"
    assert AuditEntry.objects.filter(action="privacy.request_refused_duplicate", store_id=store.pk).exists()
    assert DataRequest.objects.filter(kind=RequestKind.DELETION).count() == 1


# --- the contact form -----------------------------------------------------------------------------------


def _form(store, email, kind=RequestKind.ACCESS, channel=RequestChannel.CONTACT_FORM, **kw):  # type: ignore[no-untyped-def]
    return requests.request_open(
        store=store, kind=kind, channel=channel, email=email, actor=Actor.anonymous(), ip="198.51.100.7", **kw
    )


def test_contact_form_sends_the_link_to_the_address_on_file_only(store, customer):
    request = _form(store, "JANE@example.com ")
    assert request is not None and request.customer_id == customer.pk
    assert request.subject_email == customer.email
    emails = Email.objects.filter(kind="privacy_request_link")
    assert [e.to for e in emails] == [customer.email]


def test_contact_form_for_an_address_with_nothing_on_file_sends_nothing(store):
    assert _form(store, "nobody@example.com") is None
    assert not Email.objects.filter(kind__startswith="privacy_request").exists()
    assert not DataRequest.objects.exists()
    assert AuditEntry.objects.filter(action="privacy.request_unmatched", store_id=store.pk).exists()


def test_a_customer_of_store_a_asking_store_b_gets_nothing(store, customer):
    store_b = _merchant().store
    assert _form(store_b, customer.email, kind=RequestKind.DELETION) is None
    assert not Email.objects.filter(kind="privacy_request_link").exists()
    assert not DataRequest.objects.exists()
    entry = AuditEntry.objects.get(action="privacy.request_unmatched")
    assert entry.store_id == store_b.pk
    assert "jane" not in str(entry.details)


def test_a_guest_with_orders_is_on_file(store):
    variant = make_variant(store)
    place_order(store, [(variant, 1)], email="guest@example.com")
    request = _form(store, "guest@example.com", kind=RequestKind.EXPORT)
    assert request is not None and request.customer_id is None
    assert request.subject_email == "guest@example.com"
    assert _emails_to("guest@example.com", "privacy_request_link")


def test_link_verifies_once(store, customer):
    request = _form(store, customer.email, kind=RequestKind.CORRECTION, details="Wrong street")
    token = _link_token(customer.email)
    verified = requests.request_verify_link(store=store, token=token)
    assert verified.status == RequestStatus.OPEN
    with pytest.raises(ApplicationError) as exc:
        requests.request_verify_link(store=store, token=token)
    assert exc.value.code == "invalid_link"
    assert AuditEntry.objects.filter(action="privacy.verification_failed", store_id=store.pk).exists()
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


def test_forged_expired_and_other_store_links_are_refused(store, customer, monkeypatch):
    request = _form(store, customer.email, kind=RequestKind.CORRECTION, details="Wrong street")
    assert request is not None
    forged = make_token(purpose="privacy-request", subject_id=request.pk, state="guess")
    with pytest.raises(ApplicationError):
        requests.request_verify_link(store=store, token=forged)
    with pytest.raises(ApplicationError):
        requests.request_verify_link(store=store, token="not-a-token")
    token = _link_token(customer.email)
    with pytest.raises(ApplicationError):
        requests.request_verify_link(store=_merchant().store, token=token)
    monkeypatch.setattr(requests, "LINK_MAX_AGE_SECONDS", -1)  # the link is older than the limit
    with pytest.raises(ApplicationError):
        requests.request_verify_link(store=store, token=token)
    request.refresh_from_db()
    assert request.status == RequestStatus.VERIFYING
    assert AuditEntry.objects.filter(action="privacy.verification_failed").count() == 4


def test_agent_request_waits_for_the_subject_and_the_agent_gets_nothing(store, customer):
    request = _form(
        store,
        customer.email,
        kind=RequestKind.WITHDRAW_CONSENT,
        channel=RequestChannel.AGENT,
        agent_name="Agent Smith",
        agent_email="agent@example.net",
    )
    assert request is not None and request.status == RequestStatus.AWAITING_SUBJECT
    assert list(Email.objects.filter(kind__startswith="privacy_request").values_list("kind", flat=True)) == [
        "privacy_request_link"
    ]
    assert not _emails_to("agent@example.net")
    link = _emails_to(customer.email, "privacy_request_link")[-1]
    assert "Agent Smith" in link.body_text
    # Declined: nothing happens, and the link is spent.
    token = _link_token(customer.email)
    requests.request_verify_link(store=store, token=token, confirm=False)
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert not _emails_to("agent@example.net")


def test_agent_fields_are_required(store, customer):
    with pytest.raises(ApplicationError) as exc:
        _form(store, customer.email, channel=RequestChannel.AGENT, agent_name="", agent_email="nope")
    assert {"agent_name", "agent_email"} <= set(exc.value.fields)


def test_guardian_link_goes_to_the_guardian_on_file(store, customer):
    type(customer).objects.filter(store=store, pk=customer.pk).update(guardian_email="parent@example.org")
    request = _form(store, customer.email, kind=RequestKind.DELETION, channel=RequestChannel.GUARDIAN)
    assert request is not None
    assert _emails_to("parent@example.org", "privacy_request_link")
    assert not _emails_to(customer.email, "privacy_request_link")
    # Without a guardian on file, nothing is sent.
    someone = make_customer(store)
    assert _form(store, someone.email, channel=RequestChannel.GUARDIAN) is None


# --- reminders ---------------------------------------------------------------------------------------------


def test_reminders_at_day_10_and_14_to_owner_and_admins_once(store, customer, merchant):
    admin = make_merchant().user
    Membership.objects.create(store=store, user=admin, role=Role.ADMIN)
    request = _open(store, customer)
    requests.request_verify_password(request=request, password=PASSWORD)
    verified = DataRequest.objects.get(pk=request.pk).verified_at
    assert requests.requests_remind(now=verified + datetime.timedelta(days=9)) == 0
    assert requests.requests_remind(now=verified + datetime.timedelta(days=10, hours=1)) == 1
    assert requests.requests_remind(now=verified + datetime.timedelta(days=10, hours=2)) == 0
    reminders = [e for e in Email.objects.filter(kind="privacy_request_inbox") if e.subject.startswith("Reminder")]
    assert sorted(e.to for e in reminders) == sorted([merchant.user.email, admin.email])
    assert requests.requests_remind(now=verified + datetime.timedelta(days=14, hours=1)) == 1
    assert requests.requests_remind(now=verified + datetime.timedelta(days=15)) == 0
    assert _actions(request).count("privacy.request_reminder") == 2
    # A closed request is not reminded.
    requests.request_resolve(request=request, actor=Actor.user(merchant.user), note="Done.")
    assert requests.requests_remind(now=verified + datetime.timedelta(days=20)) == 0


def test_merchants_own_request_goes_to_the_operators_inbox(merchant):
    operator = make_merchant().user
    type(operator).objects.filter(pk=operator.pk).update(is_staff=True)
    user = merchant.user
    request = requests.request_open(
        store=None,
        kind=RequestKind.CORRECTION,
        channel=RequestChannel.ACCOUNT,
        user=user,
        details="x",
        actor=Actor.user(user),
    )
    assert request is not None
    requests.request_verify_password(request=request, password=PASSWORD)
    assert [r.request.pk for r in request_selectors.operator_inbox()] == [request.pk]
    assert request_selectors.store_inbox(store=merchant.store) == []
    assert _emails_to(operator.email, "privacy_request_inbox")
    mail.outbox.clear()
