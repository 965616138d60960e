"""Data request endpoints: `storefront_router` answers on a store host, `merchant_router` on the platform host.

Customer (bearer token or session): open a request, ask for a code, verify
it by password or code, list and read one's own requests. Another
customer's request is 404.

Anyone on a store host: the privacy contact form (`POST /contact`, no
sign-in), which always answers the same 202 whether or not the store holds
data for the address (a link goes to the address on file only).

Merchant: the store's privacy inbox (`?store=<handle>`, any member), one
request, and the answers (owner and admin only; others 403). The subject's
email is masked in every merchant answer. A merchant's own requests about
the platform account (`/mine`: export or deletion, verified by the password)
go to the operators' inbox (`/operators`), which answers platform operators
(is_staff) only; anyone else gets 404.

The literal paths (`/contact`, `/mine`, `/operators`) are declared before the
`/{request_id}` ones: ninja matches a router's paths in declaration order.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from shopwright.core.api import ERRORS, ApiSchema, ErrorOut, InputSchema, OkOut
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound, PermissionDeniedError
from shopwright.core.masking import mask_email
from shopwright.core.requests import client_ip
from shopwright.customers.api import CustomerApiRequest, customer_auth
from shopwright.privacy import request_selectors as selectors
from shopwright.privacy import requests as services
from shopwright.privacy.exports import subject_data
from shopwright.privacy.models import DataRequest, RequestChannel, RequestKind, RequestStatus
from shopwright.privacy.subjects import DataSubject
from shopwright.stores.api import MerchantApiRequest, member_store, merchant_auth
from shopwright.stores.models import Role, Store

storefront_router = Router(tags=["privacy"])
merchant_router = Router(tags=["privacy"])


class RequestOut(ApiSchema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    channel: str
    created_at: datetime.datetime
    verified_at: datetime.datetime | None
    due_at: datetime.datetime | None
    days_left: int | None
    overdue: bool
    completed_at: datetime.datetime | None
    details: str
    resolution: str


class InboxRequestOut(RequestOut):
    subject_email: str  # masked


class RequestIn(InputSchema):
    kind: Literal["access", "export", "correction", "deletion", "restriction", "withdraw_consent"]
    details: str = ""


class VerifyIn(InputSchema):
    password: str | None = None
    code: str | None = None


class InboxQuery(ApiSchema):
    store: str
    status: str = ""
    kind: str = ""


class StoreQuery(ApiSchema):
    store: str


class ActionIn(InputSchema):
    action: Literal["start", "complete", "resolve", "refuse", "erase"]
    note: str = ""


class FilterQuery(ApiSchema):
    status: str = ""
    kind: str = ""


class ContactIn(InputSchema):
    kind: Literal["access", "export", "correction", "deletion", "restriction", "withdraw_consent"]
    email: str
    details: str = ""
    who: Literal["contact_form", "agent", "guardian"] = "contact_form"
    agent_name: str = ""  # who: agent only
    agent_email: str = ""  # who: agent only


class ContactOut(ApiSchema):
    message: str


class OwnRequestIn(InputSchema):
    kind: Literal["export", "deletion"]


def _out(request: DataRequest) -> RequestOut:
    row = selectors.request_row(request)
    return RequestOut(
        id=request.pk,
        kind=request.kind,
        kind_label=row.kind,
        status=request.status,
        status_label=row.status,
        channel=request.channel,
        created_at=request.created_at,
        verified_at=request.verified_at,
        due_at=request.due_at,
        days_left=row.days_left,
        overdue=row.overdue,
        completed_at=request.completed_at,
        details=request.details,
        resolution=request.resolution,
    )


def _inbox_out(request: DataRequest) -> InboxRequestOut:
    return InboxRequestOut(**_out(request).dict(), subject_email=mask_email(request.subject_email))


def _filters(status: str, kind: str) -> tuple[str, str]:
    """An inbox's filters; unknown values are ignored (as on the pages)."""
    return (status if status in RequestStatus.values else ""), (kind if kind in RequestKind.values else "")


