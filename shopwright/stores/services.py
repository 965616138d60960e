"""Writes about merchants, stores and staff. Each is one transaction and audits itself."""

from __future__ import annotations

import datetime
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.emails import email_queue
from shopwright.core.exceptions import ApplicationError, NotFound, PermissionDeniedError, RateLimited
from shopwright.core.links import platform_url
from shopwright.core.signin import sign_in_with_password
from shopwright.core.throttle import rate_limit_hit
from shopwright.core.tokens import hash_secret_token, make_token, new_secret_token, read_token, state_matches
from shopwright.core.validation import (
    FieldErrors,
    clean_choice,
    clean_country,
    clean_email,
    clean_password,
    clean_phone,
    clean_text,
)
from shopwright.stores import selectors
from shopwright.stores.models import (
    BusinessScale,
    Industry,
    Membership,
    Role,
    StaffInvitation,
    Store,
    User,
    UserApiToken,
)

# Names a store may not take: platform hosts, mail and infrastructure names,
# and words that would let a store pose as the platform.
RESERVED_HANDLES = frozenset(
    """
    www www1 www2 admin administrator api app apps assets auth billing blog cdn checkout
    dashboard demo-admin dev docs email ftp help imap localhost login mail media mx news
    ns ns1 ns2 office operator operators pay payment payments pop pop3 root security shop
    shopwright signup smtp stage staging static status store stores support system test
    webmail
    """.split()
)
HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
VERIFICATION_RESEND_INTERVAL = 60
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3
INVITATION_LIFETIME = datetime.timedelta(days=7)
API_TOKEN_LIFETIME = datetime.timedelta(days=30)
# Invitations one store may send per hour: invitations are mail from the platform's domain.
STAFF_INVITATIONS_PER_STORE_PER_HOUR = 20
PLATFORM_SCOPE = "platform"
UNVERIFIED_STORE_CREATE = "Verify your email address before creating another store."
UNVERIFIED_INVITE = "Verify your email address before inviting staff."
ACCOUNT_EXISTS_FOR_INVITATION = "An account with this email already exists. Sign in to accept the invitation."
# What the staff list shows in full after a reveal (and the reveal's audit entry names).
REVEALED_MEMBER_FIELDS = ("full_name", "email")


def clean_handle(value: object, errors: FieldErrors, field: str = "store_handle") -> str:
    handle = str(value or "").strip().lower()
    if not handle:
        errors.add(field, "Choose a store address.")
        return ""
    if "--" in handle:
        errors.add(field, "A store address cannot contain two hyphens in a row.")
        return ""
    if not HANDLE_RE.fullmatch(handle):
        errors.add(
            field,
            "A store address has 3 to 63 characters: letters a-z, digits and hyphens, "
            "not starting or ending with a hyphen.",
        )
        return ""
    if handle in RESERVED_HANDLES:
        errors.add(field, "This store address is reserved. Please choose another.")
        return ""
    return handle


@dataclass(frozen=True)
class SignupResult:
    user: User
    store: Store


