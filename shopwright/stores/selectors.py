"""Reads about platform users, stores and memberships."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.models import AuditEntry
from shopwright.core.tokens import hash_secret_token
from shopwright.stores.models import Domain, Membership, StaffInvitation, Store, User, UserApiToken

# What a handle can hold at all (the rules for a new one are in services.clean_handle).
_HANDLE_CHARS = re.compile(r"[A-Za-z0-9-]{1,63}")


def store_by_id(*, store_id: int) -> Store | None:
    return Store.objects.filter(pk=store_id).first()


def store_for_handle(*, handle: str) -> Store | None:
    """The store with this handle, or None; also None for a value that cannot be a handle.

    Checked before the query: PostgreSQL refuses a NUL byte in a query (a 500,
    not a 404), and case-folding a non-ASCII letter can produce an ASCII one
    (the Kelvin sign becomes "k"), naming a store the value does not spell.
    """
    if not _HANDLE_CHARS.fullmatch(handle):
        return None
    return Store.objects.filter(handle=handle.lower()).first()


def store_for_custom_domain(*, hostname: str) -> Store | None:
    domain = Domain.objects.select_related("store").filter(hostname=hostname.lower(), verified_at__isnull=False).first()
    return domain.store if domain else None


# --- the store of a request's host, remembered per process ----------------------------------
#
# Every storefront request starts by finding its store from the host; without
# this it is one query per request. Each process keeps the answers (including
# "no such store") for STORE_LOOKUP_CACHE_SECONDS in a bounded LRU. A save or
# delete of a store or domain clears the process's own copy at once (after
# commit); other processes see the change when their copy expires, so a
# suspended store stops answering everywhere within that many seconds.


class _HostLookups:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Store | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, now: float) -> tuple[bool, Store | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                return False, None
            self._entries.move_to_end(key)
            return True, entry[1]

    def put(self, key: str, store: Store | None, expires: float) -> None:
        with self._lock:
            self._entries[key] = (expires, store)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_host_lookups = _HostLookups(max_entries=1024)


def _remembered(key: str, look_up: Callable[[], Store | None]) -> Store | None:
    seconds = settings.STORE_LOOKUP_CACHE_SECONDS
    if seconds <= 0:
        return look_up()
    now = time.monotonic()
    found, store = _host_lookups.get(key, now)
    if not found:
        store = look_up()
        _host_lookups.put(key, store, now + seconds)
    # A copy: a request that changes its `request.store` must not change the next request's.
    return _own_copy(store)


def _own_copy(store: Store | None) -> Store | None:
    """What `copy.copy(store)` makes, without its pickling detour (Model.__reduce__, the app registry).

    Its own field values and its own model state and related-object cache,
    sharing only the (immutable) values themselves. A store has no binary
    field, so nothing of `Model.__getstate__`'s memoryview handling applies.
    """
    if store is None:
        return None
    clone = Store.__new__(Store)
    state = store.__dict__.copy()
    model_state = ModelState()
    model_state.__dict__.update(store._state.__dict__)
    model_state.fields_cache = dict(store._state.fields_cache)
    state["_state"] = model_state
    clone.__dict__ = state
    return clone


def store_for_handle_cached(*, handle: str) -> Store | None:
    """`store_for_handle`, remembered for a few seconds in this process (see above)."""
    return _remembered(f"handle:{handle.lower()}", lambda: store_for_handle(handle=handle))


def store_for_custom_domain_cached(*, hostname: str) -> Store | None:
    """`store_for_custom_domain`, remembered for a few seconds in this process (see above)."""
    return _remembered(f"domain:{hostname.lower()}", lambda: store_for_custom_domain(hostname=hostname))


def forget_host_lookups() -> None:
    """Drop every remembered host lookup of this process (stores change rarely: all at once is fine)."""
    _host_lookups.clear()


def _store_or_domain_changed(**kwargs: Any) -> None:
    # After commit: clearing earlier could let a concurrent request remember the old row again.
    transaction.on_commit(forget_host_lookups)


for _model in (Store, Domain):
    post_save.connect(_store_or_domain_changed, sender=_model, dispatch_uid=f"host-lookups-{_model.__name__}-save")
    post_delete.connect(_store_or_domain_changed, sender=_model, dispatch_uid=f"host-lookups-{_model.__name__}-del")


def store_name_for_id(*, store_id: int) -> str | None:
    """The store's name, remembered for a few seconds in this process like the host lookups above.

    The test provider's hosted page and every email's sender name ask for it.
    """
    store = _remembered(f"id:{store_id}", lambda: store_by_id(store_id=store_id))
    return store.name if store is not None else None


def stores_owned_by(*, user: User) -> list[Store]:
    """The stores the user owns, oldest first."""
    return list(Store.objects.filter(owner=user).order_by("created_at", "id"))


def store_names(*, store_ids: set[int]) -> dict[int, str]:
    """Store names by id, in one query (none for no ids)."""
    if not store_ids:
        return {}
    return dict(Store.objects.filter(pk__in=store_ids).values_list("id", "name"))


def has_pending_store(*, user: User) -> bool:
    """Whether the user owns a store still waiting for the owner's email verification."""
    return Store.objects.filter(owner=user, status=Store.Status.PENDING).exists()


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


def pending_invitations(*, store: Store) -> list[StaffInvitation]:
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


def account_activity(*, user: User, limit: int = 100) -> list[AuditEntry]:
    """The audit entries about the user's own account, newest first, for the user to read.

    Entries the user made (at any store) and entries about the account
    (sign-ins and failed attempts, verification, reveals of the user's data
    by a store's owner or admin). The audit log is not a tenant table: the
    entries span every store the user works at, by design.
    """
    return list(
        AuditEntry.objects.filter(
            Q(actor_type=AuditEntry.ActorType.USER, actor_id=user.pk)
            | Q(object_type=User._meta.label_lower, object_id=str(user.pk))
        ).order_by("-created_at", "-id")[:limit]
    )


def store_audit_log(*, store: Store, limit: int = 100) -> list[AuditEntry]:
    """The store's audit log for its owner and admins, newest first, in two queries.

    The store's own entries, and the platform sign-in events (`login.*`,
    recorded without a store) of the people who work at the store now, from
    the time they joined it: a member's sign-ins matter to the store; a
    former member's, a stranger's, or those from before joining do not.
    (The members are read first: the tenant guard allows a query on the
    membership table only with the store in its own WHERE clause.)
    """
    members = Membership.objects.filter(store=store).values_list("user_id", "created_at")
    since_joining = Q()
    for user_id, joined_at in members:
        since_joining |= Q(actor_id=user_id, created_at__gte=joined_at)
    condition = Q(store_id=store.pk)
    if since_joining:
        condition |= Q(store_id__isnull=True, action__startswith="login.", actor_type=AuditEntry.ActorType.USER) & (
            since_joining
        )
    return list(AuditEntry.objects.filter(condition).order_by("-created_at", "-id")[:limit])
