"""Consent and policy endpoints: `storefront_router` answers on a store host, `merchant_router` on the platform host.

Customer (bearer token or session): the state of each consent, granting or
withdrawing one (at once), accepting the store's current policy. Anyone:
the store's current policy. Merchant: a store's policy versions
(`?store=<handle>`, any member), writing the draft and publishing it (owner
and admin only; others 403).
"""

from __future__ import annotations

import datetime

from ninja import Field, Query, Router, Status

from shopwright.core.api import ERRORS, ApiSchema, InputSchema, require_store_host
from shopwright.core.audit import Actor
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.requests import StoreRequest
from shopwright.customers.api import CustomerApiRequest, customer_auth
from shopwright.customers.models import Customer
from shopwright.privacy import consents, policies
from shopwright.privacy.models import ConsentChannel, PolicyVersion
from shopwright.stores.api import MerchantApiRequest, member_store, merchant_auth
from shopwright.stores.models import Role, Store

storefront_router = Router(tags=["privacy"])
merchant_router = Router(tags=["privacy"])

# What a customer turns on and off itself; the policy acceptance and a guardian's consent have their own flows.
CUSTOMER_PURPOSES = consents.WITHDRAWABLE_PURPOSES
API_EVIDENCE = "Changed through the shop's API."


class ConsentOut(ApiSchema):
    purpose: str
    label: str
    granted: bool  # the subject's latest choice
    # Whether the shop may use the data for it now: also false while processing is restricted
    # or a changed policy waits for acceptance.
    in_effect: bool


class ConsentsOut(ApiSchema):
    consents: list[ConsentOut]
    restricted: bool
    policy_to_accept: int | None  # the version number of a changed policy still to accept


class ConsentIn(InputSchema):
    granted: bool
    # The text the person saw when choosing (kept as the proof); a standard note when empty.
    evidence: str = Field("", max_length=5000)


class PolicyOut(ApiSchema):
    id: int
    version: int
    title: str
    body: str
    change_summary: str
    is_major: bool
    published_at: datetime.datetime | None


class PolicyVersionOut(PolicyOut):
    created_at: datetime.datetime
    notified_at: datetime.datetime | None


class AcceptIn(InputSchema):
    version: int = Field(..., ge=1, le=2**31 - 1)


class DraftIn(InputSchema):
    title: str
    body: str
    change_summary: str = ""
    is_major: bool = False


class StoreQuery(ApiSchema):
    store: str


def _consents(customer: Customer) -> ConsentsOut:
    state = consents.consent_state(customer=customer)
    due = policies.reconsent_needed(customer=customer)
    return ConsentsOut(
        consents=[
            ConsentOut(
                purpose=purpose.value,
                label=purpose.label,
                granted=state[purpose.value],
                in_effect=consents.processing_allowed(purpose=purpose, customer=customer),
            )
            for purpose in CUSTOMER_PURPOSES
        ],
        restricted=consents.is_restricted(customer=customer),
        policy_to_accept=due.version if due is not None else None,
    )


def _policy(version: PolicyVersion) -> PolicyOut:
    return PolicyOut(
        id=version.pk,
        version=version.version,
        title=version.title,
        body=version.body,
        change_summary=version.change_summary,
        is_major=version.is_major,
        published_at=version.published_at,
    )


def _version(version: PolicyVersion) -> PolicyVersionOut:
    return PolicyVersionOut(**_policy(version).dict(), created_at=version.created_at, notified_at=version.notified_at)


# --- the customer ---------------------------------------------------------------------------------------


@storefront_router.get(
    "/consents", auth=customer_auth, response={200: ConsentsOut, **ERRORS}, summary="My consents, purpose by purpose"
)
def consents_get(request: CustomerApiRequest) -> ConsentsOut:
    return _consents(request.auth)


