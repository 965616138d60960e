"""Reads about data requests: the subject's own, a store's inbox, the operators' inbox, one request's timeline.

Every read is scoped: a customer sees its own requests at its store, a
store's inbox holds that store's requests only, the operators' inbox the
merchants' own requests (no store). Another subject's or store's request
answers NotFound, the same as one that does not exist.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet
from django.utils import timezone

from shopwright.core.exceptions import NotFound
from shopwright.core.models import AuditEntry
from shopwright.privacy.models import DataRequest, RequestKind, RequestStatus
from shopwright.privacy.requests import ACCESS_VIEW_LIFETIME, ACTIVE

if TYPE_CHECKING:
    from shopwright.customers.models import Customer
    from shopwright.stores.models import Store, User

_MISSING = "No such request."
# Ids past a database integer are no request (and would overflow the query parameter).
MAX_ID = 2**63 - 1  # the largest id a database integer holds


def _checked(request_id: int) -> int:
    if not 0 < request_id <= MAX_ID:
        raise NotFound(_MISSING)
    return request_id


@dataclass(frozen=True)
class RequestRow:
    """One request as a list shows it: the deadline in days (negative when overdue)."""

    request: DataRequest
    kind: str
    status: str
    days_left: int | None
    overdue: bool
    open: bool

    @property
    def overdue_days(self) -> int:
        """Whole days past the deadline (at least 1 once it has passed)."""
        return max(1, -self.days_left - 1) if self.overdue and self.days_left is not None else 0


def days_left(request: DataRequest, *, now: datetime.datetime | None = None) -> int | None:
    """Whole days until the deadline (0 on its last day, negative past it); None before verification."""
    if request.due_at is None:
        return None
    seconds = (request.due_at - (now or timezone.now())).total_seconds()
    return math.floor(seconds / 86400)


def request_row(request: DataRequest, *, now: datetime.datetime | None = None) -> RequestRow:
    left = days_left(request, now=now)
    is_open = request.status in ACTIVE
    return RequestRow(
        request=request,
        kind=RequestKind(request.kind).label,
        status=RequestStatus(request.status).label,
        days_left=left,
        overdue=is_open and left is not None and left < 0,
        open=is_open,
    )


def requests_for_customer(*, store: Store, customer: Customer) -> list[RequestRow]:
    rows = DataRequest.objects.filter(store=store, customer_id=customer.pk).order_by("-created_at", "-id")
    now = timezone.now()
    return [request_row(r, now=now) for r in rows]


def requests_for_user(*, user: User) -> list[RequestRow]:
    """A merchant's own requests (about the platform account, in the operators' inbox)."""
    rows = DataRequest.objects.filter(store__isnull=True, user_id=user.pk).order_by("-created_at", "-id")
    now = timezone.now()
    return [request_row(r, now=now) for r in rows]


def request_for_customer(*, store: Store, customer: Customer, request_id: int) -> DataRequest:
    found = DataRequest.objects.filter(store=store, customer_id=customer.pk, pk=_checked(request_id)).first()
    if found is None:
        raise NotFound(_MISSING)
    return found


def request_for_user(*, user: User, request_id: int) -> DataRequest:
    found = DataRequest.objects.filter(store__isnull=True, user_id=user.pk, pk=_checked(request_id)).first()
    if found is None:
        raise NotFound(_MISSING)
    return found


def access_view_open(*, store: Store, customer: Customer, now: datetime.datetime | None = None) -> bool:
    """Whether the customer verified an access request in the last ACCESS_VIEW_LIFETIME (the data may be shown)."""
    since = (now or timezone.now()) - ACCESS_VIEW_LIFETIME
    return DataRequest.objects.filter(
        store=store,
        customer_id=customer.pk,
        kind=RequestKind.ACCESS,
        status=RequestStatus.COMPLETED,
        verified_at__gte=since,
    ).exists()


def _inbox(base: QuerySet[DataRequest], *, status: str = "", kind: str = "") -> list[RequestRow]:
    """Verified requests first by deadline (soonest, overdue first), then those still being verified."""
    rows = base.exclude(status__in=[RequestStatus.VERIFYING, RequestStatus.AWAITING_SUBJECT])
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    ordered = rows.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-id")
    now = timezone.now()
    found = [request_row(r, now=now) for r in ordered]
    # Open ones first: a closed request's deadline no longer matters.
    return [r for r in found if r.open] + [r for r in found if not r.open]


def store_inbox(*, store: Store, status: str = "", kind: str = "") -> list[RequestRow]:
    return _inbox(DataRequest.objects.filter(store=store), status=status, kind=kind)


def operator_inbox(*, status: str = "", kind: str = "") -> list[RequestRow]:
    return _inbox(DataRequest.objects.filter(store__isnull=True), status=status, kind=kind)


def store_inbox_request(*, store: Store, request_id: int) -> DataRequest:
    found = DataRequest.objects.filter(store=store, pk=_checked(request_id)).first()
    if found is None:
        raise NotFound(_MISSING)
    return found


def operator_inbox_request(*, request_id: int) -> DataRequest:
    found = DataRequest.objects.filter(store__isnull=True, pk=_checked(request_id)).first()
    if found is None:
        raise NotFound(_MISSING)
    return found


# What a timeline calls each audited action; others show their code.
TIMELINE_LABELS = {
    "privacy.request_opened": "Request opened",
    "privacy.code_sent": "One-time code sent to the email on file",
    "privacy.verification_failed": "Identity check failed",
    "privacy.request_verified": "Identity verified; the deadline started",
    "privacy.request_started": "Work started",
    "privacy.request_completed": "Completed",
    "privacy.request_refused": "Refused",
    "privacy.request_cancelled": "Cancelled",
    "privacy.request_reminder": "Deadline reminder sent",
    "privacy.request_refused_duplicate": "A second deletion was refused",
    "privacy.subject_revealed": "Subject's email shown in full",
    "privacy.erasure_started": "Account locked; erasure started",
    "privacy.erasure_completed": "Erasure finished",
    "privacy.residue_checked": "Residue scan done",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    label: str
    actor_type: str
    reason: str


def request_timeline(*, request: DataRequest) -> list[TimelineEntry]:
    """The request's audit entries, oldest first (details hold no personal data)."""
    entries = AuditEntry.objects.filter(object_type=DataRequest._meta.label_lower, object_id=str(request.pk)).order_by(
        "created_at", "id"
    )
    return [
        TimelineEntry(
            at=e.created_at,
            label=TIMELINE_LABELS.get(e.action, e.action),
            actor_type=e.actor_type,
            reason=str(e.details.get("reason", "") or e.details.get("method", "") or e.details.get("day", "") or ""),
        )
        for e in entries
    ]
