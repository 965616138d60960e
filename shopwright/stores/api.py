"""Merchant API (platform host): signup, login, stores, staff invitations."""

from __future__ import annotations

import datetime
from typing import Literal, cast

from django.contrib.auth import login, logout
from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import HttpBearer

from shopwright.core.api import (
    ERRORS,
    ApiSchema,
    BearerRequest,
    ErrorOut,
    InputSchema,
    OkOut,
    SessionCookieAuth,
    require_platform_host,
)
from shopwright.core.exceptions import ApplicationError, NotFound, PermissionDeniedError
from shopwright.core.links import store_url
from shopwright.core.masking import mask_email
from shopwright.core.requests import client_ip
from shopwright.stores import selectors, services
from shopwright.stores.models import Role, Store, User


class MerchantBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        require_platform_host(request)  # a store host answers 404, as for the public endpoints
        user = selectors.user_for_api_token(token=token)
        if user is not None:
            cast(BearerRequest, request).api_token = token
        return user


class MerchantSession(SessionCookieAuth):
    """The back-office session (Django auth) on the platform host."""

    def check_host(self, request: HttpRequest) -> None:
        require_platform_host(request)

    def principal(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


merchant_auth = [MerchantBearer(), MerchantSession()]


class MerchantApiRequest(HttpRequest):
    """A request that passed `merchant_auth` (annotations only): ninja sets `auth` to the user."""

    auth: User


router = Router(tags=["merchant"])


class SignupIn(InputSchema):
    email: str
    password: str
    full_name: str
    phone: str
    country: str
    industry: str
    business_scale: str
    store_name: str
    store_handle: str


class StoreOut(ApiSchema):
    id: int
    handle: str
    name: str
    status: str
    url: str
    role: str | None = None


class SignupOut(ApiSchema):
    user_id: int
    store: StoreOut
    email_verification_sent: bool


class MerchantLoginIn(InputSchema):
    email: str
    password: str
    mode: Literal["token", "session"] = "token"


class MeOut(ApiSchema):
    id: int
    email: str
    full_name: str
    phone: str
    country: str
    email_verified: bool


class MerchantLoginOut(ApiSchema):
    token: str | None = None
    user: MeOut


class StoreIn(InputSchema):
    name: str
    handle: str


class InvitationIn(InputSchema):
    email: str
    role: str


class InvitationOut(ApiSchema):
    id: int
    email: str
    role: str
    expires_at: datetime.datetime


def member_store(
    request: MerchantApiRequest, handle: str, *, roles: set[Role] | None = None, refused: str = ""
) -> Store:
    """The store `handle` names, for a signed-in member of it: 404 for anyone else (no hint that it exists),
    403 with `refused` when `roles` is given and the member's role is not among them."""
    store = selectors.store_for_handle(handle=handle)
    membership = selectors.membership_for(user=request.auth, store=store) if store is not None else None
    if store is None or membership is None:
        raise NotFound("No such store.")
    if roles is not None and membership.role not in roles:
        raise PermissionDeniedError(refused or "Your role at this store does not allow this.")
    return store


def _store_out(store: Store, role: str | None = None) -> StoreOut:
    return StoreOut(
        id=store.pk, handle=store.handle, name=store.name, status=store.status, url=store_url(store), role=role
    )


def _me(user: User) -> MeOut:
    # The subject sees its own data unmasked.
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        phone=user.phone,
        country=str(user.country),
        email_verified=user.email_verified,
    )


@router.post("/signup", response={201: SignupOut, **ERRORS}, summary="Sign up as a merchant and create a store")
def signup(request: HttpRequest, payload: SignupIn) -> Status[SignupOut]:
    require_platform_host(request)
    result = services.merchant_signup(**payload.dict(), ip=client_ip(request))
    out = SignupOut(user_id=result.user.pk, store=_store_out(result.store, "owner"), email_verification_sent=True)
    return Status(201, out)


@router.post("/login", response={200: MerchantLoginOut, **ERRORS}, summary="Sign in; get a bearer token or a session")
def merchant_login(request: HttpRequest, payload: MerchantLoginIn) -> MerchantLoginOut:
    require_platform_host(request)
    user = services.merchant_authenticate(email=payload.email, password=payload.password, ip=client_ip(request))
    if payload.mode == "session":
        login(request, user, backend="shopwright.stores.auth.EmailBlindIndexBackend")
        return MerchantLoginOut(token=None, user=_me(user))
    return MerchantLoginOut(token=services.user_api_token_create(user=user), user=_me(user))


@router.post("/logout", auth=merchant_auth, response={200: OkOut, **ERRORS}, summary="Sign out (revoke the token)")
def merchant_logout(request: MerchantApiRequest) -> OkOut:
    token = getattr(request, "api_token", None)
    if token:
        services.user_api_token_revoke(token=token)
    else:
        logout(request)
    return OkOut()


@router.get("/me", auth=merchant_auth, response={200: MeOut, **ERRORS}, summary="The signed-in merchant")
def me(request: MerchantApiRequest) -> MeOut:
    return _me(request.auth)


@router.get("/stores", auth=merchant_auth, response={200: list[StoreOut], **ERRORS}, summary="Stores I work at")
def store_list(request: MerchantApiRequest) -> list[StoreOut]:
    return [_store_out(m.store, m.role) for m in selectors.memberships_for_user(user=request.auth)]


_STORE_IN_FIELDS = {"store_name": "name", "store_handle": "handle"}


@router.post("/stores", auth=merchant_auth, response={201: StoreOut, **ERRORS}, summary="Create another store")
def store_create(request: MerchantApiRequest, payload: StoreIn) -> Status[StoreOut]:
    try:
        store = services.store_create(
            owner=request.auth,
            name=payload.name,
            handle=payload.handle,
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        # The service speaks the signup form's field names; answer with this body's.
        exc.fields = {_STORE_IN_FIELDS.get(k, k): v for k, v in exc.fields.items()}
        raise
    return Status(201, _store_out(store, "owner"))


@router.post(
    "/stores/{handle}/invitations",
    auth=merchant_auth,
    response={201: InvitationOut, **ERRORS},
    summary="Invite a staff member by email",
)
def staff_invite(request: MerchantApiRequest, handle: str, payload: InvitationIn) -> Status[InvitationOut]:
    store = selectors.store_for_handle(handle=handle)
    if store is None:
        raise NotFound("No such store.")
    invitation = services.staff_invite(
        store=store,
        inviter=request.auth,
        email=payload.email,
        role=payload.role,
        ip=client_ip(request),
    )
    return Status(
        201,
        InvitationOut(
            id=invitation.pk, email=mask_email(invitation.email), role=invitation.role, expires_at=invitation.expires_at
        ),
    )


__all__ = ["ErrorOut", "router"]
