"""Jobs of retention, store closure and children's accounts (retention.py, closures.py, children.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.privacy.closures import store_closing_notify
from shopwright.privacy.retention import retention_purge


# Daily, at night: whatever has passed its retention period is deleted or anonymised (a PurgeReport per run).
@db_periodic_task(crontab(hour="2", minute="30"))
def retention_purge_task() -> None:
    retention_purge()


# A closed store's notices, one batch of customers per run; the job queues itself for the next batch.
@db_task(retries=3, retry_delay=60)
def store_closing_notify_task(store_id: int, after_id: int) -> None:
    last = store_closing_notify(store_id=store_id, after_id=after_id)
    if last is not None:
        store_closing_notify_task(store_id, last)
