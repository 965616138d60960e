"""Data subjects' requests (F17, F24, seed Part Two 4 and 8): opening, verifying, routing, answering.

A request is opened by a signed-in customer or merchant (channel ACCOUNT or
API), by anyone through a store's privacy contact form (CONTACT_FORM), by an
authorised agent (AGENT) or by a child's guardian (GUARDIAN). Nothing is
done before the subject's identity is verified:

- a signed-in subject re-enters the password (`request_verify_password`) or
  types a one-time code sent to the email on file (`request_code_send`,
  `request_verify_code`: 6 digits, stored as a keyed hash, 15 minutes, 5
  attempts and the request is refused);
- every other channel is verified by a signed, single-use link sent to the
  email ON FILE (the account's, or the guest orders'), never to an address
  only typed into a form; a guardian's link goes to the guardian's address
  on file, an agent's request is confirmed by the subject, and the agent is
  never sent anything.

Routing: a request with a store is in that store's privacy inbox (the
merchant is the controller); a merchant's own request (a user, no store) is
in the operators' inbox. The deadline is 15 days after verification. The
status follows `TRANSITIONS`, and every change writes an audit entry
(`privacy.request_*`) whose details hold no personal data.

Export and erasure are the engine's (privacy.exports, privacy.erasure);
consents and restriction are privacy.consents'. Jobs and emails are queued
after commit.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.emails import email_queue
from shopwright.core.exceptions import ApplicationError, NotFound, PermissionDeniedError, RateLimited
from shopwright.core.links import platform_url, store_url
from shopwright.core.models import AuditEntry
from shopwright.core.throttle import (
    login_throttle_check,
    login_throttle_failure,
    login_throttle_success,
    rate_limit_hit,
)
from shopwright.core.tokens import make_token, read_token, state_matches
from shopwright.core.validation import FieldErrors, clean_email, clean_text
from shopwright.customers.models import Customer
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus

if TYPE_CHECKING:
    from shopwright.privacy.subjects import DataSubject
    from shopwright.stores.models import Store, User

DUE_DAYS = 15
REMINDER_DAYS = (10, 14)
CODE_LIFETIME = datetime.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
# Codes sent for one request per 15 minutes (a resend throttle).
CODE_SENDS_PER_WINDOW = 3
CODE_SEND_WINDOW_SECONDS = 15 * 60
LINK_MAX_AGE_SECONDS = 72 * 60 * 60
# The access view stays open this long after an access request is verified.
ACCESS_VIEW_LIFETIME = datetime.timedelta(minutes=30)
# Public form: requests accepted from one client address per hour, and emails to one address at one store.
FORM_REQUESTS_PER_IP_PER_HOUR = 10
FORM_EMAILS_PER_ADDRESS_PER_HOUR = 3
DETAILS_MAX = 2000

LINK_PURPOSE = "privacy-request"
# Open, verified or running: a second deletion for the same subject is refused meanwhile.
ACTIVE = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)
UNVERIFIED = (RequestStatus.VERIFYING, RequestStatus.AWAITING_SUBJECT)
CLOSED = (RequestStatus.COMPLETED, RequestStatus.REFUSED, RequestStatus.CANCELLED)

# The one status machine: from -> the statuses it may move to.
TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.VERIFYING: {RequestStatus.OPEN, RequestStatus.REFUSED, RequestStatus.CANCELLED},
    RequestStatus.AWAITING_SUBJECT: {RequestStatus.OPEN, RequestStatus.REFUSED, RequestStatus.CANCELLED},
    RequestStatus.OPEN: {RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED, RequestStatus.REFUSED},
    RequestStatus.IN_PROGRESS: {RequestStatus.COMPLETED, RequestStatus.REFUSED},
    RequestStatus.COMPLETED: set(),
    RequestStatus.REFUSED: set(),
    RequestStatus.CANCELLED: set(),
}
# The audit action of arriving at each status.
STATUS_ACTIONS: dict[str, str] = {
    RequestStatus.OPEN: "privacy.request_verified",
    RequestStatus.IN_PROGRESS: "privacy.request_started",
    RequestStatus.COMPLETED: "privacy.request_completed",
    RequestStatus.REFUSED: "privacy.request_refused",
    RequestStatus.CANCELLED: "privacy.request_cancelled",
}
SAME_ANSWER = (
    "If we hold data for this address, we have emailed a link to the address on file. "
    "Follow it to confirm the request; nothing is done before that."
)


# --- small helpers ------------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _store_of(request: DataRequest) -> Store | None:
    return request.store if request.store_id else None


def request_customer(request: DataRequest) -> Customer | None:
    """The request's customer, read within its store (None once erased)."""
    if not request.customer_id or not request.store_id:
        return None
    return Customer.objects.filter(store_id=request.store_id, pk=request.customer_id).first()


