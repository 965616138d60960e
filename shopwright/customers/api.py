"""Customer API (store host): register, login, logout, profile."""

from __future__ import annotations

import datetime
from typing import Literal, cast

from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import HttpBearer

from shopwright.core.api import (
    ERRORS,
    ApiSchema,
    BearerRequest,
    InputSchema,
    OkOut,
    SessionCookieAuth,
    require_store_host,
)
from shopwright.core.requests import StorefrontRequest, StoreRequest
from shopwright.customers import selectors, services
from shopwright.customers.models import Customer
from shopwright.customers.sessions import session_login, session_logout


class CustomerBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Customer | None:
        store = require_store_host(request)  # the platform host answers 404, as for the public endpoints
        customer = selectors.customer_for_api_token(store=store, token=token)
        if customer is not None:
            cast(BearerRequest, request).api_token = token
        return customer


class CustomerSession(SessionCookieAuth):
    """The customer's session at this store (see customers.sessions)."""

    def check_host(self, request: HttpRequest) -> None:
        require_store_host(request)

    def principal(self, request: HttpRequest) -> Customer | None:
        return getattr(request, "customer", None)


customer_auth = [CustomerBearer(), CustomerSession()]


class CustomerApiRequest(StorefrontRequest):
    """A request that passed `customer_auth` (annotations only): ninja sets `auth` to the customer.

    Both authenticators answer only on a store host, so `store` is set.
    """

    auth: Customer


router = Router(tags=["customer"])


class RegisterIn(InputSchema):
    email: str
    name: str
    password: str
    # Required where the store asks for it (the age gate); YYYY-MM-DD.
    date_of_birth: str | None = None
    # Required under 14: the account waits for this person's consent.
    guardian_email: str = ""


class CustomerLoginIn(InputSchema):
    email: str
    password: str
    mode: Literal["token", "session"] = "token"


class ProfileOut(ApiSchema):
    id: int
    email: str
    name: str
    real_name: str
    gender: str
    date_of_birth: datetime.date | None
    place_of_residence: str
    nickname: str
    avatar_url: str | None
    # An under-14 account waiting for its guardian's consent: it cannot sign in yet.
    awaiting_guardian_consent: bool = False


class ProfileIn(InputSchema):
    name: str | None = None
    real_name: str | None = None
    gender: str | None = None
    date_of_birth: str | None = None
    place_of_residence: str | None = None
    nickname: str | None = None


class CustomerLoginOut(ApiSchema):
    token: str | None = None
    customer: ProfileOut


def _profile(customer: Customer) -> ProfileOut:
    return ProfileOut(
        id=customer.pk,
        email=customer.email,
        name=customer.name,
        real_name=customer.real_name,
        gender=customer.gender,
        date_of_birth=customer.date_of_birth,
        place_of_residence=customer.place_of_residence,
        nickname=customer.nickname,
        avatar_url=customer.avatar_url or None,
        awaiting_guardian_consent=services.customer_awaits_guardian(customer),
    )


@router.post("/register", response={201: ProfileOut, **ERRORS}, summary="Create a customer account at this store")
def register(request: HttpRequest, payload: RegisterIn) -> Status[ProfileOut]:
    from shopwright.core.requests import client_ip

    store = require_store_host(request)
    customer = services.customer_register(store=store, **payload.dict(), ip=client_ip(request))
    return Status(201, _profile(customer))


@router.post("/login", response={200: CustomerLoginOut, **ERRORS}, summary="Sign in at this store")
def customer_login(request: StoreRequest, payload: CustomerLoginIn) -> CustomerLoginOut:
    from shopwright.core.requests import client_ip

    store = require_store_host(request)
    customer = services.customer_authenticate(
        store=store, email=payload.email, password=payload.password, ip=client_ip(request)
    )
    if payload.mode == "session":
        session_login(request, customer)
        return CustomerLoginOut(token=None, customer=_profile(customer))
    return CustomerLoginOut(token=services.customer_api_token_create(customer=customer), customer=_profile(customer))


@router.post("/logout", auth=customer_auth, response={200: OkOut, **ERRORS}, summary="Sign out")
def customer_logout(request: CustomerApiRequest) -> OkOut:
    token = getattr(request, "api_token", None)
    if token:
        services.customer_api_token_revoke(store=request.store, token=token)
    else:
        session_logout(request)
    return OkOut()


@router.get("/me", auth=customer_auth, response={200: ProfileOut, **ERRORS}, summary="My profile")
def me(request: CustomerApiRequest) -> ProfileOut:
    return _profile(request.auth)


@router.patch("/me", auth=customer_auth, response={200: ProfileOut, **ERRORS}, summary="Update my profile")
def me_update(request: CustomerApiRequest, payload: ProfileIn) -> ProfileOut:
    from shopwright.core.requests import client_ip

    data = payload.dict(exclude_unset=True)
    customer = services.customer_profile_update(customer=request.auth, data=data, ip=client_ip(request))
    return _profile(customer)
