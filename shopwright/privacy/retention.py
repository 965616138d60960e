"""Retention (F19, seed 3(2)): how long each kind of personal data is kept, and the daily purge.

The policy is a table of rules (`RULES`): one per retention category of the
data map (datamap.Retention) and one per concrete kind of short-lived data.
Each rule has a default in code and legal bounds; a store may set its own
period within the bounds (privacy.RetentionOverride), through
`retention_set`. Rules marked not editable are fixed by law, by the issue
or because the data is platform-wide (sessions).

`retention_purge` (daily, privacy.retention_tasks) deletes or anonymises
whatever has expired and writes a PurgeReport with a count per category.

When an order is complete (the start of its TRANSACTION period)
-------------------------------------------------------------------
An order completes when it reaches a final state; since a paid order may
still be fulfilled, cancelled or refunded later, its completion is the
*latest* of: placement (`created_at`), payment (`paid_at`), fulfilment
(`fulfilled_at`), cancellation (`cancelled_at`) and its last refund
(`payments.Refund.created_at`). A paid order that is never fulfilled thus
completes at payment, and any later refund or shipment starts the period
again. An order is anonymised when that moment is at least the store's
TRANSACTION period (never under 1,095 days) in the past; since every one of
those times must then lie before the cut-off, the query needs no computed
column: `created_at <= cutoff` (index `order_store_created`) and each
other time null or before the cut-off, and no refund after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from shopwright.core.audit import Actor, audit_record
from shopwright.core.models import Email
from shopwright.core.validation import FieldErrors
from shopwright.customers.services import GUARDIAN_CONSENT_DAYS
from shopwright.privacy.datamap import Retention
from shopwright.privacy.models import DataRequest, PurgeReport, RequestStatus, RetentionOverride
from shopwright.stores.models import Store

logger = logging.getLogger(__name__)

BATCH = 200
# Deletions of rows nothing else points at go in bigger batches.
DELETE_BATCH = 1000

# Fixed periods other modules share.
CLOSURE_GRACE_DAYS = 30
EXPORT_LINK_DAYS = 7


@dataclass(frozen=True)
class RetentionRule:
    """One line of the retention table."""

    key: str  # RetentionOverride.retention
    retention: Retention
    label: str
    covers: str
    default_days: int | None  # None: kept as long as the account exists
    min_days: int
    max_days: int
    editable: bool = True
    bound_reason: str = ""

    def check(self, days: int) -> str:
        """The message for a period outside the bounds; "" when it is allowed."""
        if days < self.min_days:
            reason = f" ({self.bound_reason})" if self.bound_reason else ""
            return f"Keep {self.label.lower()} at least {self.min_days} days{reason}."
        if days > self.max_days:
            return f"Keep {self.label.lower()} at most {self.max_days} days; longer is more than the purpose needs."
        return ""


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        key="account",
        retention=Retention.ACCOUNT,
        label="Accounts",
        covers="Customer accounts, profiles, addresses, favourites, carts and consent records.",
        default_days=None,
        min_days=0,
        max_days=0,
        editable=False,
        bound_reason="kept while the account exists; deleted with it",
    ),
    RetentionRule(
        key="transaction",
        retention=Retention.TRANSACTION,
        label="Orders and payments",
        covers="Orders, their payments, refunds and shipments: anonymised this many days after the order completed.",
        default_days=1095,
        min_days=1095,
        max_days=3650,
        bound_reason="the law requires transaction records for at least 3 years after completion",
    ),
    RetentionRule(
        key="requests",
        retention=Retention.AUDIT,
        label="Closed privacy requests' details",
        covers="The email, agent's details and messages of a closed privacy request: emptied after this many days.",
        default_days=90,
        min_days=30,
        max_days=1095,
        bound_reason="the proof of an answer must stay long enough to handle a complaint",
    ),
    RetentionRule(
        key="audit",
        retention=Retention.AUDIT,
        label="Closed privacy requests",
        covers="The record that a privacy request was handled (kind, dates, outcome): deleted after this many days.",
        default_days=1095,
        min_days=365,
        max_days=3650,
        bound_reason="the proof of an answer must stay long enough to handle a complaint",
    ),
    RetentionRule(
        key="emails",
        retention=Retention.SHORT,
        label="Sent emails",
        covers="Copies of emails sent to customers (recipient and content): deleted after this many days.",
        default_days=30,
        min_days=7,
        max_days=365,
        bound_reason="delivery problems are looked into within a week",
    ),
    RetentionRule(
        key="checkouts",
        retention=Retention.SHORT,
        label="Abandoned checkouts",
        covers="Contact details and addresses typed at checkout: deleted when untouched for this many days.",
        default_days=30,
        min_days=1,
        max_days=180,
    ),
    RetentionRule(
        key="sessions",
        retention=Retention.SHORT,
        label="Expired sessions",
        covers="Sign-in sessions of the whole platform: deleted once they expire.",
        default_days=0,
        min_days=0,
        max_days=0,
        editable=False,
        bound_reason="platform-wide",
    ),
    RetentionRule(
        key="exports",
        retention=Retention.SHORT,
        label="Data export archives",
        covers="The ZIP of an export request: deleted after its one download or this many days.",
        default_days=EXPORT_LINK_DAYS,
        min_days=EXPORT_LINK_DAYS,
        max_days=EXPORT_LINK_DAYS,
        editable=False,
        bound_reason="the download link lives 7 days",
    ),
    RetentionRule(
        key="guardian",
        retention=Retention.ACCOUNT,
        label="Children's accounts without consent",
        covers="An under-14 account whose guardian has not consented: erased with its data after this many days.",
        default_days=GUARDIAN_CONSENT_DAYS,
        min_days=GUARDIAN_CONSENT_DAYS,
        max_days=GUARDIAN_CONSENT_DAYS,
        editable=False,
        bound_reason="fixed",
    ),
    RetentionRule(
        key="closure",
        retention=Retention.ACCOUNT,
        label="Customers of a closed store",
        covers="After the store closes, its customers' personal data is erased after this grace period.",
        default_days=CLOSURE_GRACE_DAYS,
        min_days=CLOSURE_GRACE_DAYS,
        max_days=CLOSURE_GRACE_DAYS,
        editable=False,
        bound_reason="fixed",
    ),
)
RULES_BY_KEY: dict[str, RetentionRule] = {rule.key: rule for rule in RULES}


@dataclass(frozen=True)
class RetentionRow:
    rule: RetentionRule
    store_days: int | None  # the store's own period; None: the default applies

    @property
    def days(self) -> int | None:
        return self.store_days if self.store_days is not None else self.rule.default_days


def retention_overrides(*, store: Store) -> dict[str, int]:
    return dict(RetentionOverride.objects.filter(store=store).values_list("retention", "days"))


def retention_table(*, store: Store) -> list[RetentionRow]:
    """The store's retention table: every rule with the store's own period where it set one (one query)."""
    overrides = retention_overrides(store=store)
    return [RetentionRow(rule=rule, store_days=overrides.get(rule.key) if rule.editable else None) for rule in RULES]


def retention_days(*, store: Store, key: str) -> int:
    """The period in days that applies to `store` for rule `key` (an editable rule with a day count)."""
    rule = RULES_BY_KEY[key]
    if rule.default_days is None:
        raise ValueError(f"{key} has no period in days")
    if not rule.editable:
        return rule.default_days
    override = RetentionOverride.objects.filter(store=store, retention=key).values_list("days", flat=True).first()
    return override if override is not None else rule.default_days


def retention_set(*, store: Store, actor: Actor, values: Mapping[str, Any], ip: str = "") -> dict[str, int | None]:
    """Set the store's own periods: `values` maps rule keys to days, or None/"" for the default.

    Every value is checked against its rule's bounds before anything is
    written; any error raises ApplicationError with a message per key and
    changes nothing. Returns the changes made ({key: days or None}); an
    audit entry `retention.update` lists them (no personal data).
    """
    errors = FieldErrors()
    wanted: dict[str, int | None] = {}
    for key, raw in values.items():
        rule = RULES_BY_KEY.get(key)
        if rule is None or not rule.editable:
            errors.add(key, "This period cannot be changed.")
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            wanted[key] = None
            continue
        try:
            number = int(str(raw).strip())
        except ValueError:
            errors.add(key, "Enter a whole number of days.")
            continue
        message = rule.check(number)
        if message:
            errors.add(key, message)
            continue
        wanted[key] = None if number == rule.default_days else number
    errors.raise_if_any()
    current = retention_overrides(store=store)
    changes = {key: days for key, days in wanted.items() if current.get(key) != days}
    if not changes:
        return {}
    with transaction.atomic():
        for key, value in changes.items():
            if value is None:
                RetentionOverride.objects.filter(store=store, retention=key).delete()
            else:
                RetentionOverride.objects.update_or_create(store=store, retention=key, defaults={"days": value})
        audit_record(
            action="retention.update",
            actor=actor,
            store=store,
            ip=ip,
            details={"changed": dict(sorted(changes.items()))},
        )
    return changes


# --- the purge ------------------------------------------------------------------


def _store_periods(key: str) -> tuple[int, dict[int, int]]:
    """The rule's default and every store's own period for it (one query)."""
    rule = RULES_BY_KEY[key]
    assert rule.default_days is not None
    overrides = dict(RetentionOverride.objects.filter(retention=key).values_list("store_id", "days"))
    return rule.default_days, overrides


def _days_for(store_id: int, key: str, periods: tuple[int, dict[int, int]]) -> int:
    default, overrides = periods
    return overrides.get(store_id, default)


def orders_due(*, store_id: int, cutoff: datetime) -> Any:
    """The store's orders not yet anonymised whose completion lies at or before `cutoff` (see module docs)."""
    from shopwright.orders.models import Order
    from shopwright.payments.models import Refund

    later_refund = Refund.objects.filter(store_id=store_id, order=OuterRef("pk"), created_at__gt=cutoff)
    return (
        Order.objects.filter(store_id=store_id, anonymised_at__isnull=True, created_at__lte=cutoff)
        .filter(Q(paid_at__isnull=True) | Q(paid_at__lte=cutoff))
        .filter(Q(fulfilled_at__isnull=True) | Q(fulfilled_at__lte=cutoff))
        .filter(Q(cancelled_at__isnull=True) | Q(cancelled_at__lte=cutoff))
        .exclude(Exists(later_refund))
    )


