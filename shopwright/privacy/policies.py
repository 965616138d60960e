"""Privacy policies as versioned documents (F20, seed 7).

One policy for the platform (`store` None, written by operators) and one per
store (written by its owner or admins, starting from policy_templates). A
draft is the one unpublished version of a scope and can be edited; publishing
freezes it, and the next edit starts a new draft with the next number.

Publishing a version marked major emails every affected account (through
batched jobs, policy_tasks) and asks them to accept it again (the banner);
until they do, `consents.processing_allowed` refuses the purposes that need
consent.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.signals import post_save
from django.utils import timezone

from shopwright.core.audit import Actor, audit_record
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.core.validation import FieldErrors
from shopwright.privacy.models import ConsentPurpose, ConsentRecord, PolicyVersion

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store, User

# The policy banner's text (storefront and back office): kept as the evidence of the acceptance.
POLICY_BANNER_TEXT = (
    "We have changed our privacy policy. Please read the new version; we will not use your data for anything "
    "that needs your consent until you accept it."
)
TITLE_MAX = 200
BODY_MAX = 100_000
SUMMARY_MAX = 2_000
_MAJOR_CACHE_SECONDS = 60 * 60


def _store_id(store: Store | int | None) -> int | None:
    return store if store is None or isinstance(store, int) else store.pk


def _scope(store: Store | int | None) -> Q:
    """The versions of one scope: a store's (a Store or its id), or the platform's (None)."""
    store_id = _store_id(store)
    return Q(store__isnull=True) if store_id is None else Q(store_id=store_id)


def policy_current(store: Store | int | None) -> PolicyVersion | None:
    """The policy in force: the latest published version of the store's (or, for None, the platform's)."""
    return PolicyVersion.objects.filter(_scope(store), published_at__isnull=False).order_by("-version").first()


def policy_latest_major(store: Store | int | None) -> PolicyVersion | None:
    """The latest published version marked as a major change: consents older than it need re-acceptance."""
    return (
        PolicyVersion.objects.filter(_scope(store), published_at__isnull=False, is_major=True)
        .order_by("-version")
        .first()
    )


def _major_cache_key(store_id: int | None) -> str:
    return f"privacy:policy-major:{store_id or 'platform'}"


def policy_latest_major_cached(store: Store | int | None) -> PolicyVersion | None:
    """`policy_latest_major` through the cache, for the banners on every page.

    Publishing replaces the entry after commit; a new store's entry is
    written when the store is made (it has no policy), and the platform's
    when an account is made, so signed-in pages cost no query for it.
    """
    key = _major_cache_key(_store_id(store))
    cached = cache.get(key)
    if cached is None:
        major = policy_latest_major(store)
        cache.set(key, major or 0, _MAJOR_CACHE_SECONDS)
        return major
    return cached or None


def policy_versions(store: Store | None, *, published_only: bool = True) -> list[PolicyVersion]:
    """The scope's versions, newest first (drafts too when `published_only` is False)."""
    qs = PolicyVersion.objects.filter(_scope(store))
    if published_only:
        qs = qs.filter(published_at__isnull=False)
    return list(qs.order_by("-version"))


def policy_version_get(store: Store | None, *, version_id: int) -> PolicyVersion:
    """One version of this scope; another store's version is NotFound like a missing one."""
    found = PolicyVersion.objects.filter(_scope(store), pk=version_id).first()
    if found is None:
        raise NotFound("No such policy version.")
    return found


def policy_draft(store: Store | None) -> PolicyVersion | None:
    """The scope's unpublished version, if one is being written."""
    return PolicyVersion.objects.filter(_scope(store), published_at__isnull=True).order_by("-version").first()