def merchant_signup(
    *,
    email: str,
    password: str,
    full_name: str,
    phone: str,
    country: str,
    industry: str,
    business_scale: str,
    store_name: str,
    store_handle: str,
    ip: str = "",
) -> SignupResult:
    """Create the merchant's account, its first store (pending) and the owner membership.

    The store goes live when the emailed verification link is followed.
    Raises ApplicationError with per-field messages; on any error nothing is
    written. Two signups racing for one handle: the unique index lets one win
    and the other gets the "taken" message.
    """
    errors = FieldErrors()
    email = clean_email(email, errors)
    full_name = clean_text(full_name, errors, "full_name", label="your name", max_length=150)
    country = clean_country(country, errors)
    phone = clean_phone(phone, errors, region=country)
    industry = clean_choice(industry, errors, "industry", choices=Industry.choices, label="an industry")
    business_scale = clean_choice(
        business_scale, errors, "business_scale", choices=BusinessScale.choices, label="a business scale"
    )
    store_name = clean_text(store_name, errors, "store_name", label="a store name", max_length=100)
    handle = clean_handle(store_handle, errors)
    password = clean_password(password, errors, email=email, full_name=full_name)
    if not errors:
        # Well-formed attempts count: a flood of sign-ups (or of probes for
        # which emails have accounts) from one address stops here.
        rate_limit_hit(
            action="merchant-signup",
            subject=ip,
            limit=settings.SIGNUP_LIMITS["merchant_signups_per_hour"],
            window_seconds=3600,
        )
    if email and selectors.user_by_email(email=email):
        errors.add("email", "An account with this email already exists. Sign in instead.")
    if handle and selectors.handle_is_taken(handle=handle):
        errors.add("store_handle", "This store address is taken. Please choose another.")
    errors.raise_if_any()

    try:
        with transaction.atomic():
            user = User(
                email=email,
                email_index=crypto.blind_index(email),
                full_name=full_name,
                phone=phone,
                country=country,
                industry=industry,
                business_scale=business_scale,
            )
            user.set_password(password)
            user.save()
            store = Store.objects.create(owner=user, handle=handle, name=store_name, country=country)
            Membership.objects.create(store=store, user=user, role=Role.OWNER)
            actor = Actor.user(user)
            audit_record(action="merchant.signup", actor=actor, obj=user, ip=ip)
            audit_record(action="store.create", actor=actor, store=store, obj=store, ip=ip)
            _queue_verification_email(user=user, store=store)
    except IntegrityError as exc:
        # Lost a race with a concurrent signup: say which value was taken.
        if selectors.handle_is_taken(handle=handle):
            raise ApplicationError.for_field(
                "store_handle", "This store address is taken. Please choose another.", code="taken"
            ) from exc
        raise ApplicationError.for_field(
            "email", "An account with this email already exists. Sign in instead.", code="taken"
        ) from exc
    return SignupResult(user=user, store=store)


def _verification_state(user: User) -> str:
    """What a verification link is bound to: the address itself (normalised).

    Not the blind index: `rotate-keys` recomputes every index, and links
    bound to it would all stop working. A token holds only a keyed digest of
    its state (core.tokens), never the address.
    """
    return crypto.normalise(user.email)


def email_verification_token(*, user: User) -> str:
    """The token of the link that verifies the user's current email address."""
    return make_token(purpose="verify-email", subject_id=user.pk, state=_verification_state(user))


def _verification_link_matches(digest: str, user: User) -> bool:
    return state_matches(digest, _verification_state(user))


def _queue_verification_email(*, user: User, store: Store | None) -> None:
    token = email_verification_token(user=user)
    email_queue(
        kind="verify_email",
        to=user.email,
        context={
            "name": user.full_name,
            "verify_url": platform_url(f"/verify-email/{token}/"),
            "store_name": store.name if store else "",
        },
    )


def user_resend_verification(*, user: User) -> bool:
    """Send the verification link again; at most once a minute, so the button cannot flood a mailbox.

    Returns False when the email is already verified. Raises RateLimited when
    a link went out less than VERIFICATION_RESEND_INTERVAL seconds ago.
    """
    if user.email_verified:
        return False
    if not cache.add(f"verify-resend:{user.pk}", 1, timeout=VERIFICATION_RESEND_INTERVAL):
        raise RateLimited(
            "We sent you a link less than a minute ago. Check your inbox (and spam folder) first.",
            retry_after=VERIFICATION_RESEND_INTERVAL,
        )
    first_store = Store.objects.filter(owner=user).order_by("id").first()
    with transaction.atomic():
        _queue_verification_email(user=user, store=first_store)
    return True


@transaction.atomic
def user_verify_email(*, token: str, ip: str = "") -> User:
    """Mark the email verified and put the user's pending stores live. Idempotent."""
    parsed = read_token(token=token, purpose="verify-email", max_age_seconds=EMAIL_VERIFICATION_MAX_AGE)
    if parsed is None:
        raise ApplicationError("This verification link is invalid or has expired.", code="invalid_token")
    user_id, digest = parsed
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or not _verification_link_matches(digest, user):
        raise ApplicationError("This verification link is invalid or has expired.", code="invalid_token")
    if user.email_verified_at is None:
        now = timezone.now()
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
        audit_record(action="merchant.email_verified", actor=Actor.user(user), obj=user, ip=ip)
        for store in Store.objects.filter(owner=user, status=Store.Status.PENDING):
            store.status = Store.Status.LIVE
            store.went_live_at = now
            store.save(update_fields=["status", "went_live_at"])
            audit_record(action="store.live", actor=Actor.user(user), store=store, obj=store, ip=ip)
    return user


