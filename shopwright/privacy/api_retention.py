"""Retention endpoints on the platform host (mounted at /merchant/privacy/retention).

A store's retention table and its own periods (owners and admins; other
members 403, a store one is not a member of 404), the age gate switch, and
for platform operators (is_staff; anyone else 404) the purge reports.
"""

from __future__ import annotations

import datetime

from ninja import Query, Router

from shopwright.core.api import ERRORS, ApiSchema, InputSchema
from shopwright.core.audit import Actor
from shopwright.core.exceptions import NotFound
from shopwright.core.requests import client_ip
from shopwright.privacy import children, retention
from shopwright.privacy.models import PurgeReport
from shopwright.stores.api import MerchantApiRequest, member_store, merchant_auth
from shopwright.stores.models import Role, Store

merchant_router = Router(tags=["privacy"])


class StoreQuery(ApiSchema):
    store: str


class RetentionRowOut(ApiSchema):
    key: str
    category: str
    label: str
    covers: str
    default_days: int | None
    store_days: int | None
    days: int | None
    min_days: int
    max_days: int
    editable: bool


class RetentionOut(ApiSchema):
    ask_date_of_birth: bool
    rules: list[RetentionRowOut]


class RetentionIn(InputSchema):
    # Rule key -> days; null (or absent) keeps the default. Only editable rules are accepted.
    periods: dict[str, int | None] = {}
    ask_date_of_birth: bool | None = None


class PurgeReportOut(ApiSchema):
    id: int
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    seconds: float | None
    counts: dict[str, int]
    stores_closed: int


def _store(request: MerchantApiRequest, handle: str) -> Store:
    return member_store(
        request, handle, roles={Role.OWNER, Role.ADMIN}, refused="Only the store's owner and admins manage retention."
    )


def _out(store: Store) -> RetentionOut:
    rows = [
        RetentionRowOut(
            key=row.rule.key,
            category=row.rule.retention.value,
            label=row.rule.label,
            covers=row.rule.covers,
            default_days=row.rule.default_days,
            store_days=row.store_days,
            days=row.days,
            min_days=row.rule.min_days,
            max_days=row.rule.max_days,
            editable=row.rule.editable,
        )
        for row in retention.retention_table(store=store)
    ]
    return RetentionOut(ask_date_of_birth=store.ask_date_of_birth, rules=rows)


@merchant_router.get(
    "", auth=merchant_auth, response={200: RetentionOut, **ERRORS}, summary="A store's retention table"
)
def retention_get(request: MerchantApiRequest, query: Query[StoreQuery]) -> RetentionOut:
    return _out(_store(request, query.store))


@merchant_router.put(
    "",
    auth=merchant_auth,
    response={200: RetentionOut, **ERRORS},
    summary="Set a store's own retention periods (within the legal bounds) and the age gate",
)
def retention_put(request: MerchantApiRequest, query: Query[StoreQuery], payload: RetentionIn) -> RetentionOut:
    """A period outside its bounds answers 400 with a message under `fields.<key>`; nothing is changed then."""
    store = _store(request, query.store)
    actor, ip = Actor.user(request.auth), client_ip(request)
    if payload.periods:
        retention.retention_set(store=store, actor=actor, values=payload.periods, ip=ip)
    if payload.ask_date_of_birth is not None:
        children.store_ask_date_of_birth_set(store=store, actor=actor, value=payload.ask_date_of_birth, ip=ip)
    return _out(store)


def _report_out(report: PurgeReport) -> PurgeReportOut:
    finished = report.finished_at
    return PurgeReportOut(
        id=report.pk,
        started_at=report.started_at,
        finished_at=finished,
        seconds=(finished - report.started_at).total_seconds() if finished else None,
        counts={k: v for k, v in report.counts.items() if isinstance(v, int)},
        stores_closed=report.stores_closed,
    )


@merchant_router.get(
    "/purges",
    auth=merchant_auth,
    response={200: list[PurgeReportOut], **ERRORS},
    summary="Operators: the retention purge's reports, newest first",
)
def purges(request: MerchantApiRequest) -> list[PurgeReportOut]:
    if not request.auth.is_staff:
        raise NotFound("Not found.")
    return [_report_out(report) for report in retention.purge_reports()]