def orders_anonymise_expired(*, now: datetime) -> int:
    """Anonymise every order past its store's TRANSACTION period (engine's erasure.order_anonymise), in batches."""
    from shopwright.orders.models import Order
    from shopwright.privacy.erasure import order_anonymise

    periods = _store_periods("transaction")
    done = 0
    for store_id in Store.objects.order_by("pk").values_list("pk", flat=True):
        cutoff = now - timedelta(days=_days_for(store_id, "transaction", periods))
        after = 0
        while True:
            ids = list(
                orders_due(store_id=store_id, cutoff=cutoff)
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            after = ids[-1]
            for order in Order.objects.filter(store_id=store_id, pk__in=ids).order_by("pk"):
                with transaction.atomic():
                    order_anonymise(order)
                done += 1
    return done


def checkouts_delete_expired(*, now: datetime) -> int:
    """Delete checkouts untouched for longer than the store's `checkouts` period (placed orders keep their copy)."""
    from shopwright.checkout.models import Checkout

    periods = _store_periods("checkouts")
    done = 0
    for store_id in Store.objects.order_by("pk").values_list("pk", flat=True):
        cutoff = now - timedelta(days=_days_for(store_id, "checkouts", periods))
        while True:
            ids = list(
                Checkout.objects.filter(store_id=store_id, updated_at__lt=cutoff).values_list("pk", flat=True)[
                    :DELETE_BATCH
                ]
            )
            if not ids:
                break
            Checkout.objects.filter(store_id=store_id, pk__in=ids).delete()
            done += len(ids)
    return done


def _delete_in_batches(queryset: Any) -> int:
    done = 0
    model = queryset.model
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            return done
        model.objects.filter(pk__in=ids).delete()
        done += len(ids)


def emails_delete_expired(*, now: datetime) -> int:
    """Delete queued-email copies older than their store's `emails` period (platform mail: the default)."""
    default, overrides = _store_periods("emails")
    statuses = [choice.value for choice in Email.Status]
    # status IN (...) AND created_at < x: the `email_status_time` index.
    base = Email.objects.filter(status__in=statuses)
    done = _delete_in_batches(
        base.filter(created_at__lt=now - timedelta(days=default)).exclude(store_id__in=list(overrides))
    )
    for store_id, days in overrides.items():
        done += _delete_in_batches(base.filter(store_id=store_id, created_at__lt=now - timedelta(days=days)))
    return done


def sessions_delete_expired(*, now: datetime) -> int:
    return _delete_in_batches(Session.objects.filter(expire_date__lt=now))


CLOSED_REQUEST = [RequestStatus.COMPLETED, RequestStatus.REFUSED, RequestStatus.CANCELLED]
_REQUEST_PERSONAL = {
    "subject_email": "",
    "subject_email_index": "",
    "agent_name": "",
    "agent_email": "",
    "details": "",
    "resolution": "",
    "code_hash": "",
    "verification_nonce": "",
}


def _closed_before(cutoff: datetime) -> Q:
    """A closed request whose closing (or, without one, its opening) lies before `cutoff`."""
    return Q(status__in=CLOSED_REQUEST) & (
        Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True, created_at__lt=cutoff)
    )