def store_create(*, owner: User, name: str, handle: str, ip: str = "") -> Store:
    """Another store for an existing merchant; live at once if the owner's email is verified.

    An unverified owner who already has a store waiting for verification is
    refused (ApplicationError "unverified"): unverified accounts cannot
    reserve store addresses without limit. Checked again with the owner's
    row locked, so two simultaneous requests cannot both pass.
    """
    if not owner.email_verified and selectors.has_pending_store(user=owner):
        raise ApplicationError(UNVERIFIED_STORE_CREATE, code="unverified")
    errors = FieldErrors()
    name = clean_text(name, errors, "store_name", label="a store name", max_length=100)
    handle = clean_handle(handle, errors)
    if handle and selectors.handle_is_taken(handle=handle):
        errors.add("store_handle", "This store address is taken. Please choose another.")
    errors.raise_if_any()
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=owner.pk)
            live = locked.email_verified
            if not live and selectors.has_pending_store(user=locked):
                raise ApplicationError(UNVERIFIED_STORE_CREATE, code="unverified")
            store = Store.objects.create(
                owner=owner,
                handle=handle,
                name=name,
                country=owner.country,
                status=Store.Status.LIVE if live else Store.Status.PENDING,
                went_live_at=timezone.now() if live else None,
            )
            Membership.objects.create(store=store, user=owner, role=Role.OWNER)
            audit_record(action="store.create", actor=Actor.user(owner), store=store, obj=store, ip=ip)
    except IntegrityError as exc:
        raise ApplicationError.for_field(
            "store_handle", "This store address is taken. Please choose another.", code="taken"
        ) from exc
    return store


def require_role(*, user: User, store: Store, roles: set[str]) -> Membership:
    """The user's membership at the store if its role is one of `roles`.

    Raises NotFound when the user does not work at the store (the same answer
    as for a store that does not exist) and PermissionDeniedError when the
    role is not enough.
    """
    membership = selectors.membership_for(user=user, store=store)
    if membership is None:
        raise NotFound("No such store.")
    if membership.role not in roles:
        raise PermissionDeniedError("Your role at this store does not allow this.")
    return membership