def _answer(request: MerchantApiRequest, found: DataRequest, payload: ActionIn) -> InboxRequestOut:
    """Run one inbox action (the services check the request's state) and answer the request as it is now."""
    actor, ip = Actor.user(request.auth), client_ip(request)
    if payload.action == "start":
        done = services.request_start(request=found, actor=actor, ip=ip)
    elif payload.action == "complete":
        done = services.request_complete(request=found, actor=actor, note=payload.note, ip=ip)
    elif payload.action == "resolve":
        done = services.request_resolve(request=found, actor=actor, note=payload.note, ip=ip)
    elif payload.action == "refuse":
        done = services.request_refuse(request=found, actor=actor, reason=payload.note, ip=ip)
    else:
        done = services.request_erase(request=found, actor=actor, ip=ip)
    done.refresh_from_db()
    return _inbox_out(done)


# --- the customer ---------------------------------------------------------------------------------------


@storefront_router.post(
    "", auth=customer_auth, response={201: RequestOut, **ERRORS}, summary="Open a privacy request about my data"
)
def request_open(request: CustomerApiRequest, payload: RequestIn) -> Status[RequestOut]:
    """The request waits for verification (`POST /{id}/verify` with the password, or a code from `POST /{id}/code`)."""
    opened = services.request_open(
        store=request.store,
        kind=payload.kind,
        channel=RequestChannel.API,
        customer=request.auth,
        details=payload.details,
        actor=Actor.customer(request.auth),
        ip=client_ip(request),
    )
    if opened is None:  # never for a signed-in customer; kept for the type
        raise NotFound("No such customer.")
    return Status(201, _out(opened))


@storefront_router.get(
    "", auth=customer_auth, response={200: list[RequestOut], **ERRORS}, summary="My privacy requests"
)
def request_list(request: CustomerApiRequest) -> list[RequestOut]:
    return [_out(row.request) for row in selectors.requests_for_customer(store=request.store, customer=request.auth)]


@storefront_router.post(
    "/contact",
    response={202: ContactOut, **ERRORS},
    summary="The privacy contact form: ask about the data held for an email address (no sign-in)",
)
def request_contact(request: HttpRequest, payload: ContactIn) -> Status[ContactOut]:
    """On a store host, about the store's data; on the platform host, about a merchant account (operators).

    The same 202 whether or not data is held for the address: a confirmation link goes to the
    address on file only (for a child, the guardian's), never to one only typed here; an agent is sent
    nothing. Limited per client address (429)."""
    store = getattr(request, "store", None)
    agent = payload.who == RequestChannel.AGENT
    services.request_open(
        store=store,
        kind=payload.kind,
        channel=payload.who,
        email=payload.email,
        details=payload.details,
        agent_name=payload.agent_name if agent else "",
        agent_email=payload.agent_email if agent else "",
        actor=Actor.anonymous(),
        ip=client_ip(request),
    )
    return Status(202, ContactOut(message=services.SAME_ANSWER))


def _mine(request: CustomerApiRequest, request_id: int) -> DataRequest:
    return services.request_of_subject(
        store=request.store, customer=request.auth, request_id=request_id, ip=client_ip(request)
    )


@storefront_router.get(
    "/{request_id}", auth=customer_auth, response={200: RequestOut, **ERRORS}, summary="One of my privacy requests"
)
def request_get(request: CustomerApiRequest, request_id: int) -> RequestOut:
    return _out(_mine(request, request_id))


@storefront_router.post(
    "/{request_id}/code",
    auth=customer_auth,
    response={202: OkOut, **ERRORS},
    summary="Email a one-time code to confirm a privacy request",
)
def request_code(request: CustomerApiRequest, request_id: int) -> Status[OkOut]:
    services.request_code_send(request=_mine(request, request_id), ip=client_ip(request))
    return Status(202, OkOut())


