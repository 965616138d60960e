"""Background jobs of the catalog: thin wrappers over services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shopwright.catalog.imports import MAX_ATTEMPTS, import_apply, import_purge_stale, import_requeue_stalled

# After an error the job stays running and the retry resumes it after the batches it
# committed; 1 then 2 minutes apart, so a database restart has time to finish. The
# retries and the sweep's re-queues share the job's MAX_ATTEMPTS: the last one fails it.
IMPORT_RETRY_DELAY = 60
IMPORT_RETRY_BACKOFF = 2


@db_task(retries=MAX_ATTEMPTS - 1, retry_delay=IMPORT_RETRY_DELAY, retry_backoff=IMPORT_RETRY_BACKOFF)
def import_apply_task(store_id: int, job_id: int) -> None:
    import_apply(store_id=store_id, job_id=job_id, retry_on_error=True)


# A worker that dies mid-job never says so: every 5 minutes, jobs silent for too long are queued again.
@db_periodic_task(crontab(minute="*/5"))
def import_requeue_stalled_task() -> None:
    import_requeue_stalled()


@db_periodic_task(crontab(minute="41"))
def import_purge_stale_task() -> None:
    import_purge_stale()