def staff_invite(*, store: Store, inviter: User, email: str, role: str, ip: str = "") -> StaffInvitation:
    """Invite someone by email to join the store's staff as admin or staff.

    The inviter's own email must be verified (ApplicationError "unverified"),
    and a store sends at most STAFF_INVITATIONS_PER_STORE_PER_HOUR
    invitations an hour (RateLimited): invitations are mail from the
    platform's domain, not a way to send spam or phishing through it.
    """
    require_role(user=inviter, store=store, roles={Role.OWNER, Role.ADMIN})
    if not inviter.email_verified:
        raise ApplicationError(UNVERIFIED_INVITE, code="unverified")
    errors = FieldErrors()
    email = clean_email(email, errors)
    role = clean_choice(role, errors, "role", choices=[(Role.ADMIN, "Admin"), (Role.STAFF, "Staff")], label="a role")
    errors.raise_if_any()
    try:
        rate_limit_hit(
            action="staff-invite",
            subject=f"store:{store.pk}",
            limit=STAFF_INVITATIONS_PER_STORE_PER_HOUR,
            window_seconds=3600,
        )
    except RateLimited as exc:
        raise RateLimited(
            "This store has sent the most invitations allowed in an hour. Please try again later.",
            retry_after=exc.retry_after,
        ) from exc
    existing = selectors.user_by_email(email=email)
    if existing and selectors.membership_for(user=existing, store=store):
        raise ApplicationError.for_field("email", "This person already works at this store.", code="member")
    secret, secret_hash = new_secret_token("inv")
    with transaction.atomic():
        invitation = StaffInvitation.objects.create(
            store=store,
            email=email,
            email_index=crypto.blind_index(email),
            role=role,
            token_hash=secret_hash,
            invited_by=inviter,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        audit_record(
            action="staff.invite",
            actor=Actor.user(inviter),
            store=store,
            obj=invitation,
            ip=ip,
            details={"role": role},
        )
        email_queue(
            kind="staff_invitation",
            to=email,
            store=store,
            context={
                "inviter_name": inviter.full_name,
                "role": Role(role).label,
                "accept_url": platform_url(f"/office/invitations/{store.pk}.{invitation.pk}.{secret}/"),
            },
        )
    return invitation


def staff_invitation_for_token(*, token: str, lock: bool = False) -> StaffInvitation:
    """The open invitation an emailed link names (`<store id>.<invitation id>.<secret>`).

    Raises ApplicationError (code "invalid_token") for a malformed, forged,
    accepted or expired link. With `lock=True` the invitation row is locked
    until the caller's transaction ends, so call it inside
    `transaction.atomic()`: a second use of the link then waits for the first
    and finds it accepted.
    """
    try:
        store_id_s, invitation_id_s, secret = token.split(".", 2)
        store_id, invitation_id = int(store_id_s), int(invitation_id_s)
    except ValueError as exc:
        raise ApplicationError("This invitation link is invalid.", code="invalid_token") from exc
    expected_hash = hash_secret_token(secret)
    invitations = StaffInvitation.objects.select_related("store").filter(
        store_id=store_id, pk=invitation_id, accepted_at__isnull=True, expires_at__gt=timezone.now()
    )
    if lock:
        # The invitation row only: the joined store row is not locked.
        invitations = invitations.select_for_update(of=("self",))
    # The filter is evaluated on the locked row: an accept that committed while
    # this one waited for the lock leaves nothing to find.
    invitation = invitations.first()
    if invitation is None or not hmac.compare_digest(invitation.token_hash, expected_hash):
        raise ApplicationError("This invitation link is invalid or has expired.", code="invalid_token")
    return invitation


def staff_invitation_accept(*, token: str, user: User, ip: str = "") -> Membership:
    """Join the store as invited. The signed-in account must hold the invited email.

    One transaction with the invitation row locked: of two simultaneous uses
    of one link, the second finds it accepted and is refused (ApplicationError
    "invalid_token"). Raises PermissionDeniedError for another account.
    """
    with transaction.atomic():
        invitation = staff_invitation_for_token(token=token, lock=True)
        if invitation.email_index not in crypto.blind_index_candidates(user.email) and not _same_email(
            invitation.email, user.email
        ):
            raise PermissionDeniedError(
                "This invitation was sent to another email address. Sign in with that address to accept it."
            )
        return _invitation_accept(invitation=invitation, user=user, ip=ip)


def _invitation_accept(*, invitation: StaffInvitation, user: User, ip: str) -> Membership:
    """Record the join. Must run inside the transaction that locked `invitation`."""
    membership, _ = Membership.objects.get_or_create(
        store=invitation.store, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="staff.join",
        actor=Actor.user(user),
        store=invitation.store,
        obj=membership,
        ip=ip,
        details={"role": membership.role, "invitation": invitation.pk},
    )
    return membership


def _same_email(a: str, b: str) -> bool:
    return crypto.normalise(a) == crypto.normalise(b)


@transaction.atomic
def membership_change_role(*, store: Store, actor: User, membership_id: int, role: str, ip: str = "") -> Membership:
    """Only the owner changes roles; the owner's own role cannot change here."""
    require_role(user=actor, store=store, roles={Role.OWNER})
    errors = FieldErrors()
    role = clean_choice(role, errors, "role", choices=[(Role.ADMIN, "Admin"), (Role.STAFF, "Staff")], label="a role")
    errors.raise_if_any()
    membership = Membership.objects.select_for_update().filter(store=store, pk=membership_id).first()
    if membership is None:
        raise NotFound("No such staff member.")
    if membership.role == Role.OWNER:
        raise ApplicationError.for_field("role", "The owner's role cannot be changed.", code="owner")
    previous = membership.role
    if previous != role:
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            action="staff.role_change",
            actor=Actor.user(actor),
            store=store,
            obj=membership,
            ip=ip,
            details={"from": previous, "to": role},
        )
    return membership


