"""Background jobs of payments: thin wrappers over services. Arguments are ids and codes only."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.stores.selectors import store_by_id


@db_task(retries=8, retry_delay=10, retry_backoff=2)  # 10 s, 20 s, 40 s, ... about 42 minutes in all
def testgateway_event_deliver_task(
    payment_id: str, event_id: str, event_type: str, created: int, failure_code: str = "", refund_id: str = ""
) -> None:
    """The test provider's webhook delivery; it raises (and is retried) until the store answers 2xx."""
    from shopwright.payments.testgateway.services import event_deliver

    event_deliver(
        payment_id=payment_id,
        event_id=event_id,
        event_type=event_type,
        created=created,
        failure_code=failure_code,
        refund_id=refund_id,
    )


@db_task(retries=8, retry_delay=60, retry_backoff=2)  # 1, 2, 4, ... 128 min: about 4 hours in all
def refund_retry_task(store_id: int, refund_id: int) -> None:
    """A refund the provider did not answer, asked again with the same idempotency key."""
    from shopwright.payments.services import refund_send

    store = store_by_id(store_id=store_id)
    if store is not None:
        refund_send(store=store, refund_id=refund_id)


@db_task(retries=8, retry_delay=60, retry_backoff=2)
def payment_return_task(store_id: int, payment_id: int) -> None:
    """Give back a payment the order could not take (paid twice, or its stock went)."""
    from shopwright.payments.services import payment_return

    store = store_by_id(store_id=store_id)
    if store is not None:
        payment_return(store=store, payment_id=payment_id)


@db_periodic_task(crontab(minute="*/15"))
def refunds_resend_stale_task() -> None:
    """Refunds nobody heard back about (a worker died between the intent and the call)."""
    from shopwright.payments.services import refunds_resend_stale

    refunds_resend_stale()


@db_periodic_task(crontab(minute="*/15"))
def refunds_settle_unsettled_task() -> None:
    """Refunds the provider accepted but whose settling webhook has not come for an hour: ask the provider."""
    from shopwright.payments.services import refunds_settle_unsettled

    refunds_settle_unsettled()


@db_task(retries=8, retry_delay=30, retry_backoff=2)  # 30 s, 1 min, 2 min, ... about 2 hours in all
def payment_close_task(store_id: int, payment_id: int) -> None:
    """Close an attempt at its provider (its order closed, the store switched provider, or it was replaced)."""
    from shopwright.payments.services import payment_close

    store = store_by_id(store_id=store_id)
    if store is not None:
        payment_close(store=store, payment_id=payment_id)


@db_periodic_task(crontab(minute="*"))
def payments_close_stale_task() -> None:
    """Close the provider pages of orders that stopped waiting for payment (cancelled, expired, paid)."""
    from shopwright.payments.services import payments_close_stale

    payments_close_stale()