def policy_draft_save(
    *,
    store: Store | None,
    title: str,
    body: str,
    change_summary: str = "",
    is_major: bool = False,
    author: User | None,
    actor: Actor,
) -> PolicyVersion:
    """Create or update the scope's draft. Published versions are never changed: this edits the draft,
    or starts one numbered after the latest version. Raises ApplicationError with field messages."""
    errors = FieldErrors()
    title = " ".join(str(title or "").replace("\x00", "").split())
    body = str(body or "").replace("\x00", "").replace("\r\n", "\n").strip()
    change_summary = str(change_summary or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not title:
        errors.add("title", "Give the policy a title.")
    elif len(title) > TITLE_MAX:
        errors.add("title", f"Keep the title under {TITLE_MAX} characters.")
    if not body:
        errors.add("body", "The policy text cannot be empty.")
    elif len(body) > BODY_MAX:
        errors.add("body", f"The policy text is limited to {BODY_MAX:,} characters.")
    if len(change_summary) > SUMMARY_MAX:
        errors.add("change_summary", f"Keep the summary of changes under {SUMMARY_MAX:,} characters.")
    errors.raise_if_any()
    try:
        with transaction.atomic():
            draft = (
                PolicyVersion.objects.select_for_update()
                .filter(_scope(store), published_at__isnull=True)
                .order_by("-version")
                .first()
            )
            if draft is None:
                latest = PolicyVersion.objects.filter(_scope(store)).aggregate(n=Max("version"))["n"] or 0
                draft = PolicyVersion(store=store, version=latest + 1, created_by=author)
            draft.title = title
            draft.body = body
            draft.change_summary = change_summary
            draft.is_major = bool(is_major)
            created = draft.pk is None
            if created:
                draft.save()
            else:
                draft.save(update_fields=["title", "body", "change_summary", "is_major"])
            audit_record(
                action="privacy.policy_draft_create" if created else "privacy.policy_draft_update",
                actor=actor,
                store=store,
                obj=draft,
                details={"version": draft.version},
            )
    except IntegrityError as exc:  # two editors started a draft at the same moment
        raise ApplicationError("Someone else started a draft at the same time; reload and try again.") from exc
    return draft


def policy_publish(*, version: PolicyVersion, actor: Actor) -> PolicyVersion:
    """Publish a draft: it becomes the policy in force and its text is frozen.

    A major version queues the emails to every affected account (after
    commit, batched in policy_tasks) and makes `reconsent_needed` answer it
    for them. Raises ApplicationError when the version is already published.
    """
    with transaction.atomic():
        locked = PolicyVersion.objects.select_for_update().filter(pk=version.pk).first()
        if locked is None:
            raise NotFound("No such policy version.")
        if locked.published_at is not None:
            raise ApplicationError(
                "This version is already published; edit the policy to start a new draft.", code="already_published"
            )
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        audit_record(
            action="privacy.policy_publish",
            actor=actor,
            store=locked.store,
            obj=locked,
            details={"version": locked.version, "major": locked.is_major},
        )
        store_id = locked.store_id
        transaction.on_commit(lambda: cache.delete(_major_cache_key(store_id)))
        transaction.on_commit(lambda: policy_latest_major_cached(store_id))
        if locked.is_major:
            from shopwright.privacy.policy_tasks import policy_notify_task

            pk = locked.pk
            transaction.on_commit(lambda: policy_notify_task(pk))
    version.published_at = locked.published_at
    return locked


def _subject_since(customer: Customer | None, user: User | None) -> datetime.datetime:
    if customer is not None:
        return customer.created_at
    assert user is not None
    return user.date_joined


def policy_accepted_version(*, customer: Customer | None = None, user: User | None = None) -> int:
    """The highest policy version number the subject's latest acceptance covers (0: none)."""
    if (customer is None) == (user is None):
        raise ApplicationError("A policy is accepted by exactly one customer or user.", code="invalid_subject")
    records = ConsentRecord.objects.filter(purpose=ConsentPurpose.PRIVACY_POLICY)
    records = records.filter(customer_id=customer.pk) if customer is not None else records.filter(user_id=user.pk)  # type: ignore[union-attr]
    latest = records.select_related("policy_version").order_by("-created_at", "-id").first()
    if latest is None or not latest.granted or latest.policy_version is None:
        return 0
    return latest.policy_version.version


def reconsent_needed(
    *, customer: Customer | None = None, user: User | None = None, cached: bool = False
) -> PolicyVersion | None:
    """The major version the subject still has to accept, or None.

    A customer answers to its store's policy, a user (merchant) to the
    platform's. Only accounts that existed when the major version was
    published are asked; later accounts signed up under it. `cached` reads
    the latest major version through the cache (the banner on every page).
    """
    if (customer is None) == (user is None):
        raise ApplicationError("A policy is accepted by exactly one customer or user.", code="invalid_subject")
    scope = customer.store_id if customer is not None else None
    major = policy_latest_major_cached(scope) if cached else policy_latest_major(scope)
    if major is None or major.published_at is None:
        return None
    if _subject_since(customer, user) >= major.published_at:
        return None
    if policy_accepted_version(customer=customer, user=user) >= major.version:
        return None
    return major


def policy_accept(
    *,
    version: PolicyVersion,
    customer: Customer | None = None,
    user: User | None = None,
    evidence: str,
    channel: str = "policy_banner",
    actor: Actor | None = None,
) -> ConsentRecord:
    """The subject accepts this published version (the banner's button): one PRIVACY_POLICY consent record.

    Raises ApplicationError when the version is a draft or belongs to
    another scope than the subject's.
    """
    from shopwright.privacy import consents

    scope_id = customer.store_id if customer is not None else None
    if version.published_at is None or version.store_id != scope_id:
        raise ApplicationError("This policy version cannot be accepted here.", code="invalid_version")
    return consents.consent_grant(
        purpose=ConsentPurpose.PRIVACY_POLICY,
        customer=customer,
        user=user,
        channel=channel,
        evidence=evidence,
        actor=actor,
        policy_version=version,
    )


NOTIFY_BATCH = 200
NOTIFY_EMAIL_KIND = "privacy_policy_changed"
NOTIFY_STALL = datetime.timedelta(minutes=10)


def _notify_recipients(version: PolicyVersion, *, after_id: int) -> list[tuple[int, str, str]]:
    """(id, email, name) of the next accounts to tell about `version`, in id order after `after_id`."""
    if version.store_id is not None:
        from shopwright.customers.models import Customer

        customers = (
            Customer.objects.filter(
                store_id=version.store_id,
                is_active=True,
                erasure_locked_at__isnull=True,
                created_at__lt=version.published_at,
                pk__gt=after_id,
            )
            .only("pk", "email", "name")
            .order_by("pk")[:NOTIFY_BATCH]
        )
        return [(c.pk, c.email, c.name) for c in customers]
    from shopwright.stores.models import User

    users = (
        User.objects.filter(
            is_active=True, erasure_locked_at__isnull=True, date_joined__lt=version.published_at, pk__gt=after_id
        )
        .only("pk", "email", "full_name")
        .order_by("pk")[:NOTIFY_BATCH]
    )
    return [(u.pk, u.email, u.full_name) for u in users]


def policy_notify_batch(*, version_id: int, after_id: int = 0) -> int | None:
    """Email the next batch of accounts about a published major version; the cursor for the next batch, or None.

    Resumable and idempotent: a batch runs under a lock on the version and
    skips anyone already emailed about it (a rerun from the start sends no
    duplicates), and the last batch sets `notified_at`. A version that is
    superseded by a newer major one stops: its readers get the newer email.
    """
    from shopwright.core.crypto import blind_index
    from shopwright.core.emails import email_queue
    from shopwright.core.links import platform_url, store_url
    from shopwright.core.models import Email

    with transaction.atomic():
        version = (
            # NO KEY UPDATE: batches still take turns, but every consent given under this version meanwhile
            # (a visitor's cookie choice, a sign-up) checks its foreign key to it with FOR KEY SHARE at commit,
            # which FOR UPDATE would hold up until the batch's emails were written (stores.locks, the same case).
            PolicyVersion.objects.select_for_update(of=("self",), no_key=True)
            .select_related("store")
            .filter(pk=version_id)
            .first()
        )
        if version is None or version.published_at is None or not version.is_major or version.notified_at:
            return None
        newer = policy_latest_major(version.store_id)
        batch = _notify_recipients(version, after_id=after_id) if newer is None or newer.pk == version.pk else []
        if batch:
            already = set(
                Email.objects.filter(
                    kind=NOTIFY_EMAIL_KIND,
                    store_id=version.store_id,
                    created_at__gte=version.published_at,
                    to_index__in=[blind_index(email) for _, email, _ in batch],
                ).values_list("to_index", flat=True)
            )
            if version.store is not None:
                policy_url = store_url(version.store, "/privacy/policy/")
                site_url = store_url(version.store, "/")
                site_name = version.store.name
            else:
                policy_url = platform_url("/privacy/")
                site_url = platform_url("/office/")
                site_name = settings.PLATFORM_NAME
            for _pk, email, name in batch:
                if blind_index(email) in already:
                    continue
                email_queue(
                    kind=NOTIFY_EMAIL_KIND,
                    to=email,
                    store=version.store,
                    context={
                        "name": name,
                        "site_name": site_name,
                        "site_url": site_url,
                        "policy_url": policy_url,
                        "version": version.version,
                        "title": version.title,
                        "change_summary": version.change_summary,
                    },
                )
        if len(batch) < NOTIFY_BATCH:
            version.notified_at = timezone.now()
            version.save(update_fields=["notified_at"])
            audit_record(
                action="privacy.policy_notified",
                actor=Actor.system(),
                store=version.store,
                obj=version,
                details={"version": version.version},
            )
            return None
        return batch[-1][0]


def policy_notify_pending(*, now: datetime.datetime | None = None) -> int:
    """Restart the emails of published major versions whose chain of batches stalled (the periodic safety net).

    A version counts as stalled when it was published over NOTIFY_STALL ago,
    is not fully notified, and none of its emails was queued within
    NOTIFY_STALL (a running chain queues one every few seconds). Returns how
    many versions were restarted; a restart skips whoever was emailed already.
    """
    from shopwright.core.models import Email
    from shopwright.privacy.policy_tasks import policy_notify_task

    now = now or timezone.now()
    quiet_since = now - NOTIFY_STALL
    pending = PolicyVersion.objects.filter(
        is_major=True, published_at__isnull=False, published_at__lt=quiet_since, notified_at__isnull=True
    ).order_by("pk")
    restarted = 0
    for version in pending:
        busy = Email.objects.filter(
            kind=NOTIFY_EMAIL_KIND, store_id=version.store_id, created_at__gte=quiet_since
        ).exists()
        if not busy:
            policy_notify_task(version.pk)
            restarted += 1
    return restarted


def _new_store_has_no_policy(sender: Any, instance: Store, created: bool, **kwargs: Any) -> None:
    if created:
        cache.set(_major_cache_key(instance.pk), 0, _MAJOR_CACHE_SECONDS)


def _warm_platform_policy(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    if created:
        policy_latest_major_cached(None)


def connect_signals() -> None:
    """Called by PrivacyConfig.ready: keep the banners' cache entries warm for new stores and accounts."""
    post_save.connect(_new_store_has_no_policy, sender="stores.Store", dispatch_uid="privacy.policy_cache_store")
    post_save.connect(_warm_platform_policy, sender="stores.User", dispatch_uid="privacy.policy_cache_user")