@transaction.atomic
def staff_member_reveal(*, store: Store, actor: User, membership_id: int, ip: str = "") -> Membership:
    """One staff member's name and email, in full, for an owner or admin; audited.

    The audit entry (`personal_data.reveal`) names the fields the staff list
    then shows unmasked: REVEALED_MEMBER_FIELDS. Raises NotFound for a
    membership of another store (the same answer as for none) and
    PermissionDeniedError for staff.
    """
    require_role(user=actor, store=store, roles={Role.OWNER, Role.ADMIN})
    membership = Membership.objects.select_related("user").filter(store=store, pk=membership_id).first()
    if membership is None:
        raise NotFound("No such staff member.")
    audit_record(
        action="personal_data.reveal",
        actor=Actor.user(actor),
        store=store,
        obj=membership.user,
        ip=ip,
        details={"fields": list(REVEALED_MEMBER_FIELDS), "context": "staff list"},
    )
    return membership


def merchant_authenticate(*, email: str, password: str, ip: str) -> User:
    """Check a merchant's credentials under the login throttle (see core.signin)."""
    return sign_in_with_password(
        scope=PLATFORM_SCOPE,
        area="platform",
        email=email,
        password=password,
        ip=ip,
        find=lambda value: selectors.user_by_email(email=value),
        # The hash is checked first, always: a deactivated account must not answer faster.
        password_ok=lambda user, raw: (
            check_password(raw, user.password, setter=_rehash_setter(user)) and user.is_active
        ),
        actor=Actor.user,
    )


def _rehash_setter(user: User) -> Callable[[str], None]:
    def setter(raw_password: str) -> None:
        user.set_password(raw_password)
        user.save(update_fields=["password"])

    return setter


def user_api_token_create(*, user: User) -> str:
    """A new bearer token for the merchant API; only its hash is stored."""
    token, token_hash = new_secret_token("swu")
    UserApiToken.objects.create(user=user, key_hash=token_hash, expires_at=timezone.now() + API_TOKEN_LIFETIME)
    return token


def user_api_token_revoke(*, token: str) -> None:
    UserApiToken.objects.filter(key_hash=hash_secret_token(token)).delete()


def staff_account_create(*, token: str, full_name: str, password: str, ip: str = "") -> Membership:
    """Create a platform account for an invitee who has none, and join the store.

    Following the emailed link proves the address, so the account starts
    verified. Account and membership are written in one transaction with the
    invitation locked: on any error nothing is written, and of two
    simultaneous submissions one creates the account and the other is refused
    (the link is used, or the email is taken: the usual field message).
    """
    invitation = staff_invitation_for_token(token=token)
    errors = FieldErrors()
    full_name = clean_text(full_name, errors, "full_name", label="your name", max_length=150)
    password = clean_password(password, errors, email=invitation.email, full_name=full_name)
    if selectors.user_by_email(email=invitation.email):
        errors.add("email", ACCOUNT_EXISTS_FOR_INVITATION)
    errors.raise_if_any()
    user = User(
        email=invitation.email,
        email_index=crypto.blind_index(invitation.email),
        full_name=full_name,
        email_verified_at=timezone.now(),
    )
    user.set_password(password)  # hashing is slow: before the transaction, not while holding the lock
    try:
        with transaction.atomic():
            invitation = staff_invitation_for_token(token=token, lock=True)
            user.save()
            audit_record(action="staff.signup", actor=Actor.user(user), obj=user, ip=ip)
            membership = _invitation_accept(invitation=invitation, user=user, ip=ip)
    except IntegrityError as exc:
        # Someone created an account with this email meanwhile (the unique index on its blind index).
        raise ApplicationError.for_field("email", ACCOUNT_EXISTS_FOR_INVITATION, code="taken") from exc
    return membership