@storefront_router.post(
    "/{request_id}/verify",
    auth=customer_auth,
    response={200: RequestOut, **ERRORS},
    summary="Confirm a privacy request with my password or the emailed code",
)
def request_verify(request: CustomerApiRequest, request_id: int, payload: VerifyIn) -> RequestOut:
    return _verified(_mine(request, request_id), payload, ip=client_ip(request))


def _verified(mine: DataRequest, payload: VerifyIn, *, ip: str) -> RequestOut:
    """Confirm a signed-in subject's request by the password or the emailed code (customers and merchants alike)."""
    if payload.password:
        done = services.request_verify_password(request=mine, password=payload.password, ip=ip)
    elif payload.code:
        done = services.request_verify_code(request=mine, code=payload.code, ip=ip)
    else:
        raise ApplicationError.for_field("password", "Send your password, or the code we emailed you.")
    done.refresh_from_db()
    return _out(done)


class MyDataOut(ApiSchema):
    region: str
    # Export name ("profile", "orders", ...) -> records (field -> value), as in the export's JSON files.
    data: dict[str, list[dict[str, Any]]]


@storefront_router.get(
    "/{request_id}/data",
    auth=customer_auth,
    response={200: MyDataOut, **ERRORS},
    summary="My data, for 30 minutes after an access request was confirmed",
)
def request_data(request: CustomerApiRequest, request_id: int) -> MyDataOut:
    mine = _mine(request, request_id)
    since = timezone.now() - services.ACCESS_VIEW_LIFETIME
    if mine.kind != RequestKind.ACCESS or mine.status != RequestStatus.COMPLETED or not mine.verified_at:
        raise PermissionDeniedError("This is not a confirmed access request.", code="not_access")
    if mine.verified_at < since:
        raise PermissionDeniedError("The access request has expired: open a new one.", code="access_expired")
    subject = DataSubject.for_customer(request.auth)
    return MyDataOut(region=str(request.store.data_region), data=subject_data(subject))


# --- the merchant's own requests (about the platform account; the operators answer) ----------------------


@merchant_router.post(
    "/mine",
    auth=merchant_auth,
    response={201: RequestOut, **ERRORS},
    summary="Ask for an export or the deletion of my platform account",
)
def own_open(request: MerchantApiRequest, payload: OwnRequestIn) -> Status[RequestOut]:
    """The request waits for the password (`POST /mine/{id}/verify`); then the operators answer it."""
    opened = services.request_open(
        store=None,
        kind=payload.kind,
        channel=RequestChannel.API,
        user=request.auth,
        actor=Actor.user(request.auth),
        ip=client_ip(request),
    )
    if opened is None:  # never for a signed-in merchant; kept for the type
        raise NotFound("No such user.")
    return Status(201, _out(opened))


@merchant_router.get(
    "/mine", auth=merchant_auth, response={200: list[RequestOut], **ERRORS}, summary="My own privacy requests"
)
def own_list(request: MerchantApiRequest) -> list[RequestOut]:
    return [_out(row.request) for row in selectors.requests_for_user(user=request.auth)]


@merchant_router.get(
    "/mine/{request_id}", auth=merchant_auth, response={200: RequestOut, **ERRORS}, summary="One of my own requests"
)
def own_get(request: MerchantApiRequest, request_id: int) -> RequestOut:
    return _out(services.request_of_subject(user=request.auth, request_id=request_id, ip=client_ip(request)))


@merchant_router.post(
    "/mine/{request_id}/verify",
    auth=merchant_auth,
    response={200: RequestOut, **ERRORS},
    summary="Confirm one of my own requests with my password or the emailed code",
)
def own_verify(request: MerchantApiRequest, request_id: int, payload: VerifyIn) -> RequestOut:
    mine = services.request_of_subject(user=request.auth, request_id=request_id, ip=client_ip(request))
    return _verified(mine, payload, ip=client_ip(request))


@merchant_router.post(
    "/mine/{request_id}/code",
    auth=merchant_auth,
    response={202: OkOut, **ERRORS},
    summary="Email a one-time code to my account's address to confirm one of my own requests",
)
def own_code(request: MerchantApiRequest, request_id: int) -> Status[OkOut]:
    mine = services.request_of_subject(user=request.auth, request_id=request_id, ip=client_ip(request))
    services.request_code_send(request=mine, ip=client_ip(request))
    return Status(202, OkOut())


