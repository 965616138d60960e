"""Reads about platform users, stores and memberships."""

from __future__ import annotations

from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.tokens import hash_secret_token
from shopwright.stores.models import Domain, Membership, Store, User, UserApiToken


def store_for_handle(*, handle: str) -> Store | None:
    return Store.objects.filter(handle=handle.lower()).first()


def store_for_custom_domain(*, hostname: str) -> Store | None:
    domain = Domain.objects.select_related("store").filter(hostname=hostname.lower(), verified_at__isnull=False).first()
    return domain.store if domain else None


def store_name_for_id(*, store_id: int) -> str | None:
    return Store.objects.filter(pk=store_id).values_list("name", flat=True).first()


def handle_is_taken(*, handle: str) -> bool:
    return Store.objects.filter(handle=handle.lower()).exists()


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email_index__in=crypto.blind_index_candidates(email)).first()


def memberships_for_user(*, user: User) -> list[Membership]:
    """The stores a user works at, with the store loaded, oldest first."""
    from shopwright.core.tenancy import cross_store_access

    with cross_store_access("a user's own memberships span the stores they work at"):
        return list(Membership.objects.select_related("store").filter(user=user).order_by("created_at", "id"))


def membership_for(*, user: User, store: Store) -> Membership | None:
    return Membership.objects.filter(store=store, user=user).first()


def store_members(*, store: Store) -> list[Membership]:
    return list(Membership.objects.select_related("user").filter(store=store).order_by("created_at", "id"))


def pending_invitations(*, store: Store) -> list:
    from shopwright.stores.models import StaffInvitation

    return list(
        StaffInvitation.objects.filter(store=store, accepted_at__isnull=True, expires_at__gt=timezone.now()).order_by(
            "-created_at"
        )
    )


def user_for_api_token(*, token: str) -> User | None:
    row = (
        UserApiToken.objects.select_related("user")
        .filter(key_hash=hash_secret_token(token), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    return row.user if row else None