def request_user(request: DataRequest) -> User | None:
    from shopwright.stores.models import User

    if not request.user_id:
        return None
    return User.objects.filter(pk=request.user_id).first()


def request_subject(request: DataRequest) -> DataSubject:
    """The engine's view of whom the request is about: the account, or a guest's email at the store."""
    from shopwright.privacy.subjects import DataSubject

    customer = request_customer(request)
    if customer is not None:
        return DataSubject.for_customer(customer)
    user = request_user(request)
    if user is not None:
        return DataSubject.for_user(user)
    store = _store_of(request)
    if store is None or not request.subject_email:
        raise ApplicationError("This request no longer names anyone.", code="no_subject")
    return DataSubject.for_email(store, request.subject_email)


def _details(request: DataRequest, **extra: Any) -> dict[str, Any]:
    return {"kind": request.kind, "channel": request.channel, **extra}


def _audit(request: DataRequest, action: str, *, actor: Actor, ip: str = "", **extra: Any) -> None:
    audit_record(
        action=action, actor=actor, store=_store_of(request), obj=request, ip=ip, details=_details(request, **extra)
    )


def _move(request: DataRequest, to: str, *, actor: Actor, ip: str = "", **extra: Any) -> None:
    """Change the status along TRANSITIONS and audit it; raises ApplicationError ("bad_state") otherwise."""
    if to not in TRANSITIONS.get(request.status, set()):
        raise ApplicationError(
            f"This request is {RequestStatus(request.status).label.lower()}; it cannot become {to.replace('_', ' ')}.",
            code="bad_state",
        )
    previous = request.status
    request.status = to
    fields = ["status"]
    if to == RequestStatus.COMPLETED or to in CLOSED:
        request.completed_at = _now()
        fields.append("completed_at")
    request.save(update_fields=fields)
    _audit(request, STATUS_ACTIONS[to], actor=actor, ip=ip, previous=previous, **extra)


def _locked(request: DataRequest) -> DataRequest:
    """The request's row, locked until the caller's transaction ends (call inside transaction.atomic)."""
    return DataRequest.objects.select_for_update().get(pk=request.pk)