# --- the operators' inbox (merchants' own requests) ---------------------------------------------------------


def _operator(request: MerchantApiRequest) -> None:
    """Platform operators (is_staff) only; anyone else is told there is nothing here, as on the page."""
    if not request.auth.is_staff:
        raise NotFound("Not found.")


@merchant_router.get(
    "/operators",
    auth=merchant_auth,
    response={200: list[InboxRequestOut], **ERRORS},
    summary="Operators: merchants' own privacy requests",
)
def operator_inbox(request: MerchantApiRequest, query: Query[FilterQuery]) -> list[InboxRequestOut]:
    """Verified requests, the soonest deadline first; `status` and `kind` filter (unknown values are ignored)."""
    _operator(request)
    status, kind = _filters(query.status, query.kind)
    return [_inbox_out(row.request) for row in selectors.operator_inbox(status=status, kind=kind)]


@merchant_router.get(
    "/operators/{request_id}",
    auth=merchant_auth,
    response={200: InboxRequestOut, **ERRORS},
    summary="Operators: one merchant's privacy request",
)
def operator_get(request: MerchantApiRequest, request_id: int) -> InboxRequestOut:
    _operator(request)
    return _inbox_out(selectors.operator_inbox_request(request_id=request_id))


@merchant_router.post(
    "/operators/{request_id}/actions",
    auth=merchant_auth,
    response={200: InboxRequestOut, **ERRORS, 409: ErrorOut},
    summary="Operators: answer a merchant's privacy request: start, complete, resolve, refuse or erase",
)
def operator_act(request: MerchantApiRequest, request_id: int, payload: ActionIn) -> InboxRequestOut:
    """`note` is the answer the merchant reads (required to resolve or refuse). Erasing the account of a
    merchant who still owns an open store is refused (409)."""
    _operator(request)
    return _answer(request, selectors.operator_inbox_request(request_id=request_id), payload)


# --- the store's inbox ------------------------------------------------------------------------------------


def _store(request: MerchantApiRequest, handle: str, *, act: bool = False) -> Store:
    roles = {Role.OWNER, Role.ADMIN} if act else None
    return member_store(
        request, handle, roles=roles, refused="Only the store's owner and admins answer privacy requests."
    )


@merchant_router.get(
    "", auth=merchant_auth, response={200: list[InboxRequestOut], **ERRORS}, summary="A store's privacy inbox"
)
def inbox(request: MerchantApiRequest, query: Query[InboxQuery]) -> list[InboxRequestOut]:
    """Verified requests, the soonest deadline first; `status` and `kind` filter (unknown values are ignored)."""
    store = _store(request, query.store)
    status, kind = _filters(query.status, query.kind)
    return [_inbox_out(row.request) for row in selectors.store_inbox(store=store, status=status, kind=kind)]


@merchant_router.get(
    "/{request_id}", auth=merchant_auth, response={200: InboxRequestOut, **ERRORS}, summary="One privacy request"
)
def inbox_get(request: MerchantApiRequest, request_id: int, query: Query[StoreQuery]) -> InboxRequestOut:
    store = _store(request, query.store)
    return _inbox_out(selectors.store_inbox_request(store=store, request_id=request_id))


@merchant_router.post(
    "/{request_id}/actions",
    auth=merchant_auth,
    response={200: InboxRequestOut, **ERRORS, 409: ErrorOut},
    summary="Answer a privacy request: start, complete, resolve, refuse or erase",
)
def inbox_act(
    request: MerchantApiRequest, request_id: int, query: Query[StoreQuery], payload: ActionIn
) -> InboxRequestOut:
    """`note` is the answer the person reads (required to resolve or refuse); 409 when the erasure is refused."""
    store = _store(request, query.store, act=True)
    return _answer(request, selectors.store_inbox_request(store=store, request_id=request_id), payload)
