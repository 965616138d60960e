"""Background jobs of core: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.core.emails import email_deliver
from shopwright.core.throttle import throttle_purge


@db_task(retries=5, retry_delay=30, retry_backoff=2)  # 30 s, 1, 2, 4, 8 min
def email_deliver_task(email_id: int) -> None:
    email_deliver(email_id=email_id)


@db_periodic_task(crontab(minute="17"))
def throttle_purge_task() -> None:
    throttle_purge()