def requests_purge_expired(*, now: datetime) -> tuple[int, int]:
    """Empty the personal fields of closed requests past `requests`; delete those past `audit`. (emptied, deleted)."""
    not_empty = Q()
    for name in _REQUEST_PERSONAL:
        not_empty |= ~Q(**{name: ""})
    emptied = 0
    details_periods = _store_periods("requests")
    audit_periods = _store_periods("audit")
    # Merchants' own requests (store null) and stores with the default period, then each store of its own.
    store_ids = sorted(set(details_periods[1]) | set(audit_periods[1]))
    scopes: list[tuple[Q, int, int]] = [
        (~Q(store_id__in=store_ids) | Q(store_id__isnull=True), details_periods[0], audit_periods[0])
    ]
    for store_id in store_ids:
        scopes.append(
            (
                Q(store_id=store_id),
                _days_for(store_id, "requests", details_periods),
                _days_for(store_id, "audit", audit_periods),
            )
        )
    deleted = 0
    for scope, details_days, audit_days in scopes:
        deleted += _delete_in_batches(
            DataRequest.objects.filter(scope & _closed_before(now - timedelta(days=audit_days)))
        )
        emptied += DataRequest.objects.filter(
            scope & _closed_before(now - timedelta(days=details_days)) & not_empty
        ).update(**_REQUEST_PERSONAL)
    return emptied, deleted