@storefront_router.put(
    "/consents/{purpose}",
    auth=customer_auth,
    response={200: ConsentsOut, **ERRORS},
    summary="Give or withdraw one consent (takes effect at once)",
)
def consent_set(request: CustomerApiRequest, purpose: str, payload: ConsentIn) -> ConsentsOut:
    """`purpose`: marketing_email, personalisation, cookies_preferences, cookies_analytics or cookies_marketing."""
    if purpose not in {p.value for p in CUSTOMER_PURPOSES}:
        raise NotFound("No such consent purpose.")
    change = consents.consent_grant if payload.granted else consents.consent_withdraw
    change(
        purpose=purpose,
        customer=request.auth,
        channel=ConsentChannel.API,
        evidence=payload.evidence.replace("\x00", "").strip() or API_EVIDENCE,
    )
    return _consents(request.auth)


@storefront_router.get("/policy", response={200: PolicyOut, **ERRORS}, summary="The store's privacy policy in force")
def policy_get(request: StoreRequest) -> PolicyOut:
    store = require_store_host(request)
    current = policies.policy_current(store)
    if current is None:
        raise NotFound("This store has not published a privacy policy; the platform's applies.")
    return _policy(current)


@storefront_router.post(
    "/policy/accept",
    auth=customer_auth,
    response={200: ConsentsOut, **ERRORS},
    summary="Accept the store's changed privacy policy",
)
def policy_accept(request: CustomerApiRequest, payload: AcceptIn) -> ConsentsOut:
    """`version` is the version number shown; only the version in force can be accepted."""
    current = policies.policy_current(request.store)
    if current is None or current.version != payload.version:
        raise ApplicationError.for_field("version", "Only the policy in force can be accepted.", code="invalid_version")
    policies.policy_accept(version=current, customer=request.auth, channel=ConsentChannel.API, evidence=API_EVIDENCE)
    return _consents(request.auth)


# --- the merchant ------------------------------------------------------------------------------------------


def _store(request: MerchantApiRequest, handle: str, *, edit: bool = False) -> Store:
    roles = {Role.OWNER, Role.ADMIN} if edit else None
    return member_store(
        request, handle, roles=roles, refused="Only the store's owner and admins write its privacy policy."
    )


@merchant_router.get(
    "/policy/versions",
    auth=merchant_auth,
    response={200: list[PolicyVersionOut], **ERRORS},
    summary="A store's privacy policy versions, newest first (drafts included)",
)
def versions_list(request: MerchantApiRequest, query: Query[StoreQuery]) -> list[PolicyVersionOut]:
    store = _store(request, query.store)
    return [_version(v) for v in policies.policy_versions(store, published_only=False)]


@merchant_router.post(
    "/policy/drafts",
    auth=merchant_auth,
    response={201: PolicyVersionOut, **ERRORS},
    summary="Write the store's draft policy (creates it, or updates the one being written)",
)
def draft_save(request: MerchantApiRequest, query: Query[StoreQuery], payload: DraftIn) -> Status[PolicyVersionOut]:
    """Published versions never change: this edits the draft, or starts one numbered after the latest version."""
    store = _store(request, query.store, edit=True)
    draft = policies.policy_draft_save(
        store=store,
        title=payload.title,
        body=payload.body,
        change_summary=payload.change_summary,
        is_major=payload.is_major,
        author=request.auth,
        actor=Actor.user(request.auth),
    )
    return Status(201, _version(draft))


@merchant_router.post(
    "/policy/versions/{version_id}/publish",
    auth=merchant_auth,
    response={200: PolicyVersionOut, **ERRORS},
    summary="Publish a draft: it becomes the policy in force",
)
def version_publish(request: MerchantApiRequest, version_id: int, query: Query[StoreQuery]) -> PolicyVersionOut:
    """A major version emails every customer account (in batches) and asks each to accept it again."""
    store = _store(request, query.store, edit=True)
    if not 0 < version_id < 2**31:
        raise NotFound("No such policy version.")
    version = policies.policy_version_get(store, version_id=version_id)
    return _version(policies.policy_publish(version=version, actor=Actor.user(request.auth)))