def _code_digest(request_id: int, code: str) -> str:
    key = hashlib.sha256(b"shopwright-privacy-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _link(store: Store | None, path: str) -> str:
    return store_url(store, path) if store is not None else platform_url(path)


def _site_name(store: Store | None) -> str:
    return store.name if store is not None else settings.PLATFORM_NAME


def _email(request: DataRequest, kind: str, to: str, **context: Any) -> None:
    store = _store_of(request)
    email_queue(
        kind=kind,
        to=to,
        store=store,
        context={
            "request": request,
            "kind_label": RequestKind(request.kind).label,
            "site_name": _site_name(store),
            **context,
        },
    )


def _tell_subject(request: DataRequest, event: str, **context: Any) -> None:
    """Email the subject (at the address on file) that its request moved; nothing without an address."""
    if request.subject_email:
        _email(request, "privacy_request_status", request.subject_email, event=event, **context)


def _inbox_people(request: DataRequest) -> list[str]:
    """Who answers the request: the store's owner and admins, or the platform's operators."""
    from shopwright.stores.models import Membership, Role, User

    if request.store_id:
        memberships = Membership.objects.filter(
            store_id=request.store_id, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
        ).select_related("user")
        return sorted({m.user.email for m in memberships})
    return sorted({u.email for u in User.objects.filter(is_staff=True, is_active=True)})


def _inbox_path(request: DataRequest) -> str:
    if request.store_id:
        return f"/office/privacy/requests/{request.pk}/"
    return f"/office/operators/privacy/{request.pk}/"


def _tell_inbox(request: DataRequest, event: str, *, day: int = 0) -> int:
    people = _inbox_people(request)
    for address in people:
        _email(
            request,
            "privacy_request_inbox",
            address,
            event=event,
            day=day,
            inbox_url=platform_url(_inbox_path(request)),
        )
    return len(people)


# --- opening --------------------------------------------------------------------------------------


def _on_file(store: Store | None, email: str) -> tuple[Customer | None, User | None, str]:
    """Who holds `email`, and the address on file: (customer, user, address).

    At a store: the customer account, else the newest guest order. On the platform (store None):
    the merchant's user account.
    """
    from shopwright.orders.models import Order

    candidates = crypto.blind_index_candidates(email)
    if store is None:
        from shopwright.stores.models import User

        user = User.objects.filter(email_index__in=candidates).first()
        return None, user, (user.email if user is not None else "")
    customer = Customer.objects.filter(store=store, email_index__in=candidates).first()
    if customer is not None:
        return customer, None, customer.email
    order = (
        Order.objects.filter(store=store, email_index__in=candidates, subject_erased_at__isnull=True)
        .only("id", "email")
        .order_by("-created_at", "-id")
        .first()
    )
    return None, None, (order.email if order is not None else "")


def _deletion_running(*, store: Store | None, customer_id: int | None, user_id: int | None, email_index: str) -> bool:
    requests = DataRequest.objects.filter(store=store, kind=RequestKind.DELETION, status__in=ACTIVE)
    if customer_id:
        return requests.filter(customer_id=customer_id).exists()
    if user_id:
        return requests.filter(user_id=user_id).exists()
    return bool(email_index) and requests.filter(subject_email_index=email_index).exists()


def _refuse_duplicate(*, store: Store | None, kind: str, channel: str, actor: Actor, ip: str) -> None:
    audit_record(
        action="privacy.request_refused_duplicate",
        actor=actor,
        store=store,
        ip=ip,
        details={"kind": kind, "channel": channel, "reason": "deletion_running"},
    )


def request_open(
    *,
    store: Store | None,
    kind: str,
    channel: str,
    customer: Customer | None = None,
    user: User | None = None,
    email: str = "",
    details: str = "",
    agent_name: str = "",
    agent_email: str = "",
    actor: Actor,
    ip: str = "",
) -> DataRequest | None:
    """Open a request; it waits for verification (nothing is done or released before that).

    ACCOUNT / API: `customer` (with its `store`) or `user` (a merchant's own
    request: `store` None) is the signed-in subject; verify next with
    `request_verify_password` or a code. CONTACT_FORM / AGENT / GUARDIAN:
    `email` is the subject's address as typed (for GUARDIAN: the child's
    account email); a link goes to the address on file. When nothing is on
    file, or a deletion for the subject is already running, nothing is sent
    and None is returned, the same as a success to whoever sent the form
    (the audit log records why). Raises ApplicationError for bad input and,
    for a signed-in subject, for a second deletion while one is open
    (code "deletion_running").
    """
    errors = FieldErrors()
    if kind not in RequestKind.values:
        errors.add("kind", "Choose what you are asking for.")
    if channel not in RequestChannel.values:
        errors.add("channel", "Unknown channel.")
    details = clean_text(details, errors, "details", label="the details", max_length=DETAILS_MAX, required=False)
    if kind == RequestKind.CORRECTION and not details and channel not in (RequestChannel.ACCOUNT, RequestChannel.API):
        errors.add("details", "Say what should be corrected.")
    signed_in = channel in (RequestChannel.ACCOUNT, RequestChannel.API)
    if signed_in:
        if (customer is None) == (user is None):
            raise ApplicationError("A signed-in request names one customer or one merchant.", code="no_subject")
        if customer is not None and (store is None or customer.store_id != store.pk):
            raise NotFound("No such customer at this store.")
        if user is not None and store is not None:
            raise ApplicationError("A merchant's own request goes to the operators, not to a store.", code="invalid")
    else:
        if store is None and channel == RequestChannel.GUARDIAN:
            # Children have accounts at stores only; the platform's form is for merchants and their agents.
            errors.add("channel", "A guardian writes to the store where the child's account is.")
        email = clean_email(email, errors)
        if channel == RequestChannel.AGENT:
            agent_name = clean_text(agent_name, errors, "agent_name", label="the agent's name", max_length=150)
            agent_email = clean_email(agent_email, errors, "agent_email")
        else:
            agent_name, agent_email = "", ""
    errors.raise_if_any()
    if not signed_in:
        rate_limit_hit(action="privacy-request", subject=ip, limit=FORM_REQUESTS_PER_IP_PER_HOUR, window_seconds=3600)
        return _open_from_form(
            store=store,
            kind=kind,
            channel=channel,
            email=email,
            details=details,
            agent_name=agent_name,
            agent_email=agent_email,
            actor=actor,
            ip=ip,
        )
    subject_email = customer.email if customer is not None else (user.email if user is not None else "")
    if kind == RequestKind.DELETION and _deletion_running(
        store=store,
        customer_id=getattr(customer, "pk", None),
        user_id=getattr(user, "pk", None),
        email_index="",
    ):
        _refuse_duplicate(store=store, kind=kind, channel=channel, actor=actor, ip=ip)
        raise ApplicationError(
            "A request to delete this account is already open; it will be answered by its deadline.",
            code="deletion_running",
        )
    with transaction.atomic():
        request = DataRequest.objects.create(
            store=store,
            kind=kind,
            channel=channel,
            customer=customer,
            user=user,
            subject_email=subject_email,
            subject_email_index=crypto.blind_index(subject_email) if subject_email else "",
            details=details,
            status=RequestStatus.VERIFYING,
            verification_nonce=secrets.token_hex(16),
        )
        _audit(request, "privacy.request_opened", actor=actor, ip=ip)
    return request


def _open_from_form(
    *,
    store: Store | None,
    kind: str,
    channel: str,
    email: str,
    details: str,
    agent_name: str,
    agent_email: str,
    actor: Actor,
    ip: str,
) -> DataRequest | None:
    customer, user, on_file = _on_file(store, email)
    send_to = on_file
    if channel == RequestChannel.GUARDIAN:
        send_to = customer.guardian_email if customer is not None else ""
    if not on_file or not send_to:
        audit_record(
            action="privacy.request_unmatched",
            actor=actor,
            store=store,
            ip=ip,
            details={"kind": kind, "channel": channel, "reason": "nothing_on_file"},
        )
        return None
    index = crypto.blind_index(on_file)
    if kind == RequestKind.DELETION and _deletion_running(
        store=store, customer_id=getattr(customer, "pk", None), user_id=getattr(user, "pk", None), email_index=index
    ):
        _refuse_duplicate(store=store, kind=kind, channel=channel, actor=actor, ip=ip)
        return None
    try:
        rate_limit_hit(
            action="privacy-request-email",
            subject=f"{store.pk if store is not None else 'platform'}:{crypto.normalise(send_to)}",
            limit=FORM_EMAILS_PER_ADDRESS_PER_HOUR,
            window_seconds=3600,
        )
    except RateLimited:
        audit_record(
            action="privacy.request_unmatched",
            actor=actor,
            store=store,
            ip=ip,
            details={"kind": kind, "channel": channel, "reason": "too_many_emails"},
        )
        return None
    with transaction.atomic():
        request = DataRequest.objects.create(
            store=store,
            kind=kind,
            channel=channel,
            customer=customer,
            user=user,
            subject_email=on_file,
            subject_email_index=index,
            agent_name=agent_name,
            agent_email=agent_email,
            details=details,
            status=RequestStatus.AWAITING_SUBJECT if channel == RequestChannel.AGENT else RequestStatus.VERIFYING,
            verification_nonce=secrets.token_hex(16),
        )
        _audit(request, "privacy.request_opened", actor=actor, ip=ip)
        token = make_token(purpose=LINK_PURPOSE, subject_id=request.pk, state=request.verification_nonce)
        page = "agent" if channel == RequestChannel.AGENT else "verify"
        _email(
            request,
            "privacy_request_link",
            send_to,
            link=_link(store, f"/privacy/requests/{page}/{token}/"),
            agent=channel == RequestChannel.AGENT,
            guardian=channel == RequestChannel.GUARDIAN,
            agent_name=agent_name,
            hours=LINK_MAX_AGE_SECONDS // 3600,
        )
    return request


def request_of_subject(
    *,
    request_id: int,
    store: Store | None = None,
    customer: Customer | None = None,
    user: User | None = None,
    ip: str = "",
) -> DataRequest:
    """The signed-in subject's own request (a customer's at `store`, or a merchant's own).

    Raises NotFound for any other id; asking for a request that exists but is someone else's is
    recorded in the audit log (`privacy.request_foreign`), without saying whose.
    """
    from shopwright.privacy import request_selectors

    try:
        if customer is not None:
            assert store is not None
            return request_selectors.request_for_customer(store=store, customer=customer, request_id=request_id)
        assert user is not None
        return request_selectors.request_for_user(user=user, request_id=request_id)
    except NotFound:
        if 0 < request_id <= request_selectors.MAX_ID and DataRequest.objects.filter(pk=request_id).exists():
            actor = Actor.customer(customer) if customer is not None else Actor.user(user)  # type: ignore[arg-type]
            audit_record(action="privacy.request_foreign", actor=actor, store=store, ip=ip)
        raise


# --- verification ----------------------------------------------------------------------------------


def _require_signed_in(request: DataRequest) -> None:
    if request.channel not in (RequestChannel.ACCOUNT, RequestChannel.API):
        raise ApplicationError("This request is confirmed by the link we emailed.", code="bad_state")
    if request.status != RequestStatus.VERIFYING:
        raise ApplicationError("This request is already verified or closed.", code="bad_state")


def request_verify_password(*, request: DataRequest, password: str, ip: str = "") -> DataRequest:
    """Verify a signed-in subject's request by its password, under the sign-in throttle.

    A wrong password counts as a failed sign-in (of the account and the IP)
    and is audited as `privacy.verification_failed`; raises ApplicationError
    (field "password"), or RateLimited while locked out.
    """
    from shopwright.stores.services import PLATFORM_SCOPE

    _require_signed_in(request)
    customer, user = request_customer(request), request_user(request)
    if customer is not None:
        scope, stored, actor = f"store:{customer.store_id}", customer.password, Actor.customer(customer)
    elif user is not None:
        scope, stored, actor = PLATFORM_SCOPE, user.password, Actor.user(user)
    else:
        raise NotFound("No such request.")
    identifier = crypto.normalise(request.subject_email)
    try:
        login_throttle_check(scope=scope, identifier=identifier, ip=ip)
    except RateLimited:
        _audit(request, "privacy.verification_failed", actor=actor, ip=ip, reason="locked_out")
        raise
    if not check_password(password or "", stored):
        locked = login_throttle_failure(scope=scope, identifier=identifier, ip=ip)
        _audit(request, "privacy.verification_failed", actor=actor, ip=ip, reason="wrong_password", locked_out=locked)
        raise ApplicationError.for_field("password", "This password is not correct.", code="wrong_password")
    login_throttle_success(scope=scope, identifier=identifier, ip=ip)
    return _verify(request, actor=actor, ip=ip, method="password")


def request_code_send(*, request: DataRequest, ip: str = "") -> None:
    """Email a new 6-digit code to the address on file (15 minutes, 5 attempts); resends are throttled."""
    _require_signed_in(request)
    rate_limit_hit(
        action="privacy-code-send",
        subject=f"request:{request.pk}",
        limit=CODE_SENDS_PER_WINDOW,
        window_seconds=CODE_SEND_WINDOW_SECONDS,
    )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        request = _locked(request)
        request.code_hash = _code_digest(request.pk, code)
        request.code_expires_at = _now() + CODE_LIFETIME
        request.code_attempts = 0
        request.save(update_fields=["code_hash", "code_expires_at", "code_attempts"])
        _audit(request, "privacy.code_sent", actor=_subject_actor(request), ip=ip)
        _email(request, "privacy_request_code", request.subject_email, code=code, minutes=15)


def _subject_actor(request: DataRequest) -> Actor:
    if request.customer_id:
        return Actor(AuditEntry.ActorType.CUSTOMER, request.customer_id)
    if request.user_id:
        return Actor(AuditEntry.ActorType.USER, request.user_id)
    return Actor.anonymous()


def request_verify_code(*, request: DataRequest, code: str, ip: str = "") -> DataRequest:
    """Verify a signed-in subject's request by the emailed code.

    Raises ApplicationError (field "code"): no code asked for, expired, or
    wrong. The fifth wrong code refuses the request (code "too_many_attempts",
    audited); a new request must be opened.
    """
    _require_signed_in(request)
    actor = _subject_actor(request)
    code = "".join(str(code or "").split())
    with transaction.atomic():
        request = _locked(request)
        if request.status != RequestStatus.VERIFYING:
            raise ApplicationError("This request is already verified or closed.", code="bad_state")
        if not request.code_hash or request.code_expires_at is None or request.code_expires_at <= _now():
            _audit(request, "privacy.verification_failed", actor=actor, ip=ip, reason="code_expired")
            raise ApplicationError.for_field("code", "This code has expired. Ask for a new one.", code="code_expired")
        if hmac.compare_digest(request.code_hash, _code_digest(request.pk, code)):
            request.code_hash, request.code_expires_at = "", None
            request.save(update_fields=["code_hash", "code_expires_at"])
            return _verify(request, actor=actor, ip=ip, method="code")
        request.code_attempts += 1
        request.save(update_fields=["code_attempts"])
        _audit(request, "privacy.verification_failed", actor=actor, ip=ip, reason="wrong_code")
        if request.code_attempts < CODE_MAX_ATTEMPTS:
            left = CODE_MAX_ATTEMPTS - request.code_attempts
            wrong = ApplicationError.for_field(
                "code", f"This code is not correct. {left} attempt{'s' if left > 1 else ''} left.", code="wrong_code"
            )
        else:
            request.code_hash, request.code_expires_at = "", None
            request.save(update_fields=["code_hash", "code_expires_at"])
            _move(request, RequestStatus.REFUSED, actor=Actor.system(), ip=ip, reason="too_many_attempts")
            wrong = PermissionDeniedError(
                "Too many wrong codes: this request is refused. Open a new request to try again.",
                code="too_many_attempts",
            )
    raise wrong


def request_for_link(*, store: Store | None, token: str) -> DataRequest:
    """The request an emailed link names, while the link is unused and unexpired, at this store.

    Raises ApplicationError (code "invalid_link") otherwise: forged, expired,
    used, or another store's.
    """
    parsed = read_token(token=token, purpose=LINK_PURPOSE, max_age_seconds=LINK_MAX_AGE_SECONDS)
    request = None
    if parsed is not None:
        request = DataRequest.objects.filter(store=store, pk=parsed[0], status__in=UNVERIFIED).first()
    if request is None or parsed is None or not state_matches(parsed[1], request.verification_nonce):
        raise ApplicationError(
            "This link is invalid, has expired or was already used. Open a new request if you still need one.",
            code="invalid_link",
        )
    return request


def request_verify_link(*, store: Store | None, token: str, confirm: bool = True, ip: str = "") -> DataRequest:
    """Use an emailed link: verify the request (or, with `confirm=False`, decline an agent's request).

    The link works once: its nonce changes on use, so a second use is
    refused (ApplicationError "invalid_link", audited as
    `privacy.verification_failed`).
    """
    try:
        with transaction.atomic():
            request = request_for_link(store=store, token=token)
            request = _locked(request)
            request = request_for_link(store=store, token=token)  # again, on the locked row
            request.verification_nonce = secrets.token_hex(16)
            request.save(update_fields=["verification_nonce"])
            actor = _subject_actor(request)
            if not confirm:
                _move(request, RequestStatus.CANCELLED, actor=actor, ip=ip, reason="subject_declined")
                return request
            return _verify(request, actor=actor, ip=ip, method="link")
    except ApplicationError as exc:
        if exc.code == "invalid_link":
            audit_record(
                action="privacy.verification_failed",
                actor=Actor.anonymous(),
                store=store,
                ip=ip,
                details={"reason": "invalid_link"},
            )
        raise


def _verify(request: DataRequest, *, actor: Actor, ip: str, method: str) -> DataRequest:
    """The identity is confirmed: the deadline starts, and what can be done at once is done."""
    with transaction.atomic():
        now = _now()
        request.verified_at = now
        request.due_at = now + datetime.timedelta(days=DUE_DAYS)
        request.save(update_fields=["verified_at", "due_at"])
        _move(request, RequestStatus.OPEN, actor=actor, ip=ip, method=method)
        _tell_subject(request, "verified")
        _act_on_verified(request, actor=actor, ip=ip)
        if request.status == RequestStatus.OPEN:
            _tell_inbox(request, "new")
    return request


def _act_on_verified(request: DataRequest, *, actor: Actor, ip: str) -> None:
    from shopwright.privacy import consents

    kind = request.kind
    customer, user = request_customer(request), request_user(request)
    signed_in = request.channel in (RequestChannel.ACCOUNT, RequestChannel.API)
    if kind == RequestKind.ACCESS and signed_in:
        # The data is shown in the personal center (exports.subject_data) for ACCESS_VIEW_LIFETIME.
        _move(request, RequestStatus.COMPLETED, actor=actor, ip=ip)
        _tell_subject(request, "completed")
    elif kind in (RequestKind.EXPORT, RequestKind.ACCESS):
        # From a form there is no page to show the data on: it is exported to the address on file.
        _move(request, RequestStatus.IN_PROGRESS, actor=Actor.system(), ip=ip, step="export")
        from shopwright.privacy.request_tasks import request_export_task

        request_id = request.pk
        transaction.on_commit(lambda: request_export_task(request_id))
    elif kind == RequestKind.RESTRICTION:
        if customer is not None or user is not None:
            consents.restriction_start(customer=customer, user=user, actor=actor, ip=ip)  # idempotent
            request.resolution = "Processing for marketing, personalisation and analytics is stopped."
        else:
            request.resolution = "We hold no account for this address; guest orders are used only to deliver them."
        request.save(update_fields=["resolution"])
        _move(request, RequestStatus.COMPLETED, actor=actor, ip=ip)
        _tell_subject(request, "completed")
    elif kind == RequestKind.WITHDRAW_CONSENT:
        withdrawn = 0
        if customer is not None or user is not None:
            from shopwright.privacy.models import ConsentChannel

            withdrawn = consents.consent_withdraw_all(
                customer=customer, user=user, channel=ConsentChannel.DATA_REQUEST, actor=actor
            )
        request.resolution = "Every consent you had given is withdrawn."
        request.save(update_fields=["resolution"])
        _move(request, RequestStatus.COMPLETED, actor=actor, ip=ip, withdrawn=withdrawn)
        _tell_subject(request, "completed")
    # CORRECTION and DELETION stay open in the inbox for the merchant (or operators).


# --- answering (the inbox) ----------------------------------------------------------------------------


def request_start(*, request: DataRequest, actor: Actor, ip: str = "") -> DataRequest:
    """The merchant (or operator) takes the request up: OPEN -> IN_PROGRESS."""
    with transaction.atomic():
        request = _locked(request)
        _move(request, RequestStatus.IN_PROGRESS, actor=actor, ip=ip)
    return request


def request_complete(*, request: DataRequest, actor: Actor, note: str = "", ip: str = "") -> DataRequest:
    """Answer the request as done, with an optional note the subject reads; the subject is emailed.

    Exports and deletions complete themselves (their jobs) and are refused here.
    """
    errors = FieldErrors()
    note = clean_text(note, errors, "note", label="the note", max_length=DETAILS_MAX, required=False)
    errors.raise_if_any()
    with transaction.atomic():
        request = _locked(request)
        if request.kind in (RequestKind.EXPORT, RequestKind.DELETION) or (
            request.kind == RequestKind.ACCESS and request.status == RequestStatus.IN_PROGRESS
        ):
            raise ApplicationError("This request is completed by its job, not by hand.", code="bad_state")
        if note:
            request.resolution = note
            request.save(update_fields=["resolution"])
        _move(request, RequestStatus.COMPLETED, actor=actor, ip=ip, with_note=bool(note))
        _tell_subject(request, "completed")
    return request


def request_resolve(*, request: DataRequest, actor: Actor, note: str, ip: str = "") -> DataRequest:
    """Answer a correction the subject could not make itself, with a note saying what was changed."""
    errors = FieldErrors()
    note = clean_text(note, errors, "note", label="what was corrected", max_length=DETAILS_MAX)
    errors.raise_if_any()
    if request.kind != RequestKind.CORRECTION:
        raise ApplicationError("Only a correction is resolved with a note.", code="bad_state")
    return request_complete(request=request, actor=actor, note=note, ip=ip)


def request_refuse(*, request: DataRequest, actor: Actor, reason: str, ip: str = "") -> DataRequest:
    """Refuse the request with a reason the subject is emailed; a running erasure cannot be refused."""
    errors = FieldErrors()
    reason = clean_text(reason, errors, "reason", label="the reason", max_length=DETAILS_MAX)
    errors.raise_if_any()
    with transaction.atomic():
        request = _locked(request)
        if request.kind == RequestKind.DELETION and request.status == RequestStatus.IN_PROGRESS:
            raise ApplicationError("The erasure is running; it cannot be refused any more.", code="bad_state")
        if request.status not in ACTIVE:
            # Unverified requests are not the merchant's to answer (nobody is proven to have asked);
            # closed ones are answered already.
            raise ApplicationError("Only a verified, open request can be refused.", code="bad_state")
        request.resolution = reason
        request.save(update_fields=["resolution"])
        _move(request, RequestStatus.REFUSED, actor=actor, ip=ip, reason="merchant")
        _tell_subject(request, "refused")
    return request


def request_erase(*, request: DataRequest, actor: Actor, ip: str = "") -> DataRequest:
    """Run a verified deletion: the engine locks the account at once and erases it in a job.

    Refused (ApplicationError "deletion_running", audited) when the erasure
    already started: nothing is deleted twice.
    """
    from shopwright.privacy import erasure

    with transaction.atomic():
        request = _locked(request)
        if request.kind != RequestKind.DELETION:
            raise ApplicationError("Only a deletion request erases data.", code="bad_state")
        if request.status == RequestStatus.IN_PROGRESS:
            _refuse_duplicate(store=_store_of(request), kind=request.kind, channel=request.channel, actor=actor, ip=ip)
            raise ApplicationError("The erasure is already running.", code="deletion_running")
        _move(request, RequestStatus.IN_PROGRESS, actor=actor, ip=ip, step="erasure")
        _tell_subject(request, "erasing")
        erasure.erasure_start(request=request, actor=actor)
    return request


def request_export_run(*, request_id: int) -> DataRequest | None:
    """The export job: build the archive (privacy.exports), email its one-time link to the address on file.

    Resumable: run again, it finds the archive and issues a new link. The
    link is never sent to an agent or any address typed into a form.
    """
    from shopwright.privacy import exports

    request = DataRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != RequestStatus.IN_PROGRESS:
        return request
    archive = exports.export_build(request=request)
    with transaction.atomic():
        request = _locked(request)
        if request.status != RequestStatus.IN_PROGRESS:
            return request
        token = exports.export_link_issue(archive=archive)
        store = _store_of(request)
        path = "/privacy/requests/download/" if store is not None else "/office/account/privacy/download/"
        if request.subject_email:
            _email(
                request,
                "privacy_request_export",
                request.subject_email,
                link=_link(store, f"{path}{token}/"),
                expires_at=archive.expires_at,
            )
        _move(request, RequestStatus.COMPLETED, actor=Actor.system())
    return request


def requests_remind(*, now: datetime.datetime | None = None) -> int:
    """Email the inbox's people about requests still open 10 and 14 days after verification; idempotent.

    Returns how many reminders (one per request and day) were sent.
    """
    now = now or _now()
    sent = 0
    for day, field in ((10, "reminded_day10_at"), (14, "reminded_day14_at")):
        due = DataRequest.objects.filter(
            status__in=ACTIVE,
            verified_at__lte=now - datetime.timedelta(days=day),
            **{f"{field}__isnull": True},
        ).values_list("pk", flat=True)
        for request_id in list(due):
            with transaction.atomic():
                request = DataRequest.objects.select_for_update().get(pk=request_id)
                if getattr(request, field) is not None or request.status not in ACTIVE:
                    continue
                late = request.verified_at is not None and request.verified_at <= now - datetime.timedelta(days=14)
                if day == 10 and late and request.reminded_day14_at is None:
                    # Found late (the job was down): the day-14 reminder says it all.
                    setattr(request, field, now)
                    request.save(update_fields=[field])
                    continue
                setattr(request, field, now)
                request.save(update_fields=[field])
                _tell_inbox(request, "reminder", day=day)
                _audit(request, "privacy.request_reminder", actor=Actor.system(), day=day)
                sent += 1
    return sent


__all__ = [
    "CODE_MAX_ATTEMPTS",
    "DUE_DAYS",
    "SAME_ANSWER",
    "TRANSITIONS",
    "request_code_send",
    "request_complete",
    "request_customer",
    "request_erase",
    "request_export_run",
    "request_for_link",
    "request_open",
    "request_refuse",
    "request_resolve",
    "request_start",
    "request_subject",
    "request_user",
    "request_verify_code",
    "request_verify_link",
    "request_verify_password",
    "requests_remind",
]