def exports_delete_expired(*, now: datetime) -> int:
    from shopwright.privacy.exports import exports_expire

    return exports_expire(now=now)


def retention_purge(*, now: datetime | None = None) -> PurgeReport:
    """Delete or anonymise everything whose retention period has ended; write and return the PurgeReport.

    Runs daily (privacy.retention_tasks). Each step works in batches and
    commits as it goes, so a run killed half-way is finished by the next
    one. A step that fails is counted as `<step>_failed` (its error type is
    logged) and the other steps still run; the report's `finished_at` is
    set at the end, with an audit entry `retention.purge` holding the counts.
    `now` is for tests: the periods are measured from it.
    """
    from shopwright.privacy.children import children_erase_unconsented
    from shopwright.privacy.closures import closed_stores_erase

    now = now or timezone.now()
    report = PurgeReport.objects.create(started_at=timezone.now(), counts={})
    counts: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def step(name: str, run: Callable[[], Mapping[str, int]]) -> None:
        began = time.monotonic()
        try:
            counts.update(run())
        except Exception as exc:
            logger.error("retention purge: step %s failed (%s)", name, type(exc).__name__)
            counts[f"{name}_failed"] = 1
        timings[name] = round(time.monotonic() - began, 3)

    def requests_step() -> dict[str, int]:
        emptied, deleted = requests_purge_expired(now=now)
        return {"requests_emptied": emptied, "requests_deleted": deleted}

    step("children", lambda: {"children_erased": children_erase_unconsented(now=now)})
    step("closures", lambda: closed_stores_erase(now=now))
    step("orders", lambda: {"orders_anonymised": orders_anonymise_expired(now=now)})
    step("checkouts", lambda: {"checkouts_deleted": checkouts_delete_expired(now=now)})
    step("emails", lambda: {"emails_deleted": emails_delete_expired(now=now)})
    step("sessions", lambda: {"sessions_deleted": sessions_delete_expired(now=now)})
    step("requests", requests_step)
    step("exports", lambda: {"exports_deleted": exports_delete_expired(now=now)})

    report.counts = {**counts, "seconds": timings}
    report.stores_closed = int(counts.get("stores_closed", 0))
    report.finished_at = timezone.now()
    with transaction.atomic():
        report.save(update_fields=["counts", "stores_closed", "finished_at"])
        audit_record(action="retention.purge", actor=Actor.system(), obj=report, details=dict(counts))
    logger.info("retention purge #%s finished", report.pk)
    return report


def purge_reports(*, limit: int = 60) -> list[PurgeReport]:
    """The latest purge reports, newest first (for operators)."""
    return list(PurgeReport.objects.order_by("-started_at", "-id")[:limit])
